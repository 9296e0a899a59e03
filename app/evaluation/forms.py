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

RATING_LABELS = {"excellent": _l("Excellent"), "good": _l("Good"), "pass": _l("Satisfactory"), "fail": _l("Unsatisfactory")}
OUTCOME_LABELS = {
    "employment_review": _l("Continued-employment review"),
    "position_review": _l("Position-change review"),
    "makeup_required": _l("Make-up exam required"),
    "award": _l("Eligible for awards and merit"),
    "none": _l("No action"),
    "pending": _l("Waiting for grading"),
}
COURSE_STATE_LABELS = {
    "passed": _l("Passed"),
    "passed_makeup": _l("Passed at make-up"),
    "failed": _l("Failed"),
    "failed_makeup": _l("Failed make-up"),
    "missing": _l("Not sat"),
    "pending": _l("Waiting for grading"),
}
ATTENDANCE_MODE_LABELS = {
    "minimum": _l("A minimum attendance (needed for awards)"),
    "weight": _l("A weight in the total"),
    "none": _l("Does not count"),
}
MAKEUP_RULE_LABELS = {
    "cap": _l("Counted at most at the make-up exam's pass mark"),
    "full": _l("Counted as scored"),
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
                                                  if code != "pending"])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=MAX_REASON)])


class ReopenForm(FlaskForm):
    reason = StringField(_l("Reason for reopening"), validators=[InputRequired(), Length(max=MAX_REASON)])


class ButtonForm(FlaskForm):
    """CSRF only: compute and sign-off buttons."""
