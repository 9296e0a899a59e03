"""Attendance in time, over HTTP: the roll call and check-in pages refuse outside the session's window and say
when it is, a late roll needs a reason, and a past session without a complete roll is flagged on the batch
list, the batch page, the batch attendance page and the home pages of HR and of its lecturer — until the roll
is recorded.

The training and home pages run on a fixed clock (9:00 on DAY, Asia/Shanghai), so these tests pass at any hour.
"""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.courses.catalog import find_course
from app.extensions import db
from app.training.models import Attendance, CheckinCode, TrainingSession
from tests import factories
from tests.training.test_checkin import local

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)  # the clock fixture's day (tests/training/conftest.py)
YESTERDAY = DAY - timedelta(days=1)


@pytest.fixture
def batch(users, clock):
    """A running batch of two (the collector and c2001) from YESTERDAY: yesterday's law morning was never
    recorded, today's integrity runs all day, tomorrow's etiquette morning is ahead."""
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    mate = factories.make_user("c2001", name="王五")
    made = factories.make_batch("第三期", starts_on=YESTERDAY, days=3, status="running", members=[collector, mate])
    factories.make_session(made, "law", trainer, seats=[collector, mate])
    factories.make_session(made, "integrity", trainer, day=DAY, slot="full", seats=[collector, mate])
    factories.make_session(made, "etiquette", trainer, day=DAY + timedelta(days=1), seats=[collector, mate])
    db.session.commit()
    return made


def session_of(batch, code) -> TrainingSession:
    return next(s for s in batch.sessions if s.course.code == code)


def test_the_roll_call_page_before_its_window_says_when_and_refuses_to_save(client, login, users, batch, clock):
    tomorrow = session_of(batch, "etiquette")
    login(users[Role.TRAINER])
    page = client.get(f"/training/sessions/{tomorrow.id}/roll").get_data(as_text=True)
    message = "The roll call of this session is open 2026-03-03 08:00–13:00; it has not opened yet."
    assert message in page and 'value="save"' not in page
    response = client.post(f"/training/sessions/{tomorrow.id}/roll",
                           data={f"status-{users[Role.COLLECTOR].id}": "present", "action": "save"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalars(select(Attendance)).all() == []


def test_the_roll_call_page_in_its_window_saves_without_a_reason(client, login, users, batch):
    today = session_of(batch, "integrity")
    login(users[Role.TRAINER])
    page = client.get(f"/training/sessions/{today.id}/roll").get_data(as_text=True)
    assert "Roll call and check-in are open 2026-03-02 08:00–18:30." in page and 'name="reason"' not in page
    response = client.post(f"/training/sessions/{today.id}/roll", data={"action": "rest_present"})
    assert response.status_code == 302
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("training.attendance%"))) == \
        actions.ATTENDANCE_RECORDED


def test_check_in_outside_the_window_is_refused_on_the_page(client, login, users, batch, clock):
    today = session_of(batch, "integrity")
    db.session.add(CheckinCode(session_id=today.id, code="135790", issued_at=local(DAY, "18:00"),
                               expires_at=local(DAY, "20:00")))
    db.session.commit()
    clock(local(DAY, "18:30"))
    login(users[Role.COLLECTOR])
    response = client.post("/training/checkin", data={"code": "135790"})
    assert response.status_code == 400
    assert ("Check-in for this session was open 2026-03-02 08:00–18:30 and has closed; ask the lecturer to record "
            "your attendance.") in response.get_data(as_text=True)
    assert db.session.scalars(select(Attendance)).all() == []
    clock(local(DAY, "18:29"))
    assert client.post("/training/checkin", data={"code": "135790"}).status_code == 302


def test_a_late_roll_on_the_page_needs_a_reason_and_is_audited(client, login, users, batch):
    past = session_of(batch, "law")
    login(users[Role.TRAINER])
    page = client.get(f"/training/sessions/{past.id}/roll").get_data(as_text=True)
    assert "The roll call of this session was open 2026-03-01 08:00–13:00 and has closed." in page
    assert "2 people are not recorded; nobody is counted absent, nor barred from an exam, until they are." in page
    assert "You can record a late roll call until 2026-03-08 12:00" in page and 'name="reason"' in page
    response = client.post(f"/training/sessions/{past.id}/roll", data={"action": "rest_present", "reason": ""})
    assert response.status_code == 400
    assert "To record it late, give the reason (at least 5 characters)." in response.get_data(as_text=True)
    assert db.session.scalars(select(Attendance)).all() == []
    response = client.post(f"/training/sessions/{past.id}/roll", data={
        f"status-{users[Role.COLLECTOR].id}": "absent", "action": "rest_present", "reason": "按纸质签到表补录"})
    assert response.status_code == 302
    assert sorted(row.status for row in db.session.scalars(select(Attendance))) == ["absent", "present"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.ATTENDANCE_RECORDED_LATE)).one()
    assert event.details["reason"] == "按纸质签到表补录" and len(event.details["changes"]) == 2
    page = client.get(f"/training/sessions/{past.id}/roll").get_data(as_text=True)
    assert "Recorded late, " in page


def test_after_the_lecturers_days_only_the_training_office_records_late(client, login, users, batch, clock):
    past = session_of(batch, "law")
    clock(local(DAY + timedelta(days=7), "12:01"))
    login(users[Role.TRAINER])
    refusal = "The lecturer could record this roll call late until 2026-03-08 12:00; ask the training office"
    page = client.get(f"/training/sessions/{past.id}/roll").get_data(as_text=True)
    assert refusal in page and 'value="save"' not in page
    response = client.post(f"/training/sessions/{past.id}/roll", data={"action": "rest_present", "reason": "补录点名记录"})
    assert response.status_code == 403 and refusal in response.get_data(as_text=True)
    client.post("/logout")
    login(users[Role.HR])
    page = client.get(f"/training/sessions/{past.id}/roll").get_data(as_text=True)
    assert "You can record a late roll call: give the reason below." in page
    response = client.post(f"/training/sessions/{past.id}/roll", data={"action": "rest_present", "reason": "补录点名记录"})
    assert response.status_code == 302 and len(db.session.scalars(select(Attendance)).all()) == 2


def _flagged(page: str) -> set[int]:
    """Ids of the sessions flagged on a batch page."""
    return {int(n) for n in re.findall(r'data-roll-due="(\d+)"', page)}


def test_a_past_session_without_its_roll_is_flagged_to_hr_and_its_lecturer(client, login, users, batch, clock):
    past, today = session_of(batch, "law"), session_of(batch, "integrity")
    other = factories.make_user("trainer02", roles=[Role.TRAINER], name="孙讲师")
    extra = factories.make_session(batch, "procedures", other, day=YESTERDAY, slot="pm", room="二号教室",
                                   seats=[users[Role.COLLECTOR]])
    db.session.commit()

    login(users[Role.HR])
    page = client.get(f"/training/batches/{batch.id}").get_data(as_text=True)
    assert _flagged(page) == {past.id, extra.id}  # today's session has not ended; tomorrow's is ahead
    assert "2 sessions have ended without a complete roll call." in page
    assert "Roll call not recorded: 2 of 2" in page and "Roll call not recorded: 1 of 1" in page
    assert "2 roll calls not recorded" in client.get("/training/batches").get_data(as_text=True)
    home = client.get("/hr").get_data(as_text=True)
    assert "Sessions waiting for their roll call" in home
    assert f"/training/sessions/{past.id}/roll" in home and f"/training/sessions/{extra.id}/roll" in home
    attendance_page = client.get(f"/training/batches/{batch.id}/attendance").get_data(as_text=True)
    assert "2 sessions have ended without a complete roll call." in attendance_page
    client.post("/logout")

    login(users[Role.TRAINER])
    home = client.get("/trainer").get_data(as_text=True)
    assert "Your sessions waiting for their roll call" in home
    assert f"/training/sessions/{past.id}/roll" in home and f"/training/sessions/{extra.id}/roll" not in home
    assert _flagged(client.get(f"/training/batches/{batch.id}").get_data(as_text=True)) == {past.id, extra.id}
    client.post(f"/training/sessions/{past.id}/roll", data={"action": "rest_present", "reason": "按纸质签到表补录"})
    assert "waiting for their roll call" not in client.get("/trainer").get_data(as_text=True)
    client.post("/logout")

    login(other)
    assert f"/training/sessions/{extra.id}/roll" in client.get("/trainer").get_data(as_text=True)
    clock(local(DAY, "17:30"))  # today's full day has ended too
    assert _flagged(client.get(f"/training/batches/{batch.id}").get_data(as_text=True)) == {extra.id, today.id}


def test_the_batch_attendance_page_states_the_denominator(client, login, users, batch):
    past = session_of(batch, "law")
    collector, mate = sorted(batch.members, key=lambda m: m.user.staff_no)
    db.session.add(Attendance(session_id=past.id, user_id=collector.user_id, status="late", via="roll",
                              recorded_at=local(YESTERDAY, "09:00")))
    db.session.commit()
    login(users[Role.HR])
    page = client.get(f"/training/batches/{batch.id}/attendance").get_data(as_text=True)
    assert "Attended / recorded" in page and "Sessions not recorded yet count neither way." in page
    rows = page[page.index('id="rates"'):]
    c0001, c2001 = rows[rows.index("c0001"):rows.index("c2001")], rows[rows.index("c2001"):]
    assert "1 / 1" in c0001 and "100%" in c0001
    assert "0 / 0" in c2001 and "—" in c2001  # nothing recorded for c2001: no rate, not 0 %
    assert "No one has missed a course so far." in page


def test_scheduling_a_session_after_it_started_warns_the_training_office(client, login, users, batch, clock):
    other = factories.make_user("trainer02", roles=[Role.TRAINER], name="孙讲师")
    db.session.commit()
    clock(local(DAY, "12:03"))
    login(users[Role.HR])
    response = client.post(f"/training/batches/{batch.id}/sessions/new", data={
        "course": find_course("procedures").id, "day": YESTERDAY.isoformat(), "slot": "pm", "room": "三号教室",
        "capacity": "30", "lecturer": other.id}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert ("This session had already started when it was scheduled, so nobody could check in or be called. It is "
            "flagged to 孙讲师 and the training office until its roll call is recorded") in page
    added = db.session.scalar(select(TrainingSession).where(TrainingSession.room == "三号教室"))
    assert added.id in _flagged(page)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_the_flags_render_in_both_languages(client, login, users, batch, locale):
    for user in (users[Role.HR], users[Role.TRAINER]):
        user.locale = locale
    db.session.commit()
    login(users[Role.HR])
    for url in (f"/training/batches/{batch.id}", "/training/batches", "/hr", f"/training/batches/{batch.id}/attendance",
                f"/training/sessions/{session_of(batch, 'law').id}/roll"):
        response = client.get(url)
        assert response.status_code == 200 and f'lang="{locale.replace("_", "-")}"' in response.get_data(as_text=True)
    client.post("/logout")
    login(users[Role.TRAINER])
    assert client.get("/trainer").status_code == 200
