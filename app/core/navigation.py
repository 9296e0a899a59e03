"""Navigation entries; who sees one follows from the @allow declaration of its endpoint.

People with many roles (HR, administrators) would get a menu wider than the screen, so when someone sees more
than FLAT_LIMIT entries, the entries of a group fold into one dropdown per group.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_login import current_user

from app.core.i18n import lazy_gettext as _l
from app.core.permissions import access_of

ORGANISATION = _l("Organisation")
TRAINING = _l("Training")
EXAMS = _l("Exams and practice")
RESULTS = _l("Results and reports")
SYSTEM = _l("System")
FLAT_LIMIT = 7

NAV = (
    ("main.home", _l("Home"), None),
    ("org.staff_list", _l("Staff"), ORGANISATION),
    ("org.stations", _l("Stations and teams"), ORGANISATION),
    ("org.roster_import", _l("Import roster"), ORGANISATION),
    ("courses.index", _l("Courses"), TRAINING),
    ("training.plans", _l("Training plans"), TRAINING),
    ("training.batches", _l("Batches"), TRAINING),
    ("training.my_training", _l("My training"), TRAINING),
    ("banks.index", _l("Question banks"), EXAMS),
    ("exams.index", _l("Exams"), EXAMS),
    ("exams.my_exams", _l("My exams"), EXAMS),
    ("exams.practice_home", _l("Practice"), EXAMS),
    ("exams.mistakes", _l("Wrong-answer book"), EXAMS),
    ("evaluation.index", _l("Evaluations"), RESULTS),
    ("evaluation.mine", _l("My evaluations"), RESULTS),
    ("reports.dashboards", _l("Dashboards"), RESULTS),
    ("audit.events", _l("Audit log"), SYSTEM),
    ("api_clients.index", _l("API clients"), SYSTEM),
)


@dataclass
class NavEntry:
    label: object
    endpoint: str | None = None  # None for a group
    children: list["NavEntry"] = field(default_factory=list)


def nav_items() -> list[NavEntry]:
    """The entries the current user may open, flat or folded into groups."""
    visible = []
    for endpoint, label, group in NAV:
        view = current_app.view_functions.get(endpoint)
        access = access_of(view) if view else None
        if access is not None and access.admits(current_user):
            visible.append((endpoint, label, group))
    if len(visible) <= FLAT_LIMIT:
        return [NavEntry(label, endpoint) for endpoint, label, _group in visible]
    entries: list[NavEntry] = []
    groups: dict[str, NavEntry] = {}
    for endpoint, label, group in visible:
        if group is None:
            entries.append(NavEntry(label, endpoint))
        else:
            if str(group) not in groups:
                groups[str(group)] = NavEntry(group)
                entries.append(groups[str(group)])
            groups[str(group)].children.append(NavEntry(label, endpoint))
    return [entry.children[0] if len(entry.children) == 1 else entry for entry in entries]


def register(app) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
