"""Keeping subscribed calendars in step: a session's revision, and the events a person's feed must cancel.

A phone that subscribed to a person's feed (app.training.calendar_links) keeps each event by its UID and only
replaces it when the feed sends a higher SEQUENCE. So:

- `touch` bumps a session's revision and `updated_at` (SEQUENCE and LAST-MODIFIED) whenever what its event
  shows changes: day, slot, room, lecturer, course (app.training.sessions), the batch's name
  (app.training.batches), and whenever somebody's seat in it is removed or given back (below).
- A person who loses an event — the session deleted, their seat removed by seating (moved to another batch
  or a parallel room, leave, the batch back to planning) — gets a `CancelledEvent` row: the session's UID,
  what the event showed, and the session's revision after the touch. Their feed sends it with
  STATUS:CANCELLED until `KEEP_DAYS` after its day, then the row is purged; by then the phone has long
  removed it, and the session is history.
- A person given a seat again in a session they have a cancellation for loses the cancellation and the
  session is touched once more, so the live event's SEQUENCE is above the cancelled one the phone saw.

A row per person rather than a soft-cancelled session, because a session usually goes on for everybody else;
one table serves deleted sessions and removed seats alike, and rows carry no foreign key to the session so they
outlive its deletion (and the deletion of a planning batch after it went back to planning).
"""

from datetime import date, datetime, timedelta

from app.core.localtime import local_today
from app.extensions import db
from app.training.models import CancelledEvent, TrainingSession

KEEP_DAYS = 30


def touch(session: TrainingSession, now: datetime) -> None:
    session.revision = (session.revision or 0) + 1
    session.updated_at = now


def event_summary(session: TrainingSession) -> str:
    """What an event is called in calendars (and what a cancelled one keeps)."""
    return f"{session.course.name} · {session.batch.name}"


def seats_changed(removed: set[tuple[int, TrainingSession]], added: set[tuple[int, TrainingSession]],
                  now: datetime) -> None:
    """Record seats taken away (`removed`) and given (`added`), as (user id, session) pairs."""
    removed, added = removed - added, added - removed
    if not removed and not added:
        return
    purge_expired(now)
    sessions = {session.id: session for _user, session in removed | added}
    existing = {(row.user_id, row.session_id): row for row in db.session.scalars(
        db.select(CancelledEvent).where(CancelledEvent.session_id.in_(list(sessions)))
    )}
    reinstated = [existing.pop((user_id, session.id)) for user_id, session in added
                  if (user_id, session.id) in existing]
    touched = {session.id for _user, session in removed} | {row.session_id for row in reinstated}
    for session_id in sorted(touched):
        touch(sessions[session_id], now)
    for row in reinstated:
        db.session.delete(row)
    for user_id, session in removed:
        _cancel(existing.get((user_id, session.id)), user_id, session, now)
    db.session.flush()


def session_deleted(session: TrainingSession, now: datetime) -> None:
    """Cancel a session about to be deleted for everybody seated in it."""
    holders = {(seat.user_id, session) for seat in session.seats}
    seats_changed(holders, set(), now)


def _cancel(row: CancelledEvent | None, user_id: int, session: TrainingSession, now: datetime) -> None:
    if row is None:
        row = CancelledEvent(user_id=user_id, session_id=session.id)
        db.session.add(row)
    row.sequence, row.day, row.slot = session.revision, session.day, session.slot
    row.summary, row.location, row.cancelled_at = event_summary(session)[:300], session.room, now


def purge_expired(now: datetime) -> None:
    db.session.execute(db.delete(CancelledEvent).where(CancelledEvent.day < cutoff(now)))


def cutoff(now: datetime) -> date:
    """Cancellations of sessions before this day are no longer sent."""
    return local_today(now) - timedelta(days=KEEP_DAYS)


def cancellations_of(user_id: int, now: datetime) -> list[CancelledEvent]:
    return list(db.session.scalars(
        db.select(CancelledEvent).where(CancelledEvent.user_id == user_id, CancelledEvent.day >= cutoff(now))
        .order_by(CancelledEvent.day, CancelledEvent.slot, CancelledEvent.session_id)
    ))
