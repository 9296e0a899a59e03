"""Forms of the evaluation pages: the scheme, an override, reopening, and CSRF-only buttons; the labels of
ratings, outcomes and course states shown on them."""

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from app.core.i18n import lazy_gettext as _l
from app.courses.naming import course_name
from app.evaluation.review import MAX_REASON
from app.evaluation.schemes import MAX_NOTE
from app.evaluation.states import AttendanceMode, CourseStatus, MakeupRule, Outcome, Rating

RATING_LABELS = {Rating.EXCELLENT: _l("Excellent"), Rating.GOOD: _l("Good"), Rating.PASS: _l("Satisfactory"),
                 Rating.FAIL: _l("Unsatisfactory")}
OUTCOME_LABELS = {
    Outcome.EMPLOYMENT_REVIEW: _l("Continued-employment review"),
    Outcome.POSITION_REVIEW: _l("Position-change review"),
    Outcome.MAKEUP_REQUIRED: _l("Make-up exam required"),
    Outcome.AWARD: _l("Eligible for awards and merit"),
    Outcome.NONE: _l("No action"),
    Outcome.PENDING: _l("Waiting for grading"),
}
COURSE_STATE_LABELS = {
    CourseStatus.PASSED: _l("Passed"),
    CourseStatus.PASSED_MAKEUP: _l("Passed at make-up"),
    CourseStatus.FAILED: _l("Failed"),
    CourseStatus.FAILED_MAKEUP: _l("Failed make-up"),
    CourseStatus.MISSING: _l("Not sat"),
    CourseStatus.PENDING: _l("Waiting for grading"),
}
ATTENDANCE_MODE_LABELS = {
    AttendanceMode.MINIMUM: _l("A minimum attendance (needed for awards)"),
    AttendanceMode.WEIGHT: _l("A weight in the total"),
    AttendanceMode.NONE: _l("Does not count"),
}
MAKEUP_RULE_LABELS = {
    MakeupRule.CAP: _l("Counted at most at the make-up exam's pass mark"),
    MakeupRule.FULL: _l("Counted as scored"),
}
PERCENT = [InputRequired(), NumberRange(min=0, max=100)]


class SchemeForm(FlaskForm):
    attendance_mode = SelectField(_l("Attendance counts as"), choices=[SelectChoice(k, v) for k, v in ATTENDANCE_MODE_LABELS.items()])
    attendance_weight = DecimalField(_l("Attendance weight"), places=2, validators=PERCENT)
    attendance_minimum = DecimalField(_l("Minimum attendance, per cent"), places=2, validators=PERCENT)
    excellent_min = DecimalField(_l("Excellent from"), places=2, validators=PERCENT)
    good_min = DecimalField(_l("Good from"), places=2, validators=PERCENT)
    pass_min = DecimalField(_l("Satisfactory from"), places=2, validators=PERCENT)
    award_min = DecimalField(_l("Awards and merit from a total of"), places=2, validators=PERCENT)
    makeup_rule = SelectField(_l("Make-up exam scores"), choices=[SelectChoice(k, v) for k, v in MAKEUP_RULE_LABELS.items()])
    review_periods = IntegerField(_l("Continued-employment review after this many failed periods in a row"),
                                  validators=[InputRequired(), NumberRange(min=1, max=10)])
    note = StringField(_l("Note (why this version)"), validators=[Length(max=MAX_NOTE)])


def weight_field_name(code: str) -> str:
    return f"weight_{code}"


def scheme_form_class(courses):
    """SchemeForm with one weight field per course (the courses are data, so the class is built per
    request)."""
    fields = {weight_field_name(course.code): DecimalField(
        _l("Weight of %(course)s", course=course_name(course)), places=2, validators=PERCENT) for course in courses}
    return type("CourseSchemeForm", (SchemeForm,), fields)


class OverrideForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[SelectChoice(code, label) for code, label in OUTCOME_LABELS.items()
                                                  if code != Outcome.PENDING])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=MAX_REASON)])


class ReopenForm(FlaskForm):
    reason = StringField(_l("Reason for reopening"), validators=[InputRequired(), Length(max=MAX_REASON)])


class ButtonForm(FlaskForm):
    """CSRF only: compute and sign-off buttons."""
