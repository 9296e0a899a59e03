"""Roll call (only seat holders, notes bounded, one audit record of the changes old → new), attendance
rates over the sessions held so far, and who missed which course."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError, Forbidden
from app.core.roles import Role
from app.extensions import db
from app.training import attendance
from app.training.models import Attendance
from tests import factories
from tests.training.test_checkin import local

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)


def roll_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.ATTENDANCE_RECORDED)
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def people(users):
    a = factories.make_user("c1001", name="甲")
    b = factories.make_user("c1002", name="乙")
    c = factories.make_user("c1003", name="丙")
    return a, b, c


def test_roll_call_records_seat_holders_and_audits_the_changes(users, people):
    trainer = users[Role.TRAINER]
    a, b, c = people
    batch = factories.make_batch(starts_on=DAY, status="scheduled")
    session = factories.make_session(batch, "law", trainer, seats=[a, b, c])
    changes = attendance.record_roll(trainer, session, {a.id: ("present", ""), b.id: ("absent", " 未请假 ")},
                                     now=local(DAY, "09:00"), ip="1.2.3.4")
    assert [(ch["staff_no"], ch["old"], ch["new"]) for ch in changes] == [("c1001", None, "present"),
                                                                          ("c1002", None, "absent")]
    rows = {r.user_id: r for r in db.session.scalars(select(Attendance))}
    assert rows[b.id].note == "未请假" and rows[b.id].via == "roll" and rows[b.id].recorded_by_id == trainer.id
    assert c.id not in rows

    later = local(DAY, "12:05")
    changes = attendance.record_roll(trainer, session, {a.id: ("present", ""), b.id: ("excused", "补交假条")},
                                     now=later, ip="1.2.3.4")
    assert changes == [{"staff_no": "c1002", "old": "absent", "new": "excused", "note": "补交假条"}]
    assert db.session.get(Attendance, rows[a.id].id).recorded_at == local(DAY, "09:00")  # untouched
    events = roll_events()
    assert len(events) == 2
    assert events[1].details["changes"] == changes and events[1].target_id == str(session.id)


def test_saving_an_unchanged_roll_writes_no_audit_record(users, people):
    trainer = users[Role.TRAINER]
    a, _b, _c = people
    session = factories.make_session(factories.make_batch(starts_on=DAY), "law", trainer, seats=[a])
    attendance.record_roll(trainer, session, {a.id: ("late", "")}, now=local(DAY, "09:00"), ip="t")
    assert attendance.record_roll(trainer, session, {a.id: ("late", "")}, now=local(DAY, "09:10"), ip="t") == []
    assert len(roll_events()) == 1


def test_someone_without_a_seat_is_refused_by_staff_number(users, people):
    trainer = users[Role.TRAINER]
    a, b, _c = people
    session = factories.make_session(factories.make_batch(starts_on=DAY), "law", trainer, seats=[a])
    with pytest.raises(DomainError, match="c1002"):
        attendance.record_roll(trainer, session, {a.id: ("present", ""), b.id: ("present", "")},
                               now=local(DAY, "09:00"), ip="t")
    assert db.session.scalars(select(Attendance)).all() == []


def test_unknown_status_and_long_notes_are_refused(users, people):
    trainer = users[Role.TRAINER]
    a, _b, _c = people
    session = factories.make_session(factories.make_batch(starts_on=DAY), "law", trainer, seats=[a])
    with pytest.raises(DomainError, match="c1001"):
        attendance.record_roll(trainer, session, {a.id: ("asleep", "")}, now=local(DAY, "09:00"), ip="t")
    with pytest.raises(DomainError, match="500"):
        attendance.record_roll(trainer, session, {a.id: ("absent", "长" * 501)}, now=local(DAY, "09:00"), ip="t")
    attendance.record_roll(trainer, session, {a.id: ("absent", "长" * 500)}, now=local(DAY, "09:00"), ip="t")


def test_another_trainer_may_not_take_the_roll(users, people):
    a, _b, _c = people
    other = factories.make_user("trainer02", roles=[Role.TRAINER])
    session = factories.make_session(factories.make_batch(starts_on=DAY), "law", users[Role.TRAINER], seats=[a])
    with pytest.raises(Forbidden):
        attendance.record_roll(other, session, {a.id: ("present", "")}, now=local(DAY, "09:00"), ip="t")
    assert attendance.record_roll(users[Role.HR], session, {a.id: ("present", "")}, now=local(DAY, "09:00"), ip="t")


@pytest.fixture
def two_days(users, people):
    """law (full day 1, one room), integrity split over two rooms on day 2 morning, etiquette day 2 afternoon."""
    trainer = users[Role.TRAINER]
    a, b, c = people
    batch = factories.make_batch(starts_on=DAY, days=2, status="running", members=[a, b, c])
    law = factories.make_session(batch, "law", trainer, slot="full", seats=[a, b, c])
    ethics_1 = factories.make_session(batch, "integrity", trainer, day=DAY + timedelta(days=1), seats=[a, b])
    ethics_2 = factories.make_session(batch, "integrity", trainer, day=DAY + timedelta(days=1), room="二号教室",
                                      seats=[c])
    manners = factories.make_session(batch, "etiquette", trainer, day=DAY + timedelta(days=1), slot="pm",
                                     seats=[a, b, c])
    attendance.record_roll(trainer, law, {a.id: ("present", ""), b.id: ("late", ""), c.id: ("absent", "")},
                           now=local(DAY, "17:00"), ip="t")
    day_two = local(DAY + timedelta(days=1), "09:00")
    attendance.record_roll(trainer, ethics_1, {a.id: ("excused", "")}, now=day_two, ip="t")  # b: no record
    attendance.record_roll(trainer, ethics_2, {c.id: ("present", "")}, now=day_two, ip="t")
    return batch, (a, b, c), (law, ethics_1, ethics_2, manners)


def test_rates_count_recorded_attendance_in_sessions_held_so_far(two_days):
    batch, (a, b, c), _sessions = two_days
    during_day_one = {r.user.staff_no: (r.recorded, r.attended) for r in attendance.rates(batch, local(DAY, "12:00"))}
    assert during_day_one == {"c1001": (0, 0), "c1002": (0, 0), "c1003": (0, 0)}
    after_morning = attendance.rates(batch, local(DAY + timedelta(days=1), "12:30"))
    assert [(r.user.staff_no, r.recorded, r.attended, r.unrecorded, r.percent) for r in after_morning] == [
        ("c1001", 2, 1, 0, 50), ("c1002", 1, 1, 1, 100), ("c1003", 2, 1, 0, 50)]
    assert attendance.rates(batch, local(DAY, "12:00"))[0].percent is None


def test_an_unrecorded_seat_is_no_absence_until_the_roll_records_one(two_days):
    batch, (a, b, c), (_law, ethics_1, _ethics_2, _manners) = two_days
    now = local(DAY + timedelta(days=1), "12:30")
    assert attendance.rates(batch, now)[1].percent == 100
    attendance.record_roll(ethics_1.lecturer, ethics_1, {b.id: ("absent", "")}, now=now, ip="t")
    assert [(r.recorded, r.attended, r.unrecorded, r.percent) for r in attendance.rates(batch, now)][1] == \
        (2, 1, 0, 50)


def test_absentees_list_the_courses_recorded_as_missed_everywhere_in_the_batch(two_days):
    batch, (a, b, c), (law, _ethics_1, _ethics_2, manners) = two_days
    now = local(DAY + timedelta(days=1), "12:30")
    # b has no record in integrity: not an absentee (the session waits for its roll).
    assert [(u.staff_no, codes) for u, codes in attendance.absentees(batch, now)] == [
        ("c1001", ["integrity"]), ("c1003", ["law"])]
    # Attending another session of the same course makes up for a missed one.
    extra = factories.make_session(batch, "law", law.lecturer, day=DAY + timedelta(days=1), slot="pm",
                                   room="三号教室", seats=[c])
    afternoon = local(DAY + timedelta(days=1), "14:10")
    attendance.record_roll(law.lecturer, extra, {c.id: ("present", "")}, now=afternoon, ip="t")
    attendance.record_roll(law.lecturer, manners, {b.id: ("absent", "")}, now=afternoon, ip="t")
    later = local(DAY + timedelta(days=1), "18:00")
    assert [(u.staff_no, codes) for u, codes in attendance.absentees(batch, later)] == [
        ("c1001", ["integrity"]), ("c1002", ["etiquette"])]


def test_session_counts_include_the_unrecorded(two_days):
    _batch, _people, (law, ethics_1, _ethics_2, manners) = two_days
    assert attendance.counts(law) == {"present": 1, "late": 1, "absent": 1, "excused": 0, "unrecorded": 0}
    assert attendance.counts(ethics_1)["unrecorded"] == 1
    assert attendance.counts(manners)["unrecorded"] == 3


def test_a_batchs_session_counts_come_in_one_query_and_agree_with_each_sessions(two_days):
    from sqlalchemy import event

    batch, _people, sessions = two_days
    one_by_one = {session.id: attendance.counts(session) for session in sessions}
    statements = []

    def counted(_connection, _cursor, statement, *_rest):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        together = attendance.counts_by_session(sessions)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert together == one_by_one and len(statements) == 1
    assert attendance.counts_by_session([]) == {}
