"""An exam may admit the members of a training batch (examining a batch after its training): the trainer picks
published batches on the candidates page, the members may start, others may not."""

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.exams.audience import NOT_IN_AUDIENCE, audience_users, refusal
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def world(users, org):
    trainer = users[Role.TRAINER]
    member = factories.make_user(station=org.stations[1])
    outsider = factories.make_user(station=org.stations[1])
    batch = factories.make_batch("第一期", status="scheduled", members=[member])
    planning = factories.make_batch("第二期", status="planning", members=[outsider])
    bank = factories.make_exam_bank(trainer).bank
    exam = factories.make_exam(trainer, bank, status="draft")
    db.session.commit()
    return trainer, member, outsider, batch, planning, exam


def test_the_members_of_a_chosen_batch_are_candidates_and_others_are_not(client, login, world):
    trainer, member, outsider, batch, planning, exam = world
    login(trainer)
    page = client.get(f"/exams/{exam.id}/audience").get_data(as_text=True)
    assert "第一期" in page and "第二期" not in page  # batches still in planning are not offered
    response = client.post(f"/exams/{exam.id}/audience", data={"batches": [str(batch.id)]}, follow_redirects=True)
    assert "1 person may sit the exam" in response.get_data(as_text=True)
    db.session.refresh(exam)
    assert [(e.batch_id, e.station_id, e.team_id, e.user_id) for e in exam.audience] == [(batch.id, None, None, None)]
    assert audience_users(exam) == [member]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.EXAM_AUDIENCE_CHANGED)).all()[-1]
    assert event.details["batches"] == [batch.id]

    assert "Training batch: 第一期" in client.get(f"/exams/{exam.id}").get_data(as_text=True)
    client.post(f"/exams/{exam.id}/publish")
    now = utcnow()
    db.session.refresh(exam)
    assert exam.status == "published"
    assert refusal(member, exam, now) is None
    assert refusal(outsider, exam, now) is NOT_IN_AUDIENCE


def test_deleting_a_batch_removes_it_from_the_audience(world):
    trainer, _member, _outsider, batch, _planning, exam = world
    from app.exams.services import set_audience

    set_audience(trainer, exam, station_ids=[], team_ids=[], user_ids=[], batch_ids=[batch.id], now=utcnow(), ip="t")
    db.session.commit()
    db.session.delete(batch)
    db.session.commit()
    db.session.refresh(exam)
    assert exam.audience == []
