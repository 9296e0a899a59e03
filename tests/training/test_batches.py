"""Batch services: names and dates, and the life of a batch (publish, unpublish, start, finish, delete)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.audit.models import AuditEvent
from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.training import batches
from app.training.models import Attendance, Batch, Seat
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

MONDAY = date(2030, 3, 4)
NOW = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)


def local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


@pytest.fixture
def hr(users):
    return users[Role.HR]


@pytest.fixture
def ready(app, users):
    """A planning batch over three days with one member and a session on its second day."""
    person = users[Role.COLLECTOR]
    batch = factories.make_batch("第一期", starts_on=MONDAY, days=3, members=[person])
    session = factories.make_session(batch, "law", users[Role.TRAINER], day=MONDAY + timedelta(days=1))
    return batch, session, person


def audited(action: str) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_create_batch_is_audited_and_strips_the_name(hr):
    batch = batches.create_batch(hr, name="  2030年 第1期 ", starts_on=MONDAY, ends_on=MONDAY, capacity=30,
                                 plan=None, now=NOW, ip="test")
    assert batch.name == "2030年 第1期" and batch.status == "planning" and batch.created_by_id == hr.id
    assert audited("training.batch_created") == 1


def test_a_duplicate_name_is_refused_clearly(hr):
    batches.create_batch(hr, name="第一期", starts_on=MONDAY, ends_on=MONDAY, capacity=None, now=NOW, ip="t")
    with pytest.raises(DomainError, match="A batch named 第一期 already exists") as refused:
        batches.create_batch(hr, name="第一期", starts_on=MONDAY, ends_on=MONDAY, capacity=None, now=NOW, ip="t")
    assert refused.value.field == "name"


def test_last_day_before_first_day_is_refused(hr):
    with pytest.raises(DomainError, match="before the first day"):
        batches.create_batch(hr, name="x", starts_on=MONDAY, ends_on=MONDAY - timedelta(days=1), capacity=None,
                             now=NOW, ip="t")


def test_new_dates_that_leave_a_session_outside_are_refused_naming_it(hr, ready):
    batch, _session, _person = ready
    with pytest.raises(DomainError) as refused:
        batches.update_batch(hr, batch, name=batch.name, starts_on=MONDAY + timedelta(days=2),
                             ends_on=MONDAY + timedelta(days=4), capacity=None, now=NOW, ip="t")
    assert "Laws and regulations" in str(refused.value.message) and "2030-03-05" in str(refused.value.message)


def test_update_batch_reports_no_change(hr, ready):
    batch, _session, _person = ready
    assert not batches.update_batch(hr, batch, name=batch.name, starts_on=batch.starts_on, ends_on=batch.ends_on,
                                    capacity=batch.capacity, now=NOW, ip="t")
    assert batches.update_batch(hr, batch, name="改名", starts_on=batch.starts_on, ends_on=batch.ends_on,
                                capacity=12, now=NOW, ip="t")
    assert audited("training.batch_updated") == 1


def test_publish_needs_a_session(hr, users):
    batch = factories.make_batch("空期", starts_on=MONDAY, members=[users[Role.COLLECTOR]])
    with pytest.raises(DomainError, match="has no sessions"):
        batches.change_status(hr, batch, "publish", NOW, "t")


def test_publish_needs_members(hr, users):
    batch = factories.make_batch("空期", starts_on=MONDAY)
    factories.make_session(batch, "law", users[Role.TRAINER])
    with pytest.raises(DomainError, match="nobody allocated"):
        batches.change_status(hr, batch, "publish", NOW, "t")


def test_publish_fills_seats_and_records_when(hr, ready):
    batch, session, person = ready
    batches.change_status(hr, batch, "publish", NOW, "t")
    assert batch.status == "scheduled" and batch.published_at == NOW
    assert [seat.user_id for seat in session.seats] == [person.id]
    assert audited("training.batch_status_changed") == 1


def test_a_refused_seating_leaves_the_batch_in_planning(hr, ready):
    batch, session, _person = ready
    session.capacity = 1
    batch.members.append(_member(factories.make_user()))
    db.session.flush()
    with pytest.raises(DomainError, match="has 2 people but 1 seats"):
        batches.change_status(hr, batch, "publish", NOW, "t")
    assert batch.status == "planning"


def _member(user):
    from app.training.models import BatchMember

    return BatchMember(user_id=user.id, added_at=NOW)


def test_unpublish_clears_seats(hr, ready):
    batch, session, _person = ready
    batches.change_status(hr, batch, "publish", NOW, "t")
    batches.change_status(hr, batch, "unpublish", NOW, "t")
    assert batch.status == "planning" and batch.published_at is None
    assert session.seats == [] and db.session.scalar(db.select(db.func.count()).select_from(Seat)) == 0


def test_unpublish_is_refused_once_attendance_exists(hr, ready):
    batch, session, person = ready
    batches.change_status(hr, batch, "publish", NOW, "t")
    db.session.add(Attendance(session_id=session.id, user_id=person.id, status="present", recorded_at=NOW))
    db.session.flush()
    with pytest.raises(DomainError, match="Attendance was already taken in batch 第一期"):
        batches.change_status(hr, batch, "unpublish", NOW, "t")


def test_start_is_refused_before_the_first_local_day(hr, ready):
    batch, _session, _person = ready
    batches.change_status(hr, batch, "publish", NOW, "t")
    # 2030-03-03 20:00 UTC is already 2030-03-04 04:00 in Shanghai: the batch may start.
    with pytest.raises(DomainError, match="starts on 2030-03-04"):
        batches.change_status(hr, batch, "start", datetime(2030, 3, 3, 15, 0, tzinfo=UTC), "t")
    batches.change_status(hr, batch, "start", datetime(2030, 3, 3, 20, 0, tzinfo=UTC), "t")
    assert batch.status == "running"


def test_finish_is_refused_before_the_last_session_day(hr, ready):
    batch, _session, _person = ready
    batches.change_status(hr, batch, "publish", NOW, "t")
    batches.change_status(hr, batch, "start", local_noon(MONDAY), "t")
    with pytest.raises(DomainError, match="last session of batch 第一期 is on 2030-03-05"):
        batches.change_status(hr, batch, "finish", local_noon(MONDAY), "t")
    batches.change_status(hr, batch, "finish", local_noon(MONDAY + timedelta(days=1)), "t")
    assert batch.status == "finished"
    assert batches.allowed_actions(batch) == []


@pytest.mark.parametrize("action", ["unpublish", "start", "finish"])
def test_actions_from_the_wrong_state_are_refused(hr, ready, action):
    batch, _session, _person = ready
    with pytest.raises(DomainError, match="is not possible: batch 第一期 is Planning"):
        batches.change_status(hr, batch, action, local_noon(MONDAY), "t")


def test_an_unknown_action_is_refused(hr, ready):
    with pytest.raises(DomainError, match="Unknown action"):
        batches.change_status(hr, ready[0], "explode", NOW, "t")


def test_only_a_planning_batch_can_be_deleted(hr, ready):
    batch, _session, _person = ready
    batches.change_status(hr, batch, "publish", NOW, "t")
    with pytest.raises(DomainError, match="Only a batch in planning can be deleted"):
        batches.delete_batch(hr, batch, NOW, "t")
    batches.change_status(hr, batch, "unpublish", NOW, "t")
    batches.delete_batch(hr, batch, NOW, "t")
    assert db.session.scalar(db.select(Batch).where(Batch.name == "第一期")) is None
    assert audited("training.batch_deleted") == 1


def test_a_batch_with_attendance_cannot_be_deleted(hr, ready):
    batch, session, person = ready
    db.session.add(Attendance(session_id=session.id, user_id=person.id, status="absent", recorded_at=NOW))
    db.session.flush()
    with pytest.raises(DomainError, match="has attendance records"):
        batches.delete_batch(hr, batch, NOW, "t")
