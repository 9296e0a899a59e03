"""Attendance only in time: the roll call's window (ATTENDANCE_OPENS_MINUTES before the start to
ATTENDANCE_GRACE_MINUTES after the end), late rolls with a reason (the lecturer for ATTENDANCE_LATE_DAYS, the
training office at any time, audited), and the sessions that wait for their roll — among them one added to a
published batch after it had taken place, whose unrecorded seats bar nobody.

Every time is a fixed wall-clock time on 2026-03-02 (Asia/Shanghai): the morning slot runs 08:30–12:00, so
its window is 08:00–13:00 with the defaults.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError, Forbidden
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.training import attendance, eligibility, sessions
from app.training.models import Attendance
from app.training.roll_window import Window, window_of
from tests import factories
from tests.training.test_checkin import local

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)
SECOND = timedelta(seconds=1)


@pytest.fixture
def morning(users):
    """A running batch on DAY with the law session in the morning, seating the collector and c1002."""
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    mate = factories.make_user("c1002", name="乙")
    batch = factories.make_batch(starts_on=DAY, status="running", members=[collector, mate])
    session = factories.make_session(batch, "law", trainer, seats=[collector, mate])
    return session, collector, mate


def roll(actor, session, person, status="present", *, at, reason=""):
    return attendance.record_roll(actor, session, {person.id: (status, "")}, now=at, ip="1.2.3.4", reason=reason)


def test_the_window_runs_from_half_an_hour_before_the_start_to_an_hour_after_the_end(morning):
    session, _collector, _mate = morning
    window = window_of(session)
    assert (window.opens, window.closes) == (local(DAY, "08:00"), local(DAY, "13:00"))
    assert window.text() == "2026-03-02 08:00–13:00"
    assert [window.phase(local(DAY, t) - d) for t, d in (("08:00", SECOND), ("08:00", 0 * SECOND),
                                                         ("13:00", SECOND), ("13:00", 0 * SECOND))] == [
        "early", "open", "open", "closed"]


def test_a_window_past_midnight_names_both_days(app):
    window = Window(local(DAY, "17:00"), local(DAY + timedelta(days=1), "01:30"))
    assert window.text() == "2026-03-02 17:00 – 2026-03-03 01:30"


def test_a_roll_call_eight_days_ahead_is_refused_naming_the_window(morning, users):
    session, collector, _mate = morning
    with pytest.raises(DomainError) as refused:
        roll(users[Role.TRAINER], session, collector, at=local(DAY - timedelta(days=8), "09:00"))
    assert str(refused.value.message) == ("The roll call of this session is open 2026-03-02 08:00–13:00; it has "
                                          "not opened yet.")
    assert db.session.scalars(select(Attendance)).all() == []


def test_the_roll_call_opens_at_the_start_of_the_window_and_not_a_second_earlier(morning, users):
    session, collector, _mate = morning
    hr = users[Role.HR]  # the training office is held to the window too
    with pytest.raises(DomainError, match="08:00–13:00; it has not opened yet"):
        roll(hr, session, collector, at=local(DAY, "08:00") - SECOND)
    assert roll(hr, session, collector, at=local(DAY, "08:00"))[0]["new"] == "present"


def test_inside_the_grace_the_roll_is_an_ordinary_one(morning, users):
    session, collector, _mate = morning
    roll(users[Role.TRAINER], session, collector, "absent", at=local(DAY, "13:00") - SECOND)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("training.attendance%"))).one()
    assert event.action == actions.ATTENDANCE_RECORDED and "reason" not in event.details


def test_after_the_grace_a_roll_needs_a_reason(morning, users):
    session, collector, _mate = morning
    with pytest.raises(DomainError) as refused:
        roll(users[Role.TRAINER], session, collector, at=local(DAY, "13:00"), reason=" 补 ")
    assert refused.value.field == "reason"
    assert str(refused.value.message) == ("The roll call of this session was open 2026-03-02 08:00–13:00. To record "
                                          "it late, give the reason (at least 5 characters).")
    with pytest.raises(DomainError, match="500"):
        roll(users[Role.TRAINER], session, collector, at=local(DAY, "13:00"), reason="长" * 501)
    assert db.session.scalars(select(Attendance)).all() == []


def test_a_late_roll_is_saved_and_audited_with_its_reason_and_the_window_it_missed(morning, users):
    session, collector, mate = morning
    trainer = users[Role.TRAINER]
    later = local(DAY + timedelta(days=1), "10:00")
    changes = attendance.record_roll(trainer, session, {collector.id: ("present", ""), mate.id: ("absent", "")},
                                     now=later, ip="1.2.3.4", reason="  纸质签到表 补录  ")
    assert [(c["staff_no"], c["new"]) for c in changes] == [("c0001", "present"), ("c1002", "absent")]
    assert {row.recorded_at for row in db.session.scalars(select(Attendance))} == {later}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.ATTENDANCE_RECORDED_LATE)).one()
    assert event.actor_id == trainer.id and event.ip == "1.2.3.4"
    assert event.details["reason"] == "纸质签到表 补录"
    assert event.details["changes"] == changes
    assert event.details["window"] == {"opens": local(DAY, "08:00").isoformat(),
                                       "closes": local(DAY, "13:00").isoformat()}


def test_the_lecturer_may_record_late_for_seven_days_the_training_office_at_any_time(morning, users):
    session, collector, mate = morning
    deadline = local(DAY, "12:00") + timedelta(days=7)
    roll(users[Role.TRAINER], session, collector, at=deadline, reason="补录点名记录")
    with pytest.raises(Forbidden) as refused:
        roll(users[Role.TRAINER], session, mate, at=deadline + SECOND, reason="补录点名记录")
    assert str(refused.value.message) == ("The lecturer could record this roll call late until 2026-03-09 12:00; "
                                          "ask the training office to record it.")
    assert attendance.late_roll_refusal(users[Role.HR], session, deadline + timedelta(days=300)) is None
    roll(users[Role.HR], session, mate, "excused", at=deadline + timedelta(days=300), reason="病假条后补")
    assert attendance.counts(session)["excused"] == 1


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", ATTENDANCE_OPENS_MINUTES=10, ATTENDANCE_GRACE_MINUTES=0,
                        ATTENDANCE_LATE_DAYS=1)
def test_the_window_and_the_lecturers_days_are_settings(morning, users):
    session, collector, mate = morning
    trainer = users[Role.TRAINER]
    assert window_of(session).text() == "2026-03-02 08:20–12:00"
    with pytest.raises(DomainError, match="08:20–12:00; it has not opened yet"):
        roll(trainer, session, collector, at=local(DAY, "08:19"))
    roll(trainer, session, collector, at=local(DAY, "08:20"))
    with pytest.raises(DomainError, match="give the reason"):
        roll(trainer, session, mate, at=local(DAY, "12:00"))
    with pytest.raises(Forbidden, match="2026-03-03 12:00"):
        roll(trainer, session, mate, at=local(DAY + timedelta(days=1), "12:01"), reason="补录点名记录")


# --- Sessions waiting for their roll ---------------------------------------------------------------------

def _due(now, **narrow):
    return [(entry.session.id, entry.seated, entry.unrecorded) for entry in attendance.due_rolls(now, **narrow)]


def test_a_session_waits_for_its_roll_once_it_has_ended_until_everyone_is_recorded(morning, users):
    session, collector, mate = morning
    assert _due(local(DAY, "11:59")) == []  # not over yet
    assert _due(local(DAY, "12:00")) == [(session.id, 2, 2)]
    roll(users[Role.TRAINER], session, collector, at=local(DAY, "12:30"))
    assert _due(local(DAY, "12:30")) == [(session.id, 2, 1)]
    roll(users[Role.TRAINER], session, mate, "absent", at=local(DAY, "14:00"), reason="迟交的点名记录")
    assert _due(local(DAY, "14:00")) == []


def test_waiting_sessions_by_lecturer_and_batch_and_never_in_planning(morning, users):
    session, collector, _mate = morning
    other = factories.make_user("trainer02", roles=[Role.TRAINER])
    planning = factories.make_batch(starts_on=DAY, status="planning", members=[collector])
    factories.make_session(planning, "integrity", other, slot="pm", seats=[collector])
    evening = local(DAY, "20:00")
    assert _due(evening) == [(session.id, 2, 2)]
    assert _due(evening, lecturer_id=users[Role.TRAINER].id) == [(session.id, 2, 2)]
    assert _due(evening, lecturer_id=other.id) == []
    assert _due(evening, batch_id=planning.id) == []


def test_a_session_added_after_it_took_place_bars_nobody_until_its_late_roll(users):
    """HR adds, at 12:03, today's 08:30–12:00 law session to a published batch of 20 whose law exam is open."""
    hr, trainer = users[Role.HR], users[Role.TRAINER]
    members = [factories.make_user(f"c9{n:03d}") for n in range(20)]
    batch = factories.make_batch(starts_on=DAY, status="running", members=members)
    factories.make_session(batch, "integrity", trainer, day=DAY + timedelta(days=1), seats=members)  # tomorrow
    added_at = local(DAY, "12:03")
    session = sessions.add_session(hr, batch, course=find_course("law"), day=DAY, slot="am", room="二号教室",
                                   capacity=30, lecturer=trainer, now=added_at, ip="1.2.3.4")
    assert len(session.seats) == 20
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.SESSION_CREATED)).one()
    assert created.details["scheduled_after_start"] is True

    law = find_course("law")
    soon = local(DAY, "12:04")
    assert [eligibility.attendance_refusal(person, law, soon) for person in members] == [None] * 20
    assert _due(soon, lecturer_id=trainer.id) == [(session.id, 20, 20)]
    assert attendance.absentees(batch, soon) == []
    assert {(r.recorded, r.unrecorded) for r in attendance.rates(batch, soon)} == {(0, 1)}

    # The lecturer enters the paper sign-in sheet the next morning: 18 there, 2 absent.
    entries = {person.id: ("absent" if person in members[:2] else "present", "") for person in members}
    next_day = local(DAY + timedelta(days=1), "09:00")
    attendance.record_roll(trainer, session, entries, now=next_day, ip="1.2.3.4", reason="课次为事后补排，按纸质签到表补录")
    assert _due(next_day) == []
    refused = [person.staff_no for person in members if eligibility.attendance_refusal(person, law, next_day)]
    assert refused == ["c9000", "c9001"]


def test_a_session_scheduled_ahead_is_not_marked_as_scheduled_after_its_start(users):
    ensure_courses()
    batch = factories.make_batch(starts_on=DAY, status="planning")
    sessions.add_session(users[Role.HR], batch, course=find_course("law"), day=DAY, slot="pm", room="一号教室",
                         capacity=30, lecturer=users[Role.TRAINER], now=local(DAY, "13:59"), ip="t")
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.SESSION_CREATED)).one()
    assert "scheduled_after_start" not in created.details


def test_a_session_moved_into_the_past_is_marked_and_waits_for_its_roll(morning, users):
    session, collector, mate = morning
    batch = session.batch
    batch.ends_on = DAY + timedelta(days=1)
    later = factories.make_session(batch, "integrity", users[Role.TRAINER], day=DAY + timedelta(days=1),
                                   seats=[collector, mate])
    now = local(DAY, "15:00")
    assert _due(now) == [(session.id, 2, 2)]
    sessions.update_session(users[Role.HR], later, course=later.course, day=DAY, slot="pm", room=later.room,
                            capacity=later.capacity, lecturer=later.lecturer, now=now, ip="t")
    updated = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.SESSION_UPDATED)).one()
    assert updated.details["scheduled_after_start"] is True
    assert _due(local(DAY, "17:30")) == [(session.id, 2, 2), (later.id, 2, 2)]
    assert eligibility.attendance_refusal(collector, later.course, local(DAY, "18:00")) is None
