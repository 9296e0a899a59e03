"""The words of an evaluation: a rating, an outcome, a course's result, and the scheme's two choices.

StrEnums (app/core/states.py): the database stores the values, a CHECK constraint (`one_of`) refuses any other,
and code and templates name the member. Pure (no Flask, no database), like the scoring that uses them.
"""

from enum import StrEnum


class Rating(StrEnum):
    """优秀 / 良好 / 合格 / 不合格, by the scheme's thresholds on the total."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"  # nosec B105  # the rating 合格, not a password
    FAIL = "fail"


class Outcome(StrEnum):
    """What follows from a period, the first that applies (PENDING while an attempt waits for grading)."""

    EMPLOYMENT_REVIEW = "employment_review"
    POSITION_REVIEW = "position_review"
    MAKEUP_REQUIRED = "makeup_required"
    AWARD = "award"
    NONE = "none"
    PENDING = "pending"


class CourseStatus(StrEnum):
    """One course's result within a period (stored in the evaluation's JSON, not a column of its own)."""

    PASSED = "passed"
    PASSED_MAKEUP = "passed_makeup"
    FAILED = "failed"
    FAILED_MAKEUP = "failed_makeup"
    MISSING = "missing"
    PENDING = "pending"


class MakeupRule(StrEnum):
    """How a make-up result counts: at most at the make-up exam's pass mark, or as scored."""

    CAP = "cap"
    FULL = "full"


class AttendanceMode(StrEnum):
    """How attendance counts: not at all, as a minimum (needed for awards), or as a weight in the total."""

    NONE = "none"
    MINIMUM = "minimum"
    WEIGHT = "weight"
