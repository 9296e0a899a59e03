"""Forms of the results and marking pages: the results filter, extra time, grading a question across
candidates, and a regrade."""

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.i18n import lazy_gettext as _l
from app.core.integers import whole_number_or_none
from app.exams.marking import MAX_COMMENT
from app.exams.regrades import REKEY, VOID

STATUS_LABELS = {
    "in_progress": _l("In progress"),
    "waiting": _l("Waiting for grading"),
    "graded": _l("Graded"),
    "passed": _l("Passed"),
    "failed": _l("Failed"),
}
SUBMITTED_HOW_LABELS = {
    "candidate": _l("Submitted by the candidate"),
    "deadline": _l("Closed at the deadline"),
    "sweep": _l("Closed when overdue"),
    "closed": _l("Closed with the exam"),
}
ACTION_LABELS = {
    REKEY: _l("Use the corrected key of the question's current version"),
    VOID: _l("Void the question: everyone who had it gets full points"),
}


class ResultsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    station = SelectField(_l("Station"), validators=[Optional()])

    def __init__(self, stations, **kwargs):
        super().__init__(**kwargs)
        self.status.choices = [SelectChoice("", str(_l("All")))] + [SelectChoice(k, str(v))
                                                                     for k, v in STATUS_LABELS.items()]
        self.station.choices = [SelectChoice("", str(_l("All stations")))] + [SelectChoice(str(s.id), s.name)
                                                                              for s in stations]

    @property
    def station_id(self) -> int | None:
        return whole_number_or_none(self.station.data or "")

    @property
    def status_value(self) -> str | None:
        return self.status.data if self.status.data in STATUS_LABELS else None


class ExtraTimeForm(FlaskForm):
    minutes = IntegerField(_l("Extra time (minutes, in total)"),
                           validators=[InputRequired(), NumberRange(min=0, max=600)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class GradeForm(FlaskForm):
    """The CSRF token of the grading page; the rows (points-<item id>, comment-<item id>) are read by
    `read_marks`."""


@dataclass(frozen=True)
class Mark:
    item_id: int
    points: Decimal | None  # None: left blank (not graded)
    comment: str


def parse_points(text: str) -> Decimal | None:
    """"2.5", "２.５", "2,5" → Decimal("2.5"); "" → None; ValueError for anything else."""
    text = unicodedata.normalize("NFKC", text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite():
        raise ValueError(text)
    return value


def read_marks(formdata, items) -> tuple[list[Mark], dict[int, str]]:
    """The marks the page submitted for `items`, and errors by item id (points that are not a number)."""
    marks, errors = [], {}
    for item in items:
        raw = formdata.get(f"points-{item.id}")
        if raw is None:
            continue  # the row was not on the submitted page
        comment = (formdata.get(f"comment-{item.id}") or "").strip()[:MAX_COMMENT]
        try:
            points = parse_points(raw)
        except ValueError:
            user = item.attempt.user
            errors[item.id] = str(_l("%(candidate)s: the points must be a number.",
                                     candidate=f"{user.name} ({user.staff_no})"))
            continue
        marks.append(Mark(item.id, points, comment))
    return marks, errors


class RegradeForm(FlaskForm):
    action = RadioField(_l("Regrade"), validators=[InputRequired(_l("Choose how to regrade the question."))])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice(k, str(v)) for k, v in ACTION_LABELS.items()]
