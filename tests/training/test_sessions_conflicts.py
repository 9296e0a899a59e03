"""Scheduling conflicts: lecturers and rooms are never in two places at once, sessions stay inside their batch."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.errors import DomainError
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.training import sessions
from app.training.models import Attendance, Seat
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)
MONDAY = date(2030, 3, 4)


@pytest.fixture
def setup(app, users):
    ensure_courses()
    hr = users[Role.HR]
    trainer = users[Role.TRAINER]
    other_trainer = factories.make_user("trainer02", roles=[Role.TRAINER], name="李老师")
    first = factories.make_batch("第一期", starts_on=MONDAY, days=3)
    second = factories.make_batch("第二期", starts_on=MONDAY, days=3)
    return hr, trainer, other_trainer, first, second


def add(actor, batch, lecturer, *, course="law", day=MONDAY, slot="am", room="一号教室", capacity=30):
    return sessions.add_session(actor, batch, course=find_course(course), day=day, slot=slot, room=room,
                                capacity=capacity, lecturer=lecturer, now=NOW, ip="test")


def test_lecturer_double_booking_is_refused_naming_the_other_session(setup):
    hr, trainer, _other, first, second = setup
    add(hr, first, trainer, room="一号教室")
    with pytest.raises(DomainError) as refused:
        add(hr, second, trainer, course="integrity", room="二号教室")
    message = str(refused.value.message)
    assert "already lectures" in message
    assert "第一期" in message and "Laws and regulations" in message and "2030-03-04" in message
    assert "morning" in message
    assert refused.value.field == "lecturer"


def test_room_double_booking_is_refused_ignoring_case_and_spaces(setup):
    hr, trainer, other, first, second = setup
    add(hr, first, trainer, room="Room A")
    with pytest.raises(DomainError) as refused:
        add(hr, second, other, course="integrity", room="  room a ")
    assert "Room A is already used" in str(refused.value.message)
    assert "第一期" in str(refused.value.message)
    assert refused.value.field == "room"


def test_adjacent_morning_and_afternoon_are_allowed(setup):
    hr, trainer, _other, first, second = setup
    add(hr, first, trainer, slot="am")
    afternoon = add(hr, second, trainer, slot="pm", course="integrity")
    assert afternoon.id is not None


def test_full_day_clashes_with_a_morning(setup):
    hr, trainer, other, first, second = setup
    add(hr, first, trainer, slot="am", room="一号教室")
    with pytest.raises(DomainError, match="already lectures"):
        add(hr, second, trainer, slot="full", course="integrity", room="二号教室")
    with pytest.raises(DomainError, match="already used"):
        add(hr, second, other, slot="full", course="integrity", room="一号教室")


def test_same_room_on_another_day_is_allowed(setup):
    hr, trainer, _other, first, _second = setup
    add(hr, first, trainer)
    assert add(hr, first, trainer, day=MONDAY + timedelta(days=1)).id


def test_session_outside_the_batch_dates_is_refused(setup):
    hr, trainer, _other, first, _second = setup
    with pytest.raises(DomainError, match="outside batch 第一期") as refused:
        add(hr, first, trainer, day=MONDAY + timedelta(days=3))
    assert refused.value.field == "day"


def test_lecturer_must_hold_the_trainer_role(setup, users):
    hr, _trainer, _other, first, _second = setup
    with pytest.raises(DomainError, match="not an active trainer"):
        add(hr, first, users[Role.COLLECTOR])


def test_finished_batch_takes_no_new_sessions(setup):
    hr, trainer, _other, first, _second = setup
    first.status = "finished"
    with pytest.raises(DomainError, match="finished"):
        add(hr, first, trainer)


def test_editing_a_session_does_not_clash_with_itself(setup):
    hr, trainer, _other, first, _second = setup
    session = add(hr, first, trainer)
    changed = sessions.update_session(hr, session, course=session.course, day=session.day, slot="full",
                                      room="一号教室 ", capacity=20, lecturer=trainer, now=NOW, ip="test")
    assert changed and session.slot == "full" and session.capacity == 20


def test_a_change_in_a_published_batch_that_leaves_someone_without_a_seat_is_refused(setup, users):
    hr, trainer, other, first, second = setup
    person = users[Role.COLLECTOR]
    busy = add(hr, first, trainer)
    busy.seats.append(Seat(user_id=person.id))
    first.status = "scheduled"
    second.members.append(_member(person))
    second.status = "scheduled"
    db.session.flush()
    with pytest.raises(DomainError, match="two sessions at once"):
        add(hr, second, other, course="integrity", room="二号教室")


def _member(user):
    from app.training.models import BatchMember

    return BatchMember(user_id=user.id, added_at=NOW)


def test_deleting_a_session_with_attendance_is_refused(setup, users):
    hr, trainer, _other, first, _second = setup
    session = add(hr, first, trainer)
    db.session.add(Attendance(session_id=session.id, user_id=users[Role.COLLECTOR].id, status="present",
                              recorded_at=NOW))
    db.session.flush()
    with pytest.raises(DomainError, match="Attendance was already taken"):
        sessions.delete_session(hr, session, NOW, "test")


def test_deleting_a_session_is_audited(setup):
    from app.audit.models import AuditEvent

    hr, trainer, _other, first, _second = setup
    session = add(hr, first, trainer)
    sessions.delete_session(hr, session, NOW, "test")
    assert first.sessions == []
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"training.session_created", "training.session_deleted"} <= actions
