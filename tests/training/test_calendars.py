"""The .ics files: one event per session, UTC times from the slot settings, stable UIDs, only published seats."""

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from app.core.roles import Role
from app.training import calendars
from tests import factories

MONDAY = date(2030, 3, 4)
NOW = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)


def events(data: bytes):
    return list(Calendar.from_ical(data).walk("VEVENT"))


@pytest.fixture
def batch(app, users):
    batch = factories.make_batch("第一期", starts_on=MONDAY, days=2, status="scheduled")
    trainer = users[Role.TRAINER]
    factories.make_session(batch, "law", trainer, slot="am", room="一号教室", seats=[users[Role.COLLECTOR]])
    factories.make_session(batch, "integrity", trainer, slot="full", day=date(2030, 3, 5), room="二号教室")
    return batch


def test_batch_calendar_has_one_event_per_session_in_utc(batch):
    parsed = Calendar.from_ical(calendars.batch_calendar(batch, NOW))
    assert "第一期" in str(parsed["X-WR-CALNAME"])
    found = events(calendars.batch_calendar(batch, NOW))
    assert len(found) == 2
    morning, full_day = found
    # Default TRAINING_SLOTS am=08:30-12:00, pm=14:00-17:30 in Asia/Shanghai (UTC+8).
    assert morning.decoded("dtstart") == datetime(2030, 3, 4, 0, 30, tzinfo=UTC)
    assert morning.decoded("dtend") == datetime(2030, 3, 4, 4, 0, tzinfo=UTC)
    assert full_day.decoded("dtstart") == datetime(2030, 3, 5, 0, 30, tzinfo=UTC)
    assert full_day.decoded("dtend") == datetime(2030, 3, 5, 9, 30, tzinfo=UTC)
    assert str(morning["uid"]) == f"training-session-{batch.sessions[0].id}@toll-training"
    assert "相关法律、法规知识" in str(morning["summary"]) and "第一期" in str(morning["summary"])
    assert str(morning["location"]) == "一号教室"
    assert "讲师" in str(morning["description"])
    assert morning.decoded("dtstamp") == NOW


def test_uids_are_stable_between_exports(batch):
    first = [str(event["uid"]) for event in events(calendars.batch_calendar(batch, NOW))]
    second = [str(event["uid"]) for event in events(calendars.batch_calendar(batch, datetime.now(UTC)))]
    assert first == second


@pytest.mark.app_config(TRAINING_SLOTS="am=09:00-11:30,pm=13:30-16:00")
def test_times_follow_the_configured_slots(batch):
    morning = events(calendars.batch_calendar(batch, NOW))[0]
    assert morning.decoded("dtstart") == datetime(2030, 3, 4, 1, 0, tzinfo=UTC)


def test_person_calendar_lists_only_seats_in_published_batches(batch, users):
    person = users[Role.COLLECTOR]
    draft = factories.make_batch("草稿期", starts_on=date(2030, 4, 1))
    factories.make_session(draft, "law", users[Role.TRAINER], seats=[person])
    found = events(calendars.person_calendar(person, NOW))
    assert [str(event["location"]) for event in found] == ["一号教室"]
    assert calendars.person_calendar(users[Role.HR], NOW).startswith(b"BEGIN:VCALENDAR")
    assert events(calendars.person_calendar(users[Role.HR], NOW)) == []
