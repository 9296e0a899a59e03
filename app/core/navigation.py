"""Navigation entries; who sees one follows from the @allow declaration of its endpoint."""

from flask import current_app
from flask_login import current_user

from app.core.i18n import lazy_gettext as _l
from app.core.permissions import access_of

NAV = (
    ("main.home", _l("Home")),
    ("org.staff_list", _l("Staff")),
    ("org.stations", _l("Stations and teams")),
    ("org.roster_import", _l("Import roster")),
    ("courses.index", _l("Courses")),
    ("training.plans", _l("Training plans")),
    ("training.batches", _l("Batches")),
    ("training.my_training", _l("My training")),
    ("banks.index", _l("Question banks")),
    ("exams.index", _l("Exams")),
    ("exams.my_exams", _l("My exams")),
    ("exams.practice_home", _l("Practice")),
    ("exams.mistakes", _l("Wrong-answer book")),
    ("audit.events", _l("Audit log")),
)


def nav_items():
    """(endpoint, label) pairs the current user may open."""
    items = []
    for endpoint, label in NAV:
        view = current_app.view_functions.get(endpoint)
        access = access_of(view) if view else None
        if access is not None and access.admits(current_user):
            items.append((endpoint, label))
    return items


def register(app) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
