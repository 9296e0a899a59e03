"""The evaluation rules as pure functions: a scheme and a person's exam sittings and attendance in, course
results, total, rating and outcome out. No database, no Flask, so every rule is checked against hand-worked
examples (tests/evaluation/test_scoring.py).

The rules, stated once (the scheme page shows them in words):
- Each exam counts with the person's result for it (app/exams/results.py: the attempt with the highest
  graded score). A course counts the best of those results on its regular exams as a percentage of the
  paper. If that passed, the course is passed. Otherwise the best make-up (补考) result counts, under the
  scheme's make-up rule:
  "cap" counts it at most at the make-up exam's pass mark, "full" counts it as scored; the course counts
  the better of the regular and the (ruled) make-up figure. A course with no graded attempt counts 0. While
  an attempt still waits for grading and nothing has passed, the course is pending. This is the one place
  that combines a regular exam with its make-up exam.
- The total is the weighted mean of the counted course figures (plus attendance when the scheme weighs it;
  a person with no training session held is judged on the courses alone).
- Rating by the thresholds on the total: 优秀 / 良好 / 合格 / 不合格.
- A period is failed when the rating is 不合格 or a course is still failed after its make-up exam.
- Outcome, the first that applies: continued-employment review (the period failed and so did the
  `review_periods - 1` periods just before it) → position-change review (a make-up exam failed) → make-up
  exam required (a course failed or not sat) → eligible for awards and merit (total at least the award
  threshold, every course passed at the first sitting, attendance met) → none.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.evaluation.states import AttendanceMode, CourseStatus, MakeupRule, Outcome, Rating

HUNDRED = Decimal(100)
CENT = Decimal("0.01")



def percent(score: Decimal, maximum: Decimal) -> Decimal:
    """A score as a percentage of the paper, to the cent (0 for an empty paper)."""
    if not maximum:
        return Decimal(0)
    return (Decimal(score) * HUNDRED / Decimal(maximum)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Rules:
    """The figures of one scheme version (see EvaluationScheme)."""

    weights: dict[str, Decimal]  # course code → weight (percent points)
    attendance_mode: AttendanceMode = AttendanceMode.MINIMUM
    attendance_weight: Decimal = Decimal(0)
    attendance_minimum: Decimal = Decimal(100)  # percent of sessions attended
    excellent_min: Decimal = Decimal(90)
    good_min: Decimal = Decimal(80)
    pass_min: Decimal = Decimal(60)
    award_min: Decimal = Decimal(90)
    makeup_rule: MakeupRule = MakeupRule.CAP
    review_periods: int = 2


@dataclass(frozen=True)
class Sitting:
    """A person's result for one exam (app/exams/results.py): the counted attempt's percentage (None while
    nothing is graded) and pass/fail, and the exam's pass mark. `waiting`: another attempt awaits grading."""

    percent: Decimal | None
    passed: bool | None
    pass_percent: Decimal
    makeup: bool = False
    attempt_id: int | None = None
    waiting: bool = False


@dataclass(frozen=True)
class CourseResult:
    code: str
    status: CourseStatus
    regular: Decimal | None  # best regular percentage
    makeup: Decimal | None  # best make-up percentage, as scored
    counted: Decimal
    attempt_id: int | None = None  # the attempt the counted figure comes from

    def as_dict(self) -> dict:
        def text(value):
            return None if value is None else str(value)

        return {"status": self.status, "regular": text(self.regular), "makeup": text(self.makeup),
                "counted": str(self.counted), "attempt_id": self.attempt_id}


@dataclass(frozen=True)
class Result:
    courses: dict[str, CourseResult]
    attendance: Decimal | None
    attendance_met: bool
    total: Decimal
    rating: Rating
    failed: bool  # the period counts as failed (for the continued-employment rule)
    outcome: Outcome
    reasons: list[Outcome] = field(default_factory=list)  # outcome codes that applied, first = outcome


def _best(sittings: list[Sitting]) -> Sitting | None:
    graded = [s for s in sittings if s.percent is not None]
    return max(graded, key=lambda s: (s.percent, s.passed is True)) if graded else None


def course_result(code: str, sittings: list[Sitting], makeup_rule: MakeupRule) -> CourseResult:
    regular = _best([s for s in sittings if not s.makeup])
    makeup = _best([s for s in sittings if s.makeup])
    regular_pending = any(s.percent is None or s.waiting for s in sittings if not s.makeup)
    makeup_pending = any(s.percent is None or s.waiting for s in sittings if s.makeup)
    regular_pct = regular.percent if regular else None
    makeup_pct = makeup.percent if makeup else None
    if regular is not None and regular.passed:
        return CourseResult(code, CourseStatus.PASSED, regular_pct, makeup_pct, regular_pct, regular.attempt_id)
    if regular_pending or makeup_pending:
        return CourseResult(code, CourseStatus.PENDING, regular_pct, makeup_pct, regular_pct or Decimal(0))
    if makeup is not None:
        ruled = min(makeup.percent, makeup.pass_percent) if makeup_rule == MakeupRule.CAP else makeup.percent
        use_makeup = regular_pct is None or ruled >= regular_pct
        counted = ruled if use_makeup else regular_pct
        source = makeup.attempt_id if use_makeup else regular.attempt_id
        status = CourseStatus.PASSED_MAKEUP if makeup.passed else CourseStatus.FAILED_MAKEUP
        return CourseResult(code, status, regular_pct, makeup_pct, counted, source)
    if regular is not None:
        return CourseResult(code, CourseStatus.FAILED, regular_pct, None, regular_pct, regular.attempt_id)
    return CourseResult(code, CourseStatus.MISSING, None, None, Decimal(0))


def rating_of(total: Decimal, rules: Rules) -> Rating:
    if total >= rules.excellent_min:
        return Rating.EXCELLENT
    if total >= rules.good_min:
        return Rating.GOOD
    if total >= rules.pass_min:
        return Rating.PASS
    return Rating.FAIL


def evaluate(rules: Rules, sittings: dict[str, list[Sitting]], attendance: Decimal | None,
             failed_before: int) -> Result:
    """`sittings` by course code (every weighted course is evaluated, sat or not); `attendance` in percent
    (None when no session of the person was held); `failed_before` = consecutive failed periods just before
    this one."""
    courses = {code: course_result(code, sittings.get(code, []), rules.makeup_rule) for code in rules.weights}
    weighted = sum((rules.weights[code] * result.counted for code, result in courses.items()), Decimal(0))
    weight = sum(rules.weights.values(), Decimal(0))
    if rules.attendance_mode == AttendanceMode.WEIGHT and attendance is not None and rules.attendance_weight:
        weighted += rules.attendance_weight * attendance
        weight += rules.attendance_weight
    total = (weighted / weight).quantize(CENT, ROUND_HALF_UP) if weight else Decimal(0)
    rating = rating_of(total, rules)
    attendance_met = (rules.attendance_mode != AttendanceMode.MINIMUM or attendance is None
                      or attendance >= rules.attendance_minimum)
    states = {result.status for result in courses.values()}
    failed = rating == Rating.FAIL or CourseStatus.FAILED_MAKEUP in states
    reasons = []
    if CourseStatus.PENDING in states:
        reasons.append(Outcome.PENDING)
    if failed and failed_before >= rules.review_periods - 1:
        reasons.append(Outcome.EMPLOYMENT_REVIEW)
    if CourseStatus.FAILED_MAKEUP in states:
        reasons.append(Outcome.POSITION_REVIEW)
    if states & {CourseStatus.FAILED, CourseStatus.MISSING}:
        reasons.append(Outcome.MAKEUP_REQUIRED)
    if total >= rules.award_min and states == {CourseStatus.PASSED} and attendance_met:
        reasons.append(Outcome.AWARD)
    outcome = reasons[0] if reasons else Outcome.NONE
    return Result(courses, attendance, attendance_met, total, rating, failed, outcome, reasons)
