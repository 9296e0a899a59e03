"""A person's result for an exam, defined once. Every other domain (dashboards, exports, the API, make-up
eligibility, the candidate's own pages, evaluations) reads results through this module, so one person cannot
show one score on a dashboard and another in an evaluation.

The definition, per (person, exam):
- Only submitted attempts count; an open attempt is no result yet.
- The *counted attempt* is the submitted attempt with the highest fully graded score, the earliest of equal
  scores. Scores are compared in points, not percentages: the pass mark is in points, so the highest score
  passes whenever any attempt passes (two papers of one exam may total differently, and the best percentage
  can be a failed paper).
- With no graded attempt yet, the counted attempt is the latest submitted one and the result is pending.
- The result's score, paper total, percentage and pass/fail are the counted attempt's. A regrade rewrites
  the attempts' scores, so the next read picks the counted attempt again.
- `waiting`: some submitted attempt still waits for a person to grade it, so the result may yet rise.

Which layer owns what:
- This module: one exam at a time. A make-up exam (补考) is an exam of its own here, with its own result.
- Who may sit a make-up exam is decided on the original exam's result (`needing_makeup` and
  `Standing.needs_makeup` in app/exams/audience.py, the latter with `counted_number` over the person's
  attempts): failed, or absent.
- How a course combines the regular exam with its make-up exam is the evaluation scheme's rule
  (app/evaluation/scoring.py `course_result`, make-up rule "cap" or "full"): the one place that merges them.
  Dashboards keep make-up exams apart from regular ones instead of merging them.

Reads, all set-based: `counted_results` is a subquery for SQL aggregates (one row per person and exam),
`results_of` reads the same rows as `Result`s for many people and exams in one query, and `counted_number`
states the rule in Python for a stream of attempts already grouped per person and exam (the exports, which
stream 100,000 rows and must not join a window-function subquery).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Subquery, case, func, literal, select

from app.exams.models import Attempt
from app.exams.states import AttemptState
from app.extensions import db

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent_of(score, max_score) -> Decimal | None:
    """A score as a percentage of the paper, to the cent, half up (None without a score or a paper total)."""
    if score is None or not max_score:
        return None
    return (Decimal(score) * HUNDRED / Decimal(max_score)).quantize(CENT, ROUND_HALF_UP)


def submitted():
    """The WHERE clause keeping submitted attempts (an open attempt is no result yet)."""
    return Attempt.status == AttemptState.SUBMITTED


def counted_results(*, exam_ids=None, user_ids=None) -> Subquery:
    """Subquery, one row per (exam, person) with a submitted attempt: the counted attempt's `attempt_id`,
    `exam_id`, `user_id`, `number`, `score` (NULL: pending), `max_score`, `passed`, `submitted_at`, plus
    `last_at` (the latest submission at that exam) and `waiting` (1 when some submitted attempt is ungraded).
    `exam_ids` / `user_ids` (lists or selects) narrow the attempts read."""
    ungraded = case((Attempt.score.is_(None), 1), else_=0)
    partition = (Attempt.exam_id, Attempt.user_id)
    # Graded before ungraded; the highest score, then the earliest; among ungraded ones the latest.
    order = (ungraded, Attempt.score.desc(), case((Attempt.score.is_(None), -Attempt.number), else_=Attempt.number))
    ranked = select(
        Attempt.id.label("attempt_id"), Attempt.exam_id, Attempt.user_id, Attempt.number, Attempt.score,
        Attempt.max_score, Attempt.passed, Attempt.submitted_at,
        func.max(Attempt.submitted_at).over(partition_by=partition).label("last_at"),
        func.max(ungraded).over(partition_by=partition).label("waiting"),
        func.row_number().over(partition_by=partition, order_by=order).label("rank"),
    ).where(submitted())
    if exam_ids is not None:
        ranked = ranked.where(Attempt.exam_id.in_(exam_ids))
    if user_ids is not None:
        ranked = ranked.where(Attempt.user_id.in_(user_ids))
    ranked = ranked.subquery("ranked")
    columns = [column for column in ranked.c if column.name != "rank"]
    return select(*columns).where(ranked.c.rank == literal(1)).subquery("results")


def counted_number(attempts) -> int | None:
    """The same rule in Python, for a stream that already holds one person's attempts at one exam (the
    exports): of (number, status, score) triples, the number of the counted attempt (None: none submitted).
    tests/exams/test_result_definition.py checks it picks what `counted_results` picks."""
    sent = [(number, score) for number, status, score in attempts if status == AttemptState.SUBMITTED]
    graded = [(number, score) for number, score in sent if score is not None]
    if graded:
        return max(graded, key=lambda pair: (pair[1], -pair[0]))[0]
    return max(number for number, _score in sent) if sent else None


@dataclass(frozen=True)
class Result:
    """One person's result for one exam (see the module docstring)."""

    exam_id: int
    user_id: int
    attempt_id: int  # the counted attempt
    number: int
    score: Decimal | None  # None: pending, no attempt graded yet
    max_score: Decimal
    passed: bool | None
    submitted_at: datetime | None
    last_at: datetime | None
    waiting: bool  # some submitted attempt awaits grading

    @property
    def pending(self) -> bool:
        return self.score is None

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.score, self.max_score)

    @property
    def state(self) -> str:
        """pending · passed · failed."""
        if self.score is None:
            return "pending"
        return "passed" if self.passed else "failed"


def results_of(*, exam_ids=None, user_ids=None) -> dict[tuple[int, int], Result]:
    """{(user id, exam id): Result} for the given people and exams (None: all), in one query."""
    if (exam_ids is not None and not exam_ids) or (user_ids is not None and not user_ids):
        return {}
    sub = counted_results(exam_ids=exam_ids, user_ids=user_ids)
    found = {}
    for row in db.session.execute(select(sub)):
        found[(row.user_id, row.exam_id)] = Result(
            exam_id=row.exam_id, user_id=row.user_id, attempt_id=row.attempt_id, number=row.number, score=row.score,
            max_score=row.max_score, passed=row.passed, submitted_at=row.submitted_at, last_at=row.last_at,
            waiting=bool(row.waiting))
    return found


def result_of(user_id: int, exam_id: int) -> Result | None:
    """One person's result for one exam; None when they have submitted nothing there."""
    return results_of(exam_ids=[exam_id], user_ids=[user_id]).get((user_id, exam_id))


def counted_attempt(user_id: int, exam_id: int) -> Attempt | None:
    """The attempt that counts as the person's result (for pages that show the attempt itself)."""
    result = result_of(user_id, exam_id)
    return None if result is None else db.session.get(Attempt, result.attempt_id)
