"""The collector's "my training" page and calendar: published batches only, upcoming first, attendance shown."""

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from app.training.models import Attendance, Batch
from tests import factories


def english(user):
    user.locale = "en"
    db.session.commit()


@pytest.fixture
def schedule(app, users):
    """A past running batch with attendance, a future published batch, and a planning batch (hidden)."""
    person, trainer = users[Role.COLLECTOR], users[Role.TRAINER]
    today = date.today()
    past = factories.make_batch("上月期", starts_on=today - timedelta(days=30), days=2, status="running",
                                members=[person])
    done = factories.make_session(past, "law", trainer, room="旧教室", seats=[person])
    missed = factories.make_session(past, "law", trainer, room="旧教室", slot="pm", seats=[person])
    db.session.add_all([
        Attendance(session_id=done.id, user_id=person.id, status="late", recorded_at=utcnow()),
        Attendance(session_id=missed.id, user_id=person.id, status="absent", recorded_at=utcnow()),
    ])
    future = factories.make_batch("下月期", starts_on=today + timedelta(days=30), days=2, status="scheduled",
                                  members=[person])
    factories.make_session(future, "integrity", trainer, room="新教室", seats=[person])
    hidden = factories.make_batch("草稿期", starts_on=today + timedelta(days=60), members=[person])
    factories.make_session(hidden, "etiquette", trainer, room="秘密教室", seats=[person])
    db.session.commit()
    return person


def test_my_training_shows_only_published_batches_upcoming_first(client, login, schedule):
    english(schedule)
    login(schedule)
    response = client.get("/training/my")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "下月期" in page and "上月期" in page
    assert "草稿期" not in page and "秘密教室" not in page
    assert page.index("新教室") < page.index("旧教室")
    assert "Late" in page and "Absent" in page
    assert "1 of 2 attended (50%)" in page
    assert "08:30–12:00" in page and "14:00–17:30" in page
    assert "/courses/integrity" in page and "/training/my/calendar.ics" in page


def test_my_training_in_chinese(client, login, schedule):
    login(schedule)
    page = client.get("/training/my").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
    assert "廉洁自律、职业道德" in page and "新教室" in page


def test_someone_without_training_sees_a_friendly_empty_state(client, users, login):
    login(users[Role.TRAINER])
    response = client.get("/training/my")
    assert response.status_code == 200 and 'id="no-training"' in response.get_data(as_text=True)


def test_my_calendar_download(client, login, schedule):
    login(schedule)
    response = client.get("/training/my/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rooms = sorted(str(event["location"]) for event in Calendar.from_ical(response.data).walk("VEVENT"))
    assert rooms == ["新教室", "旧教室", "旧教室"]


def test_my_calendar_needs_a_login(client):
    response = client.get("/training/my/calendar.ics")
    assert response.status_code == 302 and "/login" in response.headers["Location"]



def test_a_past_session_nobody_recorded_is_shown_as_such_and_not_as_missed(client, login, schedule, users):
    past = db.session.scalar(db.select(Batch).where(Batch.name == "上月期"))
    factories.make_session(past, "law", users[Role.TRAINER], day=past.starts_on + timedelta(days=1), room="补排教室",
                           seats=[schedule])
    english(schedule)
    login(schedule)
    page = client.get("/training/my").get_data(as_text=True)
    assert "1 of 2 attended (50%)" in page and "1 session not recorded yet" in page
    card = page[page.index("补排教室") - 1500:page.index("补排教室")]
    assert "Not recorded yet" in card
