"""An attempt from start to grade: the paper drawn and stored, saves, the deadline, submit, grading."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.core.errors import Conflict
from app.core.roles import Role
from app.exams import attempts as flow
from app.exams.models import Attempt, PaperItem
from app.exams.saving import Change, answer_at_once, apply_changes
from app.extensions import db
from tests import factories

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
GRACE = timedelta(seconds=30)


@pytest.fixture
def setup(users):
    trainer, candidate = users[Role.TRAINER], users[Role.COLLECTOR]
    bank = factories.make_exam_bank(trainer).bank
    exam = factories.make_exam(trainer, bank, audience=[candidate], now=NOW)
    db.session.commit()
    return exam, candidate


def _start(exam, candidate, now=NOW):
    attempt = flow.start_attempt(candidate, exam, now=now, ip="t")
    db.session.commit()
    return attempt


def _answer_everything_right(attempt):
    """Responses (by displayed position) that match each item's key."""
    responses = {}
    for item in attempt.items:
        key, order = item.version.key, item.option_order
        match item.version.type:
            case "single":
                responses[item.position] = order.index(key["correct"][0])
            case "multiple":
                responses[item.position] = sorted(order.index(i) for i in key["correct"])
            case "true_false":
                responses[item.position] = key["truth"]
            case "fill_blank":
                responses[item.position] = [b[0] for b in key["blanks"]]
            case "short_answer":
                responses[item.position] = "我的回答"
    return responses


def test_start_draws_and_stores_a_paper_with_versions_and_orders(setup):
    exam, candidate = setup
    attempt = _start(exam, candidate)
    items = attempt.items
    assert [i.position for i in items] == [1, 2, 3, 4, 5]
    assert len({i.question_id for i in items}) == 5
    assert all(i.version_id and i.points == Decimal(2) for i in items)
    for item in items:
        assert sorted(item.option_order) == list(range(len(item.version.options)))
    assert attempt.max_score == Decimal(10)
    assert attempt.deadline_at == NOW + timedelta(minutes=30)
    assert exam.frozen_at is not None


def test_starting_again_resumes_the_open_attempt(setup):
    exam, candidate = setup
    first = _start(exam, candidate)
    assert _start(exam, candidate, NOW + timedelta(minutes=5)).id == first.id
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_deadline_is_capped_by_the_window_close(setup):
    exam, candidate = setup
    attempt = _start(exam, candidate, exam.closes_at - timedelta(minutes=10))
    assert attempt.deadline_at == exam.closes_at


def test_a_save_after_deadline_and_grace_is_refused(setup):
    exam, candidate = setup
    attempt = _start(exam, candidate)
    in_grace = attempt.deadline_at + GRACE
    tab = "a" * 32
    assert apply_changes(attempt, [Change(1, 1, False, tab, 1)], known=0, now=in_grace,
                         grace=GRACE).all_acknowledged
    late = in_grace + timedelta(seconds=1)
    over = apply_changes(attempt, [Change(1, 0, False, tab, 2, {tab: 1})], known=0, now=late, grace=GRACE)
    assert over.over and over.outcomes == {(tab, 2): "late"}
    db.session.commit()
    item = db.session.scalar(select(PaperItem).where(PaperItem.attempt_id == attempt.id, PaperItem.position == 1))
    assert item.response == 1


def test_submit_grades_and_a_second_submit_changes_nothing(setup):
    exam, candidate = setup
    attempt = _start(exam, candidate)
    answer_at_once(attempt, _answer_everything_right(attempt), window="test", now=NOW, grace=GRACE)
    assert flow.submit(attempt, now=NOW, grace=GRACE, actor=candidate, ip="t")
    assert not flow.submit(attempt, now=NOW, grace=GRACE, actor=candidate, ip="t")
    db.session.commit()
    # Everything but the short answer is graded: the score waits for a person.
    assert attempt.status == "submitted" and attempt.score is None
    graded = {i.version.type: i.score for i in attempt.items}
    assert graded == {"single": 2, "multiple": 2, "true_false": 2, "fill_blank": 2, "short_answer": None}
    submitted = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "attempt.submitted"))
    assert submitted == 1


def test_overdue_attempts_are_closed_with_their_saved_answers(setup):
    exam, candidate = setup
    attempt = _start(exam, candidate)
    answer_at_once(attempt, _answer_everything_right(attempt), window="test", now=NOW, grace=GRACE)
    db.session.commit()
    assert flow.close_overdue(now=attempt.deadline_at, grace=GRACE, ip="t") == 0
    assert flow.close_overdue(now=attempt.deadline_at + GRACE + timedelta(seconds=1), grace=GRACE, ip="t") == 1
    db.session.commit()
    assert (attempt.status, attempt.submitted_how) == ("submitted", "deadline")
    assert sum(i.score or 0 for i in attempt.items) == Decimal(8)


def test_a_candidate_outside_the_audience_cannot_start(setup, users):
    exam, _candidate = setup
    outsider = factories.make_user(roles=[Role.COLLECTOR])
    with pytest.raises(Conflict):
        flow.start_attempt(outsider, exam, now=NOW, ip="t")


def test_extra_time_moves_an_open_attempts_deadline(setup, users):
    exam, candidate = setup
    attempt = _start(exam, candidate)
    flow.grant_extra_time(users[Role.TRAINER], exam, candidate, minutes=10, reason="视力障碍",
                          now=NOW + timedelta(minutes=20), ip="t", grace=GRACE)
    db.session.commit()
    assert attempt.deadline_at == NOW + timedelta(minutes=40)
