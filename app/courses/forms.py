"""Forms of the course pages: a lesson, an attachment upload, the lecturers, and buttons (CSRF only)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l
from app.courses.lessons import MAX_BODY, MAX_TITLE


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=MAX_BODY)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])


class LecturersForm(FlaskForm):
    lecturers = MultiCheckboxField(_l("Lecturers"), coerce=int)

    def __init__(self, *args, trainers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lecturers.choices = [SelectChoice(user.id, f"{user.name} ({user.staff_no})") for user in trainers]


class ActionForm(FlaskForm):
    """An empty form for buttons that change state (finish, delete, move): CSRF only."""
