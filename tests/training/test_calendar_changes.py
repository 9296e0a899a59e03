"""Subscribed calendars follow changes: SEQUENCE and LAST-MODIFIED move when what an event shows changes, and a
person who loses a session (deleted, moved out, the batch back to planning) gets it with STATUS:CANCELLED under
the same UID and a higher SEQUENCE, until a month after its day."""

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.training import batches, calendar_changes, calendars, sessions
from app.training.models import CancelledEvent
from app.training.seating import seat_batch
from tests import factories

MONDAY = date(2030, 3, 4)
NOW = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=5)


def feed(person, now=LATER) -> dict[str, dict]:
    """uid → {status, sequence, modified, location, start} of the person's calendar, parsed with icalendar."""
    parsed = Calendar.from_ical(calendars.person_calendar(person, now))
    return {str(event["uid"]): {"status": str(event["status"]), "sequence": int(event["sequence"]),
                                "modified": event.decoded("last-modified"), "location": str(event["location"]),
                                "start": event.decoded("dtstart"), "stamp": event.decoded("dtstamp")}
            for event in parsed.walk("VEVENT")}


@pytest.fixture
def hr(users):
    return users[Role.HR]


@pytest.fixture
def published(app, users, hr):
    """A published batch (three days), the collector and the admin its members, both seated in its law session."""
    person, other = users[Role.COLLECTOR], users[Role.ADMIN]
    batch = factories.make_batch("第一期", starts_on=MONDAY, days=3, members=[person, other], now=NOW)
    session = sessions.add_session(hr, batch, course=course("law"), day=MONDAY, slot="am", room="一号教室",
                                   capacity=40, lecturer=users[Role.TRAINER], now=NOW, ip="test")
    batches.change_status(hr, batch, "publish", NOW, "test")
    db.session.commit()
    return batch, session, person, other


def course(code):
    ensure_courses()
    return find_course(code)


def move(hr, session, *, now=LATER, **changes):
    values = {"course": session.course, "day": session.day, "slot": session.slot, "room": session.room,
              "capacity": session.capacity, "lecturer": session.lecturer, **changes}
    return sessions.update_session(hr, session, now=now, ip="test", **values)


def test_events_carry_sequence_last_modified_and_dtstamp(published):
    batch, session, person, _other = published
    event = feed(person)[calendars.session_uid(session.id)]
    assert event["status"] == "CONFIRMED" and event["sequence"] == 0
    assert event["modified"] == NOW and event["stamp"] == LATER


def test_moving_a_session_raises_its_sequence_and_last_modified(published, hr):
    batch, session, person, _other = published
    uid = calendars.session_uid(session.id)
    assert move(hr, session, day=MONDAY + timedelta(days=1))
    moved = feed(person)[uid]
    assert moved["sequence"] == 1 and moved["modified"] == LATER
    assert moved["start"] == datetime(2030, 3, 5, 0, 30, tzinfo=UTC)
    assert move(hr, session, room="二号教室", now=LATER + timedelta(hours=1))
    assert feed(person)[uid]["sequence"] == 2 and feed(person)[uid]["location"] == "二号教室"


def test_a_change_the_event_does_not_show_leaves_the_sequence(published, hr):
    batch, session, person, _other = published
    assert move(hr, session, capacity=30)
    assert feed(person)[calendars.session_uid(session.id)]["sequence"] == 0


def test_renaming_the_batch_raises_every_sequence(published, hr):
    batch, session, person, _other = published
    assert batches.update_batch(hr, batch, name="第一期（调整）", starts_on=batch.starts_on, ends_on=batch.ends_on,
                                capacity=None, now=LATER, ip="test")
    assert feed(person)[calendars.session_uid(session.id)]["sequence"] == 1


def test_a_deleted_session_is_cancelled_under_the_same_uid_with_a_higher_sequence(published, hr, users):
    batch, session, person, other = published
    uid = calendars.session_uid(session.id)
    before = feed(person)[uid]["sequence"]
    sessions.add_session(hr, batch, course=course("integrity"), day=MONDAY, slot="pm", room="一号教室",
                         capacity=40, lecturer=users[Role.TRAINER], now=NOW, ip="test")
    sessions.delete_session(hr, session, LATER, "test")
    db.session.commit()
    for who in (person, other):
        cancelled = feed(who)[uid]
        assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] > before
        assert cancelled["modified"] == LATER and cancelled["location"] == "一号教室"
        assert cancelled["start"] == datetime(2030, 3, 4, 0, 30, tzinfo=UTC)


def test_a_person_moved_out_gets_the_event_cancelled_and_back_with_a_still_higher_sequence(published, hr):
    batch, session, person, other = published
    uid = calendars.session_uid(session.id)
    member = next(m for m in batch.members if m.user_id == person.id)
    batch.members.remove(member)
    db.session.flush()
    seat_batch(batch, now=LATER)
    cancelled = feed(person)[uid]
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] == 1
    assert feed(other)[uid]["status"] == "CONFIRMED"  # the others keep it

    batch.members.append(type(member)(user_id=person.id, added_at=LATER))
    db.session.flush()
    seat_batch(batch, now=LATER + timedelta(hours=1))
    back = feed(person)[uid]
    assert back["status"] == "CONFIRMED" and back["sequence"] > cancelled["sequence"]
    assert db.session.scalar(db.select(CancelledEvent).where(CancelledEvent.user_id == person.id)) is None


def test_a_batch_back_in_planning_cancels_and_never_shows_as_confirmed(published, hr):
    batch, session, person, _other = published
    batches.change_status(hr, batch, "unpublish", LATER, "test")
    found = feed(person)
    assert [event["status"] for event in found.values()] == ["CANCELLED"]
    assert found[calendars.session_uid(session.id)]["sequence"] == 1
    batches.delete_batch(hr, batch, LATER, "test")  # the cancellation outlives the batch
    assert [event["status"] for event in feed(person).values()] == ["CANCELLED"]


def test_a_planning_batch_never_shows(app, users):
    person = users[Role.COLLECTOR]
    draft = factories.make_batch("草稿期", starts_on=MONDAY)
    factories.make_session(draft, "law", users[Role.TRAINER], seats=[person])
    assert feed(person) == {}


def test_cancellations_are_sent_until_a_month_after_their_day(published, hr):
    batch, session, person, _other = published
    sessions.delete_session(hr, session, LATER, "test")
    uid = calendars.session_uid(session.id)
    day_after_month = datetime(2030, 4, 3, 2, 0, tzinfo=UTC)  # MONDAY + 30 days, 10:00 local
    assert uid in feed(person, now=day_after_month)
    assert uid not in feed(person, now=day_after_month + timedelta(days=1))
    calendar_changes.purge_expired(day_after_month + timedelta(days=1))
    assert db.session.scalar(db.select(db.func.count()).select_from(CancelledEvent)) == 0


def test_the_download_behind_the_login_keeps_working_with_the_same_events(published, client, login):
    batch, session, person, _other = published
    login(person)
    response = client.get("/training/my/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["uid"]) == calendars.session_uid(session.id) and int(event["sequence"]) == 0
