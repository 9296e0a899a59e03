"""Forms of the plan, allocation and leave pages."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.errors import DomainError
from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l
from app.training.leave import MAX_REASON
from app.training.plans import MAX_NAME, parse_share


class PlanForm(FlaskForm):
    name = StringField(_l("Plan name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    share = StringField(_l("Share of a station that may be away at once"), validators=[DataRequired()])
    stations = MultiCheckboxField(_l("Whole stations"), coerce=int)
    teams = MultiCheckboxField(_l("Single teams"), coerce=int)

    def __init__(self, *args, stations=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stations.choices = [SelectChoice(s.id, s.name) for s in stations]
        self.teams.choices = [SelectChoice(t.id, t.name) for t in teams]
        self.team_station = {t.id: t.station_id for t in teams}
        self.parsed_share = None

    def validate_share(self, field):
        try:
            self.parsed_share = parse_share(field.data)
        except DomainError as error:
            raise ValidationError(str(error.message)) from None

    def team_groups(self, stations):
        """[(station, [team checkbox, …]), …] for the teams grouped under their station."""
        options = {option.data: option for option in self.teams}
        return [(s, [options[t] for t, sid in self.team_station.items() if sid == s.id and t in options])
                for s in stations if any(sid == s.id for sid in self.team_station.values())]


class MoveForm(FlaskForm):
    user_id = IntegerField(validators=[DataRequired()])
    batch_id = IntegerField(validators=[DataRequired()])


class LeaveForm(FlaskForm):
    staff_no = StringField(_l("Staff no"), validators=[DataRequired(), Length(max=32)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (last day)"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=MAX_REASON)])


class ActionForm(FlaskForm):
    """Buttons that change state (propose, remove): CSRF only."""
