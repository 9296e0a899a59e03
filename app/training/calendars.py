"""iCalendar (.ics) files of training sessions, for phones and desktop calendars to subscribe or import.

UIDs are stable per session, so importing again updates events instead of duplicating them; times are UTC."""

from datetime import datetime

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.core.clock import utcnow
from app.extensions import db
from app.training.models import Batch, Seat, TrainingSession
from app.training.slots import utc_bounds
from app.training.states import BatchState

PRODID = "-//toll-training//training sessions//ZH"


def session_uid(session: TrainingSession) -> str:
    return f"training-session-{session.id}@toll-training"


def _calendar(title: str, sessions, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    for session in sessions:
        start, end = utc_bounds(session.day, session.slot)
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", f"{session.course.name} · {session.batch.name}")
        event.add("location", session.room)
        event.add("description", f"{session.lecturer.name} ({session.lecturer.staff_no})")
        calendar.add_component(event)
    return calendar.to_ical()


def person_sessions(user) -> list[TrainingSession]:
    """Sessions the person holds a seat in, in published batches (planning seats never show)."""
    return list(db.session.scalars(
        db.select(TrainingSession).join(Seat, Seat.session_id == TrainingSession.id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .where(Seat.user_id == user.id, Batch.status != BatchState.PLANNING)
        .order_by(TrainingSession.day, TrainingSession.slot, TrainingSession.id)
    ))


def person_calendar(user, now: datetime) -> bytes:
    return _calendar(_("Training of %(name)s", name=user.name), person_sessions(user), now)


def batch_calendar(batch: Batch, now: datetime | None = None) -> bytes:
    return _calendar(_("Training batch %(batch)s", batch=batch.name), batch.sessions, now or utcnow())
