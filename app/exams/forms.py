"""Forms of the trainer's exam pages: settings, blueprint rules and fixed questions, candidates, filters.

Times: trainers type local wall-clock times (datetime-local inputs in the configured TIMEZONE); the
forms hand the services aware UTC datetimes, and show stored UTC times back in the local zone.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.banks.forms import DIFFICULTY_LABELS, course_choices, type_choices
from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l
from app.core.integers import optional_whole_number, whole_number
from app.core.localtime import local_zone
from app.exams.services import FROZEN_FIELDS, ExamSettings, RuleData

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "closed": _l("Closed"),
                 "archived": _l("Archived")}
RELEASE_LABELS = {"at_submit": _l("At submit"), "after_close": _l("After the window closes"),
                  "never": _l("Never")}
SCORING_LABELS = {"all": _l("All or nothing: only the exact set of correct options scores"),
                  "partial": _l("Partial: a correct but incomplete choice earns a share (少选得分), "
                                "any wrong option scores 0 (错选不得分)")}
DEFAULT_SHARE = Decimal("0.5")
EMPTY_RULE_ROWS = 3
MAX_RULES = 30
SEPARATORS = re.compile(r"[\s,，;；、]+")


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed in the configured zone, as an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """A stored UTC time as the naive wall-clock time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(local_zone()).replace(tzinfo=None, second=0, microsecond=0)


def split_tokens(text: str | None) -> list[str]:
    """Staff numbers or question ids typed with commas, spaces, newlines (also the Chinese 、，；)."""
    return [token for token in SEPARATORS.split(text or "") if token]


class ActionForm(FlaskForm):
    """The CSRF token of a state-changing button (publish, close …)."""


# --- Settings -----------------------------------------------------------------------------------

class ExamSettingsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                render_kw={"rows": 3})
    opens_at = DateTimeLocalField(_l("Opens at"), format=LOCAL_FORMAT, validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Closes at"), format=LOCAL_FORMAT, validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[NumberRange(min=1, max=1440)])
    pass_mark = DecimalField(_l("Pass mark (points)"), places=2, validators=[NumberRange(min=0, max=100000)])
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=1, validators=[NumberRange(min=1, max=20)])
    scoring = RadioField(_l("Multiple-choice scoring"), default="all")
    partial_share = DecimalField(_l("Share for a correct but incomplete choice"), places=3, default=DEFAULT_SHARE,
                                 validators=[Optional(), NumberRange(min=0, max=1)])
    release_score = SelectField(_l("Candidates see their score"), default="at_submit")
    release_review = SelectField(_l("Candidates see their answers, the key and the explanations"),
                                 default="after_close")
    avoid_exposed = BooleanField(_l("Prefer questions not used in earlier exams of the course"))

    def __init__(self, *args, frozen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.scoring.choices = [SelectChoice(value, str(label)) for value, label in SCORING_LABELS.items()]
        releases = [SelectChoice(value, str(label)) for value, label in RELEASE_LABELS.items()]
        self.release_score.choices = releases
        self.release_review.choices = releases
        self.frozen = frozen
        if frozen:  # disabled inputs are not sent: the fields keep the exam's values given as `data`
            for name in (*FROZEN_FIELDS, "scoring"):
                self[name].render_kw = {**(self[name].render_kw or {}), "disabled": True}

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_("The exam must close after it opens."))

    def validate_partial_share(self, field):
        if self.scoring.data == "partial" and field.data is None:
            raise ValidationError(_("Give the share, e.g. 0.5 for half the points."))

    def settings(self) -> ExamSettings:
        """What the services take; the partial share only counts when partial scoring is chosen."""
        return ExamSettings(
            title=self.title.data or "", description=self.description.data or "",
            opens_at=to_utc(self.opens_at.data), closes_at=to_utc(self.closes_at.data),
            duration_minutes=self.duration_minutes.data, pass_mark=self.pass_mark.data,
            attempts_allowed=self.attempts_allowed.data,
            partial_share=self.partial_share.data if self.scoring.data == "partial" else None,
            release_score=self.release_score.data, release_review=self.release_review.data,
            avoid_exposed=bool(self.avoid_exposed.data),
        )


def settings_data(exam) -> dict:
    """An exam's settings as form data (local times, scoring as a choice)."""
    return {
        "title": exam.title, "description": exam.description, "opens_at": to_local(exam.opens_at),
        "closes_at": to_local(exam.closes_at), "duration_minutes": exam.duration_minutes,
        "pass_mark": exam.pass_mark, "attempts_allowed": exam.attempts_allowed,
        "scoring": "all" if exam.partial_share is None else "partial",
        "partial_share": exam.partial_share if exam.partial_share is not None else DEFAULT_SHARE,
        "release_score": exam.release_score, "release_review": exam.release_review,
        "avoid_exposed": exam.avoid_exposed,
    }


class NewExamForm(ExamSettingsForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = course_choices(courses)


# --- Blueprint ----------------------------------------------------------------------------------

def difficulty_levels() -> list[SelectChoice]:
    return [SelectChoice(level, str(label)) for level, label in DIFFICULTY_LABELS.items()]


class RuleForm(Form):
    """One rule row; a row without a count is an unused row and is left out."""

    bank = SelectField(_l("Bank"), coerce=optional_whole_number, validate_choice=False)
    type = SelectField(_l("Type"), default="")
    topics = SelectMultipleField(_l("Topics"), coerce=whole_number, validate_choice=False)
    difficulty_min = SelectField(_l("Difficulty from"), coerce=int, default=1)
    difficulty_max = SelectField(_l("to"), coerce=int, default=5)
    count = IntegerField(_l("Questions"), validators=[Optional(), NumberRange(min=1, max=500)])
    points_each = DecimalField(_l("Points each"), places=2,
                               validators=[Optional(), NumberRange(min=Decimal("0.01"), max=1000)])

    def validate_difficulty_max(self, field):
        if field.data is not None and self.difficulty_min.data is not None and field.data < self.difficulty_min.data:
            raise ValidationError(_("The highest difficulty must not be below the lowest."))

    @property
    def used(self) -> bool:
        return self.count.data is not None

    def rule(self) -> RuleData:
        return RuleData(count=self.count.data, bank_id=self.bank.data, type=self.type.data or None,
                        topic_ids=list(self.topics.data or []), difficulty_min=self.difficulty_min.data,
                        difficulty_max=self.difficulty_max.data, points_each=self.points_each.data)


class BlueprintForm(FlaskForm):
    rules = FieldList(FormField(RuleForm), min_entries=0, max_entries=MAX_RULES)
    fixed = TextAreaField(_l("Fixed questions"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})

    def setup(self, access, topics) -> None:
        """Choices of every row: the banks `access` (app.exams.permissions.BlueprintAccess) offers — every
        bank of the course only when it offers that — and the topics used in the course."""
        bank_choices = [SelectChoice("", _("Every bank of the course"))] if access.offers(None) else []
        bank_choices += [SelectChoice(bank.id, bank.name) for bank in access.offered]
        topic_choices = [SelectChoice(topic.id, topic.name) for topic in topics]
        for row in (entry.form for entry in self.rules):
            row.bank.choices = bank_choices
            row.type.choices = type_choices(_("Any type"))
            row.topics.choices = topic_choices
            row.difficulty_min.choices = difficulty_levels()
            row.difficulty_max.choices = difficulty_levels()
        self.access = access
        self.topic_ids = {topic.id for topic in topics}

    def validate_rules(self, field):
        rows = [entry.form for entry in field]
        for number, row in enumerate(rows, start=1):
            if not self.access.offers(row.bank.data):
                raise ValidationError(_("Rule %(n)d: choose one of the banks listed; you may draw only from "
                                        "banks of this course whose keys you may see.", n=number))
            unknown = [t for t in row.topics.data or () if t not in self.topic_ids]
            if unknown:
                raise ValidationError(_("Rule %(n)d: unknown topic.", n=number))
        used = [(number, row) for number, row in enumerate(rows, start=1) if row.used]
        for index in self.access.refused_rules([row.rule() for _number, row in used]):
            number, row = used[index]
            bank = next((b.name for b in self.access.offered if b.id == row.bank.data),
                        _("every bank of the course"))
            raise ValidationError(_("Rule %(n)d draws from %(bank)s, whose keys only its owners and "
                                    "administrators see: keep the rule as it was saved or remove it.",
                                    n=number, bank=bank))

    def used_rules(self) -> list[RuleData]:
        return [row.form.rule() for row in self.rules if row.form.used]

    def fixed_entries(self) -> list[tuple[str, int | None, Decimal | None]]:
        """(token, question id, points) per typed entry: `12` or `12:3` (3 points); bad tokens keep id None."""
        entries = []
        for token in split_tokens(self.fixed.data):
            number, _sep, points = token.partition(":")
            try:
                entries.append((token, int(number), Decimal(points) if points else None))
            except (ValueError, ArithmeticError):
                entries.append((token, None, None))
        return entries


def rule_data(rule) -> dict:
    return {"bank": rule.bank_id, "type": rule.type or "", "topics": list(rule.topic_ids or []),
            "difficulty_min": rule.difficulty_min, "difficulty_max": rule.difficulty_max, "count": rule.count,
            "points_each": rule.points_each}


def fixed_text(exam) -> str:
    return ", ".join(f"{f.question_id}:{_plain(f.points)}" if f.points is not None else str(f.question_id)
                     for f in exam.fixed)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- Candidates ---------------------------------------------------------------------------------

class AudienceForm(FlaskForm):
    stations = MultiCheckboxField(_l("Stations"), coerce=int)
    teams = MultiCheckboxField(_l("Teams"), coerce=int)
    batches = MultiCheckboxField(_l("Training batches"), coerce=int)
    people = TextAreaField(_l("People (staff numbers)"), validators=[Optional(), Length(max=20000)],
                           render_kw={"rows": 3})

    def __init__(self, *args, stations=(), teams=(), batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stations.choices = [SelectChoice(s.id, s.name) for s in stations]
        self.teams.choices = [SelectChoice(t.id, f"{t.station.name} · {t.name}") for t in teams]
        self.batches.choices = [SelectChoice(b.id, f"{b.name} ({b.starts_on.isoformat()})") for b in batches]


# --- The list's filters -------------------------------------------------------------------------

class ExamFilterForm(FlaskForm):
    """Read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="")
    course = SelectField(_l("Course"), default="")

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _("All"))] + [
            SelectChoice(value, str(label)) for value, label in STATUS_LABELS.items()]
        self.course.choices = [SelectChoice("", _("All courses"))] + course_choices(courses)
