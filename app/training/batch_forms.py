"""Forms of the batch pages: a batch, a session (course, day, slot with its times, room, capacity, lecturer)
and buttons that only carry the CSRF token."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.i18n import lazy_gettext as _l
from app.core.integers import whole_number
from app.courses.naming import course_name
from app.training.batches import MAX_NAME
from app.training.seating import slot_name
from app.training.sessions import MAX_ROOM
from app.training.slots import parse_slots
from app.training.states import Slot


class BatchForm(FlaskForm):
    name = StringField(_l("Batch name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    capacity = IntegerField(_l("Capacity (people)"), validators=[Optional(), NumberRange(min=1, max=10000)])


def slot_choices() -> list[tuple[str, str]]:
    slots = parse_slots(current_app.config["TRAINING_SLOTS"])
    return [(slot, f"{slot_name(slot)} {start:%H:%M}–{end:%H:%M}") for slot, (start, end) in
            ((name, slots[name]) for name in Slot)]


class SessionForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=whole_number, validators=[InputRequired()])
    day = DateField(_l("Day"), validators=[InputRequired()])
    slot = SelectField(_l("Time"), validators=[InputRequired()])
    room = StringField(_l("Room"), validators=[DataRequired(), Length(max=MAX_ROOM)])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    lecturer = SelectField(_l("Lecturer"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, courses=(), lecturers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = [(course.id, course_name(course)) for course in courses]
        self.slot.choices = slot_choices()
        self.lecturer.choices = [(user.id, f"{user.name} ({user.staff_no})") for user in lecturers]


class ButtonForm(FlaskForm):
    """CSRF only: delete and status buttons."""
