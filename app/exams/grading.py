"""Scoring papers: automatic types through the question registry, short answers by hand, regrades.

An item is graded against the version the candidate saw, scaled to the points the exam gives it (a
rule may give every question 2 points whatever the bank says). A `Regrade` of the exam on that version
wins: "void" gives everyone full points, "rekey" grades with a corrected version's key. An attempt's
score exists only when every item has one; pass/fail compares it with the exam's pass mark.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.banks.registry import Grade, kind_of, money
from app.exams.models import Attempt, PaperItem, Regrade
from app.exams.policies import multiple_policy
from app.exams.states import RegradeAction
from app.extensions import db


class _AsGraded:
    """The version a candidate saw, with the exam's points and, after a rekey, the corrected key."""

    def __init__(self, version, points: Decimal, key: dict | None = None):
        self._version = version
        self.points = points
        self.key = key if key is not None else version.key

    def __getattr__(self, name):
        return getattr(self._version, name)


def as_graded(item: PaperItem, regrade: Regrade | None = None) -> _AsGraded:
    """The item's version as grading, reviews and the wrong-answer book treat it: the points the exam gives
    the item and, after a rekey regrade, the corrected key."""
    key = regrade.key_version.key if regrade is not None and regrade.action == RegradeAction.REKEY else None
    return _AsGraded(item.version, money(Decimal(item.points)), key)


def regrades_of(exam_id: int) -> dict[int, Regrade]:
    """The exam's regrades by the question version they apply to."""
    return {r.version_id: r for r in db.session.scalars(select(Regrade).where(Regrade.exam_id == exam_id))}


@dataclass(frozen=True)
class ItemGrade:
    score: Decimal | None  # None: waits for a person
    correct: bool | None


def grade_item(item: PaperItem, policy, regrade: Regrade | None = None) -> ItemGrade:
    """The automatic grade of one item; short answers keep a hand-given score (None if none yet)."""
    points = money(Decimal(item.points))
    if regrade is not None and regrade.action == RegradeAction.VOID:
        return ItemGrade(points, True)
    kind = kind_of(item.version.type)
    if not kind.auto_graded:
        if item.graded_by_id is not None and item.score is not None:
            return ItemGrade(item.score, item.score >= points)
        return ItemGrade(None, None)
    grade: Grade = kind.grade(as_graded(item, regrade), item.response, item.option_order or None, policy)
    return ItemGrade(grade.score, grade.correct)


def update_totals(attempt: Attempt, items: list[PaperItem], *, now: datetime) -> None:
    """Score, pass/fail and graded time from the items; all None while any item waits for a person."""
    attempt.max_score = money(sum((Decimal(item.points) for item in items), start=Decimal(0)))
    if any(item.score is None for item in items):
        attempt.score = attempt.passed = attempt.graded_at = None
    else:
        attempt.score = money(sum((Decimal(item.score) for item in items), start=Decimal(0)))
        attempt.passed = attempt.score >= attempt.exam.pass_mark
        attempt.graded_at = now
    db.session.flush()


def attempt_items(attempt: Attempt) -> list[PaperItem]:
    """The attempt's items as stored now (fresh from the database, not the session's memory)."""
    return list(db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)
                                   .order_by(PaperItem.position).execution_options(populate_existing=True)))


def grade_attempt(attempt: Attempt, *, now: datetime) -> None:
    """Grade every item automatically where its type allows; short answers wait for the queue."""
    policy = multiple_policy(attempt.exam)
    regrades = regrades_of(attempt.exam_id)
    items = attempt_items(attempt)
    for item in items:
        result = grade_item(item, policy, regrades.get(item.version_id))
        if result.score is not None and item.graded_by_id is None:
            item.graded_at = now
        item.score, item.correct = result.score, result.correct
    update_totals(attempt, items, now=now)
