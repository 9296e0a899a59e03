"""Forms for the roster import: the upload, and the confirmation (CSRF only; the file stays on the server)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from app.core.i18n import lazy_gettext as _l


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (CSV or Excel .xlsx)"), validators=[FileRequired(_l("Choose a file to upload."))])
    create_missing = BooleanField(_l("Create missing stations and teams"))


class RosterConfirmForm(FlaskForm):
    """Only the CSRF token: what is imported is the stored file, checked again."""
