"""Forms of the attendance pages: check-in, make-up batch, waivers. The roll call's per-person fields are
read from the request by name (status-<user id>, note-<user id>) since their number varies; its form only
carries the CSRF token."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l
from app.training.eligibility import MAX_REASON
from app.training.makeup import MAX_NAME


class RollForm(FlaskForm):
    """CSRF only; the statuses and notes come as status-<id>/note-<id>."""


class ActionForm(FlaskForm):
    """Buttons that change state (revoke a waiver): CSRF only."""


class CheckinForm(FlaskForm):
    # Longer than 6 so spaces ("123 456") and full-width digits reach the service, which explains errors.
    code = StringField(_l("Check-in code"), validators=[DataRequired(message=_l("Enter the check-in code."))],
                       filters=[lambda value: value.strip() if isinstance(value, str) else value])


class MakeupForm(FlaskForm):
    name = StringField(_l("Batch name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    # "user id:course code" for each person × missed course that is ticked.
    picks = MultiCheckboxField(_l("People and courses"))

    def __init__(self, *args, picks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.picks.choices = [(value, value) for value in picks]

    def people(self) -> dict[int, list[str]]:
        chosen: dict[int, list[str]] = {}
        for value in self.picks.data or []:
            user_id, _sep, code = value.partition(":")
            chosen.setdefault(int(user_id), []).append(code)
        return chosen


class WaiverForm(FlaskForm):
    staff_no = StringField(_l("Staff number"), validators=[DataRequired(), Length(max=32)])
    course = SelectField(_l("Course"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = list(courses)
