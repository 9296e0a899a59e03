"""Grading short answers by hand: totals and pass/fail once the last item is graded, partial points,
validation, audit old → new (service level, hand-checked)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit import actions
from app.core.errors import Conflict, DomainError
from app.core.roles import Role
from app.exams import marking, results_reading
from app.exams.models import Attempt
from app.extensions import db
from tests import factories
from tests.exams.marking_support import ALL_RIGHT, LATER, D, events, item_of, make_small_exam, sit


@pytest.fixture
def setup(users):
    trainer = users[Role.TRAINER]
    other = factories.make_user("c0002", roles=[Role.COLLECTOR], name="李四")
    exam, questions = make_small_exam(trainer, [users[Role.COLLECTOR], other])
    db.session.commit()
    return trainer, exam, users[Role.COLLECTOR], other


def test_score_and_pass_appear_when_the_last_short_answer_is_graded(setup):
    trainer, exam, candidate, _other = setup
    attempt = sit(candidate, exam, ALL_RIGHT)
    assert attempt.score is None and attempt.passed is None  # 8 of 10 graded, the short answer waits
    item = item_of(attempt, "short_answer")
    assert marking.grade_answer(trainer, item, points=D(2), comment="完整", now=LATER, ip="t")
    db.session.commit()
    db.session.refresh(attempt)
    assert (attempt.score, attempt.passed, attempt.graded_at) == (D("10.00"), True, LATER)
    assert (item.score, item.correct, item.graded_by_id, item.comment) == (D("2.00"), True, trainer.id, "完整")


def test_partial_points_can_fail_then_a_regrade_by_hand_passes(setup):
    trainer, exam, _candidate, other = setup
    # single wrong (0) + multiple right (2) + true (2) + one blank of two (1) = 5 before the short answer.
    attempt = sit(other, exam, {"single": 0, "multiple": [0, 2], "true_false": True, "fill_blank": ["三十", "x"],
                                "short_answer": "部分正确"})
    item = item_of(attempt, "short_answer")
    marking.grade_answer(trainer, item, points=D("0.75"), comment="", now=LATER, ip="t")
    db.session.commit()
    db.session.refresh(attempt)
    assert (attempt.score, attempt.passed) == (D("5.75"), False)
    assert item.correct is False
    marking.grade_answer(trainer, item, points=D("1.25"), comment="复核", now=LATER, ip="t")
    db.session.commit()
    db.session.refresh(attempt)
    assert (attempt.score, attempt.passed) == (D("6.25"), True)
    graded = events(actions.ANSWER_GRADED)
    assert [e.details["score"] for e in graded] == [{"old": None, "new": "0.75"}, {"old": "0.75", "new": "1.25"}]
    assert graded[1].details["attempt_score"] == {"old": "5.75", "new": "6.25"}
    assert graded[1].details["passed"] == {"old": False, "new": True}


def test_grading_again_with_the_same_values_changes_nothing(setup):
    trainer, exam, candidate, _other = setup
    item = item_of(sit(candidate, exam, ALL_RIGHT), "short_answer")
    assert marking.grade_answer(trainer, item, points=D(1), comment="a", now=LATER, ip="t")
    assert not marking.grade_answer(trainer, item, points=D("1.00"), comment="a", now=LATER, ip="t")
    assert len(events(actions.ANSWER_GRADED)) == 1


@pytest.mark.parametrize("points", ["2.25", "-0.25", "0.3", "NaN", "Infinity"])
def test_points_outside_the_range_or_step_are_refused_and_name_the_candidate(setup, points):
    trainer, exam, candidate, _other = setup
    attempt = sit(candidate, exam, ALL_RIGHT)
    item = item_of(attempt, "short_answer")
    with pytest.raises(DomainError) as raised:
        marking.grade_answer(trainer, item, points=Decimal(points), comment="", now=LATER, ip="t")
    assert candidate.staff_no in str(raised.value.message)
    db.session.rollback()
    db.session.refresh(item)
    assert item.score is None and item.graded_by_id is None
    assert events(actions.ANSWER_GRADED) == []


def test_an_attempt_in_progress_cannot_be_graded(setup):
    trainer, exam, candidate, _other = setup
    attempt = sit(candidate, exam, ALL_RIGHT, submit=False)
    with pytest.raises(Conflict):
        marking.grade_answer(trainer, item_of(attempt, "short_answer"), points=D(1), comment="", now=LATER, ip="t")


def test_automatically_graded_items_are_not_graded_by_hand(setup):
    trainer, exam, candidate, _other = setup
    attempt = sit(candidate, exam, ALL_RIGHT)
    with pytest.raises(Conflict):
        marking.grade_answer(trainer, item_of(attempt, "single"), points=D(0), comment="", now=LATER, ip="t")


def test_the_queue_counts_pending_graded_and_in_progress_answers(setup, users):
    trainer, exam, candidate, other = setup
    first = sit(candidate, exam, ALL_RIGHT)
    sit(other, exam, ALL_RIGHT, submit=False)
    [entry] = marking.grading_queue(exam)
    assert (entry.pending, entry.graded, entry.in_progress) == (1, 0, 1)
    assert [i.attempt_id for i in marking.answers_to_grade(exam, entry.version)] == [first.id]
    marking.grade_answer(trainer, item_of(first, "short_answer"), points=D(2), comment="", now=LATER, ip="t")
    db.session.commit()
    [entry] = marking.grading_queue(exam)
    assert (entry.pending, entry.graded, entry.in_progress) == (0, 1, 1)


def test_results_summary_counts_people_and_their_best_attempt(setup):
    trainer, exam, candidate, other = setup
    good = sit(candidate, exam, ALL_RIGHT)
    marking.grade_answer(trainer, item_of(good, "short_answer"), points=D(2), comment="", now=LATER, ip="t")
    bad = sit(other, exam, {"single": 0})  # 0 + 0 + 0 + 0 → graded by hand 0
    marking.grade_answer(trainer, item_of(bad, "short_answer"), points=D(0), comment="", now=LATER, ip="t")
    db.session.commit()
    summary = results_reading.results_summary(exam)
    assert (summary.candidates, summary.started, summary.submitted, summary.graded, summary.passed) == (2, 2, 2, 2, 1)
    assert summary.pass_rate == D("50.00") and summary.mean_score == D("5.00")
    assert [a.id for a in db.session.scalars(results_reading.attempts_query(exam, status="failed"))] == [bad.id]
    assert [a.id for a in db.session.scalars(results_reading.attempts_query(exam, status="passed"))] == [good.id]
    assert db.session.scalar(select(Attempt.score).where(Attempt.id == bad.id)) == D(0)
