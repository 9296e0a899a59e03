"""iCalendar (.ics) files of training sessions: a batch's and a person's, downloaded or subscribed to
(app.training.calendar_links).

UIDs are stable per session, so importing again updates events instead of duplicating them; times are UTC.
Every event carries SEQUENCE (the session's revision) and LAST-MODIFIED, which app.training.calendar_changes
bumps when what it shows changes, so a subscribed phone replaces its copy; a person's calendar also lists the
sessions they lost (deleted, or their seat removed) with STATUS:CANCELLED and a higher SEQUENCE, so the phone
removes them.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event, vDuration

from app.core.clock import utcnow
from app.extensions import db
from app.training import calendar_changes
from app.training.models import Batch, CancelledEvent, Seat, TrainingSession
from app.training.slots import utc_bounds
from app.training.states import BatchState

PRODID = "-//toll-training//training sessions//ZH"
REFRESH = timedelta(hours=1)  # how often a subscribed calendar is asked to look again


def session_uid(session_id: int) -> str:
    return f"training-session-{session_id}@toll-training"


def _new_calendar(title: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _event(uid: str, day, slot: str, *, sequence: int, modified: datetime, now: datetime) -> Event:
    start, end = utc_bounds(day, slot)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("sequence", sequence)
    event.add("last-modified", modified)
    return event


def session_event(session: TrainingSession, now: datetime) -> Event:
    event = _event(session_uid(session.id), session.day, session.slot, sequence=session.revision or 0,
                   modified=session.updated_at or session.created_at, now=now)
    event.add("status", "CONFIRMED")
    event.add("summary", calendar_changes.event_summary(session))
    event.add("location", session.room)
    event.add("description", f"{session.lecturer.name} ({session.lecturer.staff_no})")
    return event


def cancelled_event(row: CancelledEvent, now: datetime) -> Event:
    event = _event(session_uid(row.session_id), row.day, row.slot, sequence=row.sequence,
                   modified=row.cancelled_at, now=now)
    event.add("status", "CANCELLED")
    event.add("summary", row.summary)
    event.add("location", row.location)
    return event


def person_sessions(user) -> list[TrainingSession]:
    """Sessions the person holds a seat in, in published batches (planning seats never show)."""
    return list(db.session.scalars(
        db.select(TrainingSession).join(Seat, Seat.session_id == TrainingSession.id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .where(Seat.user_id == user.id, Batch.status != BatchState.PLANNING)
        .order_by(TrainingSession.day, TrainingSession.slot, TrainingSession.id)
    ))


def person_calendar(user, now: datetime) -> bytes:
    """The person's sessions, then the cancellations still worth sending (a live event wins over a stale one)."""
    calendar = _new_calendar(_("Training of %(name)s", name=user.name))
    sessions = person_sessions(user)
    for session in sessions:
        calendar.add_component(session_event(session, now))
    live = {session.id for session in sessions}
    for row in calendar_changes.cancellations_of(user.id, now):
        if row.session_id not in live:
            calendar.add_component(cancelled_event(row, now))
    return calendar.to_ical()


def batch_calendar(batch: Batch, now: datetime | None = None) -> bytes:
    now = now or utcnow()
    calendar = _new_calendar(_("Training batch %(batch)s", batch=batch.name))
    for session in batch.sessions:
        calendar.add_component(session_event(session, now))
    return calendar.to_ical()
