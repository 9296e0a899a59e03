"""The four roles; a person may hold several."""

from enum import StrEnum

from app.core.i18n import lazy_gettext as _l


class Role(StrEnum):
    COLLECTOR = "collector"
    TRAINER = "trainer"
    HR = "hr"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.COLLECTOR: _l("Toll collector"),
    Role.TRAINER: _l("Trainer"),
    Role.HR: _l("HR / training office"),
    Role.ADMIN: _l("Administrator"),
}

# The page a person lands on after login: the most powerful role they hold wins.
LANDING_ORDER = (Role.ADMIN, Role.HR, Role.TRAINER, Role.COLLECTOR)
