"""The attendance pages over HTTP: who may open the roll call and the code screen, saving a roll call, the
code screen with its QR code and JSON, checking in from a phone (rate-limited), the batch figures and the
waivers page, in English and Chinese."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.localtime import local_today
from app.core.roles import Role
from app.extensions import db
from app.training.attendance import record_roll
from app.training.models import Attendance, AttendanceWaiver, CheckinCode
from tests import factories
from tests.training.test_checkin import local

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)  # the clock fixture's day (tests/training/conftest.py)


@pytest.fixture
def today(users, clock):
    """A running batch with DAY's full-day law session (lecturer trainer01), seating the collector and c2001."""
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    mate = factories.make_user("c2001", name="王五")
    batch = factories.make_batch(starts_on=DAY, status="running", members=[collector, mate])
    session = factories.make_session(batch, "law", trainer, slot="full", seats=[collector, mate], room="一号教室")
    db.session.commit()
    return batch, session, collector, mate


def _staff(users):
    return {"lecturer": users[Role.TRAINER], "hr": users[Role.HR], "admin": users[Role.ADMIN],
            "collector": users[Role.COLLECTOR]}


@pytest.mark.parametrize("who,expected", [("lecturer", 200), ("hr", 200), ("admin", 200), ("collector", 403),
                                          ("other_trainer", 403)])
@pytest.mark.parametrize("page", ["roll", "code", "code.json"])
def test_roll_and_code_pages_admit_the_lecturer_and_the_training_office(client, login, users, today, who,
                                                                         expected, page):
    _batch, session, _collector, _mate = today
    user = _staff(users).get(who) or factories.make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    login(user)
    assert client.get(f"/training/sessions/{session.id}/{page}").status_code == expected


def test_roll_call_page_lists_seat_holders_and_saves(client, login, users, today):
    _batch, session, collector, mate = today
    login(users[Role.TRAINER])
    page = client.get(f"/training/sessions/{session.id}/roll").get_data(as_text=True)
    assert "c0001" in page and "c2001" in page and "王五" in page and f'name="status-{mate.id}"' in page
    assert "Everyone not yet marked is present" in page and "js/roll.js" in page
    response = client.post(f"/training/sessions/{session.id}/roll", data={
        f"status-{collector.id}": "late", f"note-{collector.id}": "堵车", "action": "save"})
    assert response.status_code == 302
    rows = {r.user_id: r for r in db.session.scalars(select(Attendance))}
    assert rows[collector.id].status == "late" and rows[collector.id].note == "堵车" and mate.id not in rows
    # Without the script the button marks everyone left and saves.
    client.post(f"/training/sessions/{session.id}/roll", data={f"status-{collector.id}": "late",
                                                               f"note-{collector.id}": "堵车",
                                                               "action": "rest_present"})
    rows = {r.user_id: r.status for r in db.session.scalars(select(Attendance))}
    assert rows == {collector.id: "late", mate.id: "present"}
    page = client.get(f"/training/sessions/{session.id}/roll").get_data(as_text=True)
    assert "Attendance saved: 1 change." in page


def test_roll_call_for_someone_without_a_seat_shows_the_error(client, login, users, today):
    _batch, session, _collector, _mate = today
    login(users[Role.TRAINER])
    response = client.post(f"/training/sessions/{session.id}/roll",
                           data={f"status-{users[Role.HR].id}": "present"})
    assert response.status_code == 400 and "hr01 has no seat in this session" in response.get_data(as_text=True)
    assert db.session.scalars(select(Attendance)).all() == []


def test_code_screen_shows_digits_qr_and_count_and_json_keeps_the_code(client, login, users, today):
    _batch, session, _collector, _mate = today
    login(users[Role.TRAINER])
    page = client.get(f"/training/sessions/{session.id}/code").get_data(as_text=True)
    code = db.session.scalars(select(CheckinCode)).one()
    assert f"{code.code[:3]} {code.code[3:]}" in page
    assert 'src="data:image/svg+xml' in page and "js/checkin-code.js" in page
    data = client.get(f"/training/sessions/{session.id}/code.json").get_json()
    assert data["code"] == code.code and data["checked_in"] == 0 and data["seated"] == 2
    assert data["url"].endswith(f"/training/checkin?code={code.code}") and data["qr"].startswith("data:image/svg")
    assert 0 < data["seconds_left"] <= 120


def test_code_screen_on_another_day_explains_when(client, login, users, clock):
    trainer = users[Role.TRAINER]
    batch = factories.make_batch(starts_on=DAY + timedelta(days=3))
    session = factories.make_session(batch, "law", trainer)
    db.session.commit()
    login(trainer)
    response = client.get(f"/training/sessions/{session.id}/code")
    assert response.status_code == 200
    assert "Check-in codes for this session can be shown 2026-03-05 08:00–13:00." in response.get_data(as_text=True)
    assert db.session.scalars(select(CheckinCode)).all() == []
    answer = client.get(f"/training/sessions/{session.id}/code.json")
    assert answer.status_code == 409 and "2026-03-05 08:00–13:00" in answer.get_json()["error"]["message"]


def test_collector_checks_in_from_the_qr_link(app, client, login, users, today):
    _batch, session, collector, _mate = today
    login(users[Role.TRAINER])
    client.get(f"/training/sessions/{session.id}/code")
    code = db.session.scalars(select(CheckinCode)).one().code
    client.post("/logout")
    login(collector)
    page = client.get(f"/training/checkin?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page and 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    response = client.post("/training/checkin", data={"code": code}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Checked in: Laws and regulations" in text
    assert db.session.scalars(select(Attendance)).one().via == "code"
    again = client.post("/training/checkin", data={"code": code})
    assert again.status_code == 409 and "already recorded as" in again.get_data(as_text=True)


def test_check_in_errors_are_shown_on_the_field(client, login, users, today):
    login(users[Role.COLLECTOR])
    response = client.post("/training/checkin", data={"code": "12"})
    assert response.status_code == 400
    assert 'class="invalid-feedback">Enter the 6 digits' in response.get_data(as_text=True)
    response = client.post("/training/checkin", data={"code": "000000"})
    assert "ask the lecturer for the current code" in response.get_data(as_text=True)


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", CHECKIN_LIMIT="3 per minute")
def test_check_in_is_rate_limited_per_user(client, login, users, today):
    login(users[Role.COLLECTOR])
    statuses = [client.post("/training/checkin", data={"code": f"{n:06d}"}).status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    other = factories.make_user("c3001")  # another person is not held back by the first one's tries
    db.session.commit()
    client.post("/logout")
    login(other)
    assert client.post("/training/checkin", data={"code": "000000"}).status_code == 400


def test_check_in_page_in_chinese(client, login, users, today):
    _batch, session, collector, _mate = today
    collector.locale = "zh_Hans"
    db.session.commit()
    login(collector)
    response = client.get("/training/checkin")
    assert response.status_code == 200 and '<html lang="zh-Hans">' in response.get_data(as_text=True)


@pytest.mark.parametrize("role,expected", [(Role.TRAINER, 200), (Role.HR, 200), (Role.ADMIN, 200),
                                           (Role.COLLECTOR, 403)])
def test_batch_attendance_page_by_role(client, login, users, role, expected):
    # Tomorrow's session has not been held at any time of day, so nobody has missed anything yet.
    collector = users[Role.COLLECTOR]
    mate = factories.make_user("c2001", name="王五")
    batch = factories.make_batch(starts_on=local_today(utcnow()) + timedelta(days=1), status="running",
                                 members=[collector, mate])
    factories.make_session(batch, "law", users[Role.TRAINER], slot="full", seats=[collector, mate])
    db.session.commit()
    login(users[role])
    response = client.get(f"/training/batches/{batch.id}/attendance")
    assert response.status_code == expected
    if expected == 200:
        page = response.get_data(as_text=True)
        assert "c2001" in page and "Propose make-up batch" not in page


def test_batch_attendance_page_in_chinese_names_absentees(client, login, users, clock):
    hr, collector = users[Role.HR], users[Role.COLLECTOR]
    batch = factories.make_batch(starts_on=DAY - timedelta(days=2), status="running", members=[collector])
    session = factories.make_session(batch, "law", users[Role.TRAINER], seats=[collector])
    record_roll(users[Role.TRAINER], session, {collector.id: ("absent", "")}, now=local(batch.starts_on, "09:00"),
                ip="t")
    hr.locale = "zh_Hans"
    db.session.commit()
    login(hr)
    page = client.get(f"/training/batches/{batch.id}/attendance").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page and "相关法律、法规知识" in page and "Laws and regulations" not in page
    assert f"/training/batches/{batch.id}/makeup" in page and "0 / 1" in page


@pytest.mark.parametrize("role,expected", [(Role.HR, 200), (Role.ADMIN, 200), (Role.TRAINER, 403),
                                           (Role.COLLECTOR, 403)])
def test_waivers_page_by_role(client, login, users, role, expected):
    login(users[role])
    assert client.get("/training/waivers").status_code == expected


def test_hr_grants_and_revokes_a_waiver_through_the_page(client, login, users):
    hr, collector = users[Role.HR], users[Role.COLLECTOR]
    login(hr)
    page = client.get("/training/waivers?staff_no=c0001&course=integrity").get_data(as_text=True)
    assert 'value="c0001"' in page and '<option selected value="integrity">' in page
    response = client.post("/training/waivers", data={"staff_no": "nobody", "course": "law",
                                                      "reason": "因公出差，已自学"})
    assert response.status_code == 400 and "No one has staff number nobody" in response.get_data(as_text=True)
    response = client.post("/training/waivers", data={"staff_no": "c0001", "course": "law", "reason": "短"})
    assert response.status_code == 400 and "at least 5 characters" in response.get_data(as_text=True)
    response = client.post("/training/waivers", data={"staff_no": "C0001", "course": "law",
                                                      "reason": "因公出差，已自学"}, follow_redirects=True)
    assert "因公出差，已自学" in response.get_data(as_text=True)
    waiver = db.session.scalars(select(AttendanceWaiver)).one()
    assert waiver.user_id == collector.id and waiver.granted_by_id == hr.id
    waiver_id = waiver.id
    client.post("/training/waivers/revoke", data={"waiver_id": waiver_id})
    assert db.session.scalars(select(AttendanceWaiver)).all() == []
    assert {e.action for e in db.session.scalars(select(AuditEvent))} >= {actions.WAIVER_GRANTED,
                                                                           actions.WAIVER_REVOKED}
    assert client.post("/training/waivers/revoke", data={"waiver_id": waiver_id}).status_code == 404
    assert client.post("/training/waivers/revoke", data={}).status_code == 400


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_attendance_page_renders_for_hr_in_both_languages(client, login, users, today, locale):
    batch, session, _collector, _mate = today
    hr = users[Role.HR]
    hr.locale = locale
    db.session.commit()
    login(hr)
    for url in (f"/training/sessions/{session.id}/roll", f"/training/sessions/{session.id}/code",
                "/training/checkin", f"/training/batches/{batch.id}/attendance",
                f"/training/batches/{batch.id}/makeup", "/training/waivers"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{locale.replace("_", "-")}">' in response.get_data(as_text=True), url
