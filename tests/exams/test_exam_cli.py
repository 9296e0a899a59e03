"""`flask exams close-overdue`: closes attempts past deadline + grace with their saved answers; safe to repeat."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.exams import attempts as flow
from app.exams.models import Attempt
from app.exams.saving import answer_at_once
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def attempts(users, org):
    """One attempt two hours old (30 minutes long: overdue, with a saved answer) and one started now."""
    trainer = users[Role.TRAINER]
    late, on_time = users[Role.COLLECTOR], factories.make_user(station=org.stations[0])
    bank = factories.make_exam_bank(trainer).bank
    started = utcnow() - timedelta(hours=2)
    exam = factories.make_exam(trainer, bank, audience=[late, on_time], now=started)
    overdue = flow.start_attempt(late, exam, now=started, ip="t")
    tf = next(item for item in overdue.items if item.version.type == "true_false")
    answer_at_once(overdue, {tf.position: tf.version.key["truth"]}, window="test", now=started + timedelta(minutes=3),
                   grace=timedelta(seconds=30))
    running = flow.start_attempt(on_time, exam, now=utcnow(), ip="t")
    db.session.commit()
    return overdue, running


def test_close_overdue_closes_and_grades_only_overdue_attempts(runner, attempts):
    overdue, running = attempts
    result = runner.invoke(args=["exams", "close-overdue"])
    assert result.exit_code == 0, result.output
    assert "Closed 1 overdue attempt(s)." in result.output
    db.session.expire_all()
    closed = db.session.get(Attempt, overdue.id)
    assert closed.status == "submitted" and closed.submitted_how == "sweep"
    tf = next(item for item in closed.items if item.version.type == "true_false")
    assert tf.response == tf.version.key["truth"] and tf.score == 2  # the saved answer was kept and graded
    assert db.session.get(Attempt, running.id).status == "in_progress"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.ATTEMPT_AUTO_SUBMITTED)).all()
    assert len(events) == 1


def test_close_overdue_twice_closes_nothing_more(runner, attempts):
    assert runner.invoke(args=["exams", "close-overdue"]).exit_code == 0
    again = runner.invoke(args=["exams", "close-overdue"])
    assert again.exit_code == 0 and "Closed 0 overdue attempt(s)." in again.output
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.ATTEMPT_AUTO_SUBMITTED)).all()
    assert len(events) == 1


def test_close_overdue_with_nothing_open_exits_zero(runner, app):
    result = runner.invoke(args=["exams", "close-overdue"])
    assert result.exit_code == 0 and "Closed 0 overdue attempt(s)." in result.output
