"""Forms for the staff, station and team pages.

Choices that come from the database (stations, teams) are filled in by the view for each request;
labels are translated when the form is built, inside the request.
"""

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l
from app.core.integers import optional_whole_number
from app.core.roles import ROLE_LABELS, Role
from app.org.models import STATION_KINDS

KIND_LABELS = {
    "station": _l("Toll station"),
    "point": _l("Branch toll point"),
}


def optional_role(value):
    if value in (None, ""):
        return None
    return Role(value)


def station_choices(stations, *, empty_label) -> list[SelectChoice]:
    choices = [SelectChoice("", str(empty_label))]
    for station in stations:
        label = station.name if station.active else _("%(name)s (deactivated)", name=station.name)
        choices.append(SelectChoice(str(station.id), label))
    return choices


def team_choices(teams, *, empty_label) -> list[SelectChoice]:
    """Teams grouped by station (<optgroup>), so a team is never mistaken for another station's."""
    choices = [SelectChoice("", str(empty_label))]
    for team in teams:
        label = team.name if team.active else _("%(name)s (deactivated)", name=team.name)
        choices.append(SelectChoice(str(team.id), label, optgroup=team.station.name))
    return choices


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(ROLE_LABELS[role])) for role in Role]


# --- Staff --------------------------------------------------------------------------------------

class StaffFilterForm(FlaskForm):
    """The staff list's search box and filters; read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Staff number or name"), validators=[Optional(), Length(max=64)])
    station = SelectField(_l("Station"), coerce=optional_whole_number, validators=[Optional()])
    team = SelectField(_l("Team"), coerce=optional_whole_number, validators=[Optional()])
    role = SelectField(_l("Role"), coerce=optional_role, validators=[Optional()])
    status = SelectField(_l("Status"), default="active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _("All roles")), *role_choices()]
        self.status.choices = [
            SelectChoice("active", _("Active")),
            SelectChoice("inactive", _("Deactivated")),
            SelectChoice("all", _("All")),
        ]


class StaffForm(FlaskForm):
    """Fields shared by the create and edit pages; `roles` is removed for users who cannot change roles."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    station = SelectField(_l("Station"), coerce=optional_whole_number, validators=[Optional()])
    team = SelectField(_l("Team"), coerce=optional_whole_number, validators=[Optional()])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=64)])
    hire_date = DateField(_l("Hire date"), validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"), default=[Role.COLLECTOR.value])

    def __init__(self, *args, stations=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.station.choices = station_choices(stations, empty_label=_("— Take it from the team —"))
        self.team.choices = team_choices(teams, empty_label=_("— No team —"))
        self.roles.choices = role_choices()


class StaffCreateForm(StaffForm):
    staff_no = StringField(_l("Staff number"), validators=[DataRequired(), Length(max=32)])


class StaffEditForm(StaffForm):
    pass


class ActionForm(FlaskForm):
    """An empty form for buttons that change state (deactivate, reactivate, issue a password): CSRF only."""


# --- Stations and teams -------------------------------------------------------------------------

class StationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Station name"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), default="")
    status = SelectField(_l("Status"), default="all")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _("All kinds"))] + [
            SelectChoice(kind, str(KIND_LABELS[kind])) for kind in STATION_KINDS
        ]
        self.status.choices = [
            SelectChoice("all", _("All")),
            SelectChoice("active", _("Active")),
            SelectChoice("inactive", _("Deactivated")),
        ]


class StationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), default="station")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind, str(KIND_LABELS[kind])) for kind in STATION_KINDS]


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=100)])
