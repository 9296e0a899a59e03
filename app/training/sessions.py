"""Scheduling sessions in a batch, refusing clashes: a lecturer or a room in two places at once (across all
batches), a day outside the batch, a lecturer who is not a trainer. When the batch is already published the
seats are recomputed, so a change that leaves someone without a seat is refused as a whole.

A session may be scheduled after it started (added or moved into the past: HR records what happened). Its
attendance was never open to a roll call or check-in, so the audit record says so and, once it has ended, it
waits for a late roll on its lecturer's and the training office's lists (attendance.due_rolls); nobody is
counted absent there until then."""

from datetime import date, datetime

from flask_babel import gettext as _

from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.roles import Role
from app.courses.models import Course
from app.extensions import db
from app.training import calendar_changes, seating
from app.training.models import Attendance, Batch, TrainingSession
from app.training.roll_window import has_started
from app.training.seating import session_label
from app.training.slots import overlaps
from app.training.states import SEATED, BatchState, Slot

EDITABLE_STATES = frozenset({BatchState.PLANNING, BatchState.SCHEDULED, BatchState.RUNNING})
MAX_ROOM = 100


def room_key(room: str) -> str:
    return " ".join(room.split()).casefold()


def _check(batch: Batch, session: TrainingSession | None, *, course, day: date, slot: str, room: str,
           capacity: int, lecturer) -> str:
    """Raise a DomainError for the first rule the session would break; return the cleaned room."""
    if batch.status not in EDITABLE_STATES:
        raise DomainError(_("Batch %(batch)s is finished; its sessions can no longer change.", batch=batch.name))
    if not isinstance(course, Course):
        raise DomainError(_("Choose a course."), field="course")
    if slot not in set(Slot):
        raise DomainError(_("Choose morning, afternoon or full day."), field="slot")
    room = " ".join((room or "").split())
    if not room:
        raise DomainError(_("Enter the room."), field="room")
    if len(room) > MAX_ROOM:
        raise DomainError(_("The room name is too long."), field="room")
    if capacity is None or capacity < 1:
        raise DomainError(_("The capacity must be at least 1."), field="capacity")
    if not batch.starts_on <= day <= batch.ends_on:
        raise DomainError(_("%(day)s is outside batch %(batch)s (%(start)s to %(end)s).", day=day.isoformat(),
                            batch=batch.name, start=batch.starts_on.isoformat(), end=batch.ends_on.isoformat()),
                          field="day")
    if lecturer is None or not lecturer.active or not lecturer.has_role(Role.TRAINER):
        raise DomainError(_("%(name)s is not an active trainer.", name=getattr(lecturer, "name", "?")),
                          field="lecturer")
    same_day = db.session.scalars(
        db.select(TrainingSession).where(TrainingSession.day == day).order_by(TrainingSession.id)
    ).all()
    for other in same_day:
        if session is not None and other.id == session.id:
            continue
        if not overlaps(other.day, other.slot, day, slot):
            continue
        if other.lecturer_id == lecturer.id:
            raise Conflict(_("%(name)s already lectures at that time: %(session)s.", name=lecturer.name,
                             session=session_label(other)), field="lecturer")
        if room_key(other.room) == room_key(room):
            raise Conflict(_("Room %(room)s is already used at that time: %(session)s.", room=other.room,
                             session=session_label(other)), field="room")
    return room


def _details(session: TrainingSession) -> dict:
    return {"batch": session.batch.name, "course": session.course.code, "day": session.day.isoformat(),
            "slot": session.slot, "room": session.room, "capacity": session.capacity,
            "lecturer": session.lecturer.staff_no if session.lecturer else None}


def _reseat(batch: Batch, now: datetime) -> None:
    if batch.status in SEATED:
        seating.seat_batch(batch, now=now)


def add_session(actor, batch: Batch, *, course, day: date, slot: str, room: str, capacity: int, lecturer,
                now: datetime, ip: str) -> TrainingSession:
    room = _check(batch, None, course=course, day=day, slot=slot, room=room, capacity=capacity, lecturer=lecturer)
    session = TrainingSession(batch=batch, course=course, day=day, slot=slot, room=room, capacity=capacity,
                              lecturer=lecturer, lecturer_id=lecturer.id, created_at=now)
    session.updated_at = now
    db.session.add(session)
    db.session.flush()
    _reseat(batch, now)
    details = _details(session)
    if has_started(session, now):
        details["scheduled_after_start"] = True
    record(actions.SESSION_CREATED, actor=actor, ip=ip, now=now, target=session, details=details)
    return session


def update_session(actor, session: TrainingSession, *, course, day: date, slot: str, room: str, capacity: int,
                   lecturer, now: datetime, ip: str) -> bool:
    """Change a session; False when nothing changed."""
    batch = session.batch
    room = _check(batch, session, course=course, day=day, slot=slot, room=room, capacity=capacity,
                  lecturer=lecturer)
    before = _details(session)
    if _has_attendance(session) and (course.id != session.course_id or day != session.day or slot != session.slot):
        raise DomainError(_("Attendance was already taken in %(session)s; its course, day and slot cannot change.",
                            session=session_label(session)))
    session.course, session.day, session.slot, session.room = course, day, slot, room
    session.capacity, session.lecturer, session.lecturer_id = capacity, lecturer, lecturer.id
    after = _details(session)
    if after == before:
        return False
    if {key: value for key, value in after.items() if key != "capacity"} != \
            {key: value for key, value in before.items() if key != "capacity"}:
        calendar_changes.touch(session, now)  # what its event shows changed (the capacity is not shown)
    db.session.flush()
    _reseat(batch, now)
    details = {"before": before, "after": after}
    if has_started(session, now):
        details["scheduled_after_start"] = True
    record(actions.SESSION_UPDATED, actor=actor, ip=ip, now=now, target=session, details=details)
    return True


def _has_attendance(session: TrainingSession) -> bool:
    return db.session.scalar(db.select(Attendance.id).where(Attendance.session_id == session.id).limit(1)) is not None


def delete_session(actor, session: TrainingSession, now: datetime, ip: str) -> None:
    batch = session.batch
    if batch.status not in EDITABLE_STATES:
        raise DomainError(_("Batch %(batch)s is finished; its sessions can no longer change.", batch=batch.name))
    if _has_attendance(session):
        raise DomainError(_("Attendance was already taken in %(session)s; it cannot be deleted.",
                            session=session_label(session)))
    details = _details(session)
    record(actions.SESSION_DELETED, actor=actor, ip=ip, now=now, target=session, details=details)
    calendar_changes.session_deleted(session, now)
    batch.sessions.remove(session)
    db.session.flush()
    _reseat(batch, now)
