"""Forms of the API client pages."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.api.scopes import SCOPES
from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l


class ClientForm(FlaskForm):
    name = StringField(_l("Client name"), validators=[DataRequired(), Length(max=100)])
    scopes = MultiCheckboxField(_l("What it may read"), validators=[DataRequired(_l("Choose at least one scope."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(scope, label) for scope, label in SCOPES.items()]


class RevokeForm(FlaskForm):
    """CSRF only."""
