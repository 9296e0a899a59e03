"""The dashboards' filter form (a GET form: no CSRF token, bad values are ignored rather than refused)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from app.core.i18n import lazy_gettext as _l
from app.core.integers import whole_number_or_none
from app.reports.dashboards import Filters


def _choices(everything, pairs) -> list[SelectChoice]:
    return [SelectChoice("", str(everything))] + [SelectChoice(str(key), label) for key, label in pairs]


def _id(field) -> int | None:
    value = field.data or ""
    return whole_number_or_none(value) if value in {choice.value for choice in field.choices} else None


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    plan = SelectField(_l("Training plan"), validators=[Optional()], validate_choice=False)
    batch = SelectField(_l("Batch"), validators=[Optional()], validate_choice=False)
    course = SelectField(_l("Course"), validators=[Optional()], validate_choice=False)
    station = SelectField(_l("Station"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *, plans, batches, courses, stations, **kwargs):
        """Each of plans, batches, courses, stations: (id, label) pairs."""
        super().__init__(**kwargs)
        self.plan.choices = _choices(_l("All plans"), plans)
        self.batch.choices = _choices(_l("All batches"), batches)
        self.course.choices = _choices(_l("All courses"), courses)
        self.station.choices = _choices(_l("All stations"), stations)

    def filters(self, trainer_id: int | None) -> Filters:
        """The chosen filters; an unreadable date or a date range the wrong way round is left out (and
        `validate` has put a message on the field)."""
        date_from = self.date_from.data if not self.date_from.errors else None
        date_to = self.date_to.data if not self.date_to.errors else None
        return Filters(plan_id=_id(self.plan), batch_id=_id(self.batch), course_id=_id(self.course),
                       station_id=_id(self.station), date_from=date_from, date_to=date_to, trainer_id=trainer_id)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))
