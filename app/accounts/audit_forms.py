"""The audit page's filter form (GET, no CSRF: it changes nothing)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.audit.actions import LABELS
from app.core.i18n import lazy_gettext as _l


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Actor (staff number)"), validators=[Optional(), Length(max=32)])
    target = StringField(_l("Target"), validators=[Optional(), Length(max=64)])
    ip = StringField(_l("IP address"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    q = StringField(_l("Details contain"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labelled = sorted(((code, str(label)) for code, label in LABELS.items()), key=lambda pair: pair[1])
        self.action.choices = [("", str(_l("All actions"))), *labelled]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> dict:
        """The submitted filters, stripped, without empty ones."""
        values = {
            "action": self.action.data or "",
            "actor": (self.actor.data or "").strip(),
            "target": (self.target.data or "").strip(),
            "ip": (self.ip.data or "").strip(),
            "date_from": self.date_from.data,
            "date_to": self.date_to.data,
            "q": (self.q.data or "").strip(),
        }
        return {key: value for key, value in values.items() if value}
