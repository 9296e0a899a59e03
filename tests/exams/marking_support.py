"""A small, hand-checkable exam for the marking, results and regrade tests.

One question of each type in the bank (so every paper carries the same five), each worth 2 points on the
paper; pass mark 6 of 10. Keys (tests.factories.exam_drafts, n = 0): single → option 1 (乙); multiple →
options 0 and 2 (一, 三); true/false → true; fill in the blanks → ["30" or "三十", "abc"]; short answer.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.banks.services import draft_of, revise_question
from app.exams import attempts as flow
from app.exams.models import Attempt, PaperItem
from app.exams.saving import answer_at_once
from app.extensions import db
from tests import factories

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
GRACE = timedelta(seconds=30)
LATER = NOW + timedelta(minutes=10)


def make_small_exam(trainer, candidates, now=NOW, **settings):
    made = factories.make_exam_bank(trainer, per_type=1)
    exam = factories.make_exam(trainer, made.bank, audience=list(candidates), now=now, **settings)
    db.session.flush()
    return exam, {q.current.type: q for q in made.questions}


def item_of(attempt: Attempt, question_type: str) -> PaperItem:
    return next(item for item in attempt.items if item.version.type == question_type)


def displayed(item: PaperItem, original_indexes) -> list[int]:
    """Displayed positions for original option indexes (through the candidate's stored order)."""
    return sorted(item.option_order.index(i) for i in original_indexes)


def sit(candidate, exam, answers: dict, *, submit: bool = True, now=NOW) -> Attempt:
    """Start, save `answers` (by type: single/multiple as original indexes, others as given), submit."""
    attempt = flow.start_attempt(candidate, exam, now=now, ip="t")
    responses = {}
    for item in attempt.items:
        if item.version.type not in answers:
            continue
        value = answers[item.version.type]
        if item.version.type == "single":
            value = displayed(item, [value])[0]
        elif item.version.type == "multiple":
            value = displayed(item, value)
        responses[item.position] = value
    assert answer_at_once(attempt, responses, window="test", now=now, grace=GRACE).all_acknowledged
    if submit:
        assert flow.submit(attempt, now=now + timedelta(minutes=1), grace=GRACE, actor=candidate, ip="t")
    db.session.commit()
    return attempt


ALL_RIGHT = {"single": 1, "multiple": [0, 2], "true_false": True, "fill_blank": ["30", "abc"],
             "short_answer": "先收费后放行"}


def revise(trainer, question, **changes):
    """A new version of the question in the bank with `changes` (e.g. correct={2})."""
    version = revise_question(trainer, question, replace(draft_of(question.current), **changes), now=NOW, ip="t")
    db.session.commit()
    return version


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def scores(attempt: Attempt) -> dict:
    db.session.refresh(attempt)
    return {item.version.type: item.score for item in
            db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)
                               .execution_options(populate_existing=True))}


def D(text) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(str(text))
