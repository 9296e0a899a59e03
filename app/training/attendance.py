"""Attendance of training sessions: the lecturer's roll call, per-session counts, each person's rate over the
sessions held so far, and who missed a course (the people a make-up batch 补训 is proposed for).

A session counts as held once its slot has ended; a seat without an Attendance row in a held session counts
as missed (nobody recorded the person there).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError, Forbidden
from app.core.i18n import html_lang
from app.core.i18n import lazy_gettext as _l
from app.courses.models import Course
from app.extensions import db
from app.training.models import ATTENDANCE_STATES, ATTENDED, Attendance, Batch, Seat, TrainingSession
from app.training.permissions import can_take_attendance
from app.training.slots import utc_bounds

MAX_NOTE = 500

STATUS_LABELS = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}
# The same states inside a sentence ("You are already recorded as present at 09:02").
STATUS_WORDS = {
    "present": _l("present"),
    "late": _l("late"),
    "absent": _l("absent"),
    "excused": _l("excused"),
}
SLOT_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon"), "full": _l("Full day")}


def course_label(course: Course) -> str:
    """The course name in the page's language."""
    return course.name_en if html_lang() == "en" and course.name_en else course.name


def local_time(moment: datetime) -> str:
    """HH:MM in the configured zone, for messages."""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%H:%M")


def session_label(session: TrainingSession) -> str:
    """'2026-03-02 Morning, Laws and regulations (Room 1)' for lists in messages."""
    return _("%(day)s %(slot)s, %(course)s (%(room)s)", day=session.day.isoformat(),
             slot=SLOT_LABELS[session.slot], course=course_label(session.course), room=session.room)


def session_start(session: TrainingSession) -> datetime:
    return utc_bounds(session.day, session.slot)[0]


def session_end(session: TrainingSession) -> datetime:
    return utc_bounds(session.day, session.slot)[1]


def is_held(session: TrainingSession, now: datetime) -> bool:
    """The session's slot has ended, so its attendance counts."""
    return session_end(session) <= now


def seat_holders(session: TrainingSession) -> list[User]:
    """Who attends the session, by staff number."""
    return list(db.session.scalars(
        select(User).join(Seat, Seat.user_id == User.id).where(Seat.session_id == session.id).order_by(User.staff_no)
    ))


def records_of(session: TrainingSession) -> dict[int, Attendance]:
    """user id → the session's attendance row."""
    rows = db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    return {row.user_id: row for row in rows}


def counts(session: TrainingSession) -> dict[str, int]:
    """present/late/absent/excused/unrecorded among the seat holders."""
    seated = {user.id for user in seat_holders(session)}
    result = dict.fromkeys((*ATTENDANCE_STATES, "unrecorded"), 0)
    recorded = records_of(session)
    for user_id in seated:
        row = recorded.get(user_id)
        result[row.status if row else "unrecorded"] += 1
    return result


def record_roll(actor, session: TrainingSession, entries: dict[int, tuple[str, str]], *, now: datetime,
                ip: str) -> list[dict]:
    """Save a roll call: user id → (status, note). Unchanged rows stay as they are (a check-in by code keeps
    its time); one audit record lists every change old → new. Returns the changes."""
    if not can_take_attendance(actor, session):
        raise Forbidden(_l("Only the session's lecturer or the training office may take attendance."))
    holders = {user.id: user for user in seat_holders(session)}
    strangers = [user_id for user_id in entries if user_id not in holders]
    if strangers:
        known = {user.id: user.staff_no for user in db.session.scalars(select(User).where(User.id.in_(strangers)))}
        names = [known.get(user_id, f"#{user_id}") for user_id in strangers]
        raise DomainError(_l("%(staff)s has no seat in this session; only seat holders can be recorded.",
                             staff=", ".join(sorted(names))))
    for user_id, (status, note) in entries.items():
        if status not in ATTENDANCE_STATES:
            raise DomainError(_l("%(staff)s: choose present, late, absent or excused.",
                                 staff=holders[user_id].staff_no))
        if len((note or "").strip()) > MAX_NOTE:
            raise DomainError(_l("%(staff)s: the note is longer than %(max)d characters.",
                                 staff=holders[user_id].staff_no, max=MAX_NOTE))
    existing = records_of(session)
    changes = []
    for user_id in sorted(entries, key=lambda uid: holders[uid].staff_no):
        status, note = entries[user_id]
        note = (note or "").strip()
        row = existing.get(user_id)
        if row is not None and row.status == status and row.note == note:
            continue
        change = {"staff_no": holders[user_id].staff_no, "old": row.status if row else None, "new": status}
        if note != (row.note if row else ""):
            change["note"] = note
        if row is None:
            row = Attendance(session_id=session.id, user_id=user_id)
            db.session.add(row)
        row.status, row.note, row.via = status, note, "roll"
        row.recorded_at, row.recorded_by_id = now, actor.id
        changes.append(change)
    if changes:
        db.session.flush()
        record(actions.ATTENDANCE_RECORDED, actor=actor, ip=ip, now=now, target=session,
               details={"session_id": session.id, "changes": changes})
    return changes


# --- Figures over a batch ------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonRate:
    user: User
    held: int  # sessions held so far in which the person has a seat
    attended: int  # of those, present or late
    rate: float | None  # attended / held, None before any was held

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def _batch_facts(batch: Batch, now: datetime):
    """(sessions, held session ids, {user id: user}, {(session id, user id)}, {(session id, user id): status})."""
    sessions = list(batch.sessions)
    held = {s.id for s in sessions if is_held(s, now)}
    ids = [s.id for s in sessions]
    seats = db.session.execute(select(Seat.session_id, Seat.user_id).where(Seat.session_id.in_(ids))).all() \
        if ids else []
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({s.user_id for s in seats})))} \
        if seats else {}
    statuses = {(a.session_id, a.user_id): a.status
                for a in db.session.scalars(select(Attendance).where(Attendance.session_id.in_(ids)))} if ids else {}
    return sessions, held, users, {(s.session_id, s.user_id) for s in seats}, statuses


def rates(batch: Batch, now: datetime) -> list[PersonRate]:
    """Everyone seated in the batch with their attendance over the sessions held so far, by staff number."""
    _sessions, held, users, seats, statuses = _batch_facts(batch, now)
    result = []
    for user in sorted(users.values(), key=lambda u: u.staff_no):
        mine = [session_id for session_id, user_id in seats if user_id == user.id and session_id in held]
        attended = sum(1 for session_id in mine if statuses.get((session_id, user.id)) in ATTENDED)
        result.append(PersonRate(user, len(mine), attended, attended / len(mine) if mine else None))
    return result


def absentees(batch: Batch, now: datetime) -> list[tuple[User, list[str]]]:
    """People who missed a held session of a course (absent, excused or unrecorded) and attended no other
    session of that course in the batch, with those course codes (in course order), by staff number."""
    sessions, held, users, seats, statuses = _batch_facts(batch, now)
    by_id = {s.id: s for s in sessions}
    missed: dict[int, set[str]] = {}
    attended: dict[int, set[str]] = {}
    for session_id, user_id in seats:
        session = by_id[session_id]
        status = statuses.get((session_id, user_id))
        if status in ATTENDED:
            attended.setdefault(user_id, set()).add(session.course.code)
        elif session_id in held:
            missed.setdefault(user_id, set()).add(session.course.code)
    order = {s.course.code: (s.course.position, s.course.code) for s in sessions}
    result = []
    for user in sorted(users.values(), key=lambda u: u.staff_no):
        codes = missed.get(user.id, set()) - attended.get(user.id, set())
        if codes:
            result.append((user, sorted(codes, key=order.__getitem__)))
    return result


def batch_courses(batch: Batch) -> list[Course]:
    """The courses taught in the batch, in course order."""
    seen = {s.course.id: s.course for s in batch.sessions}
    return sorted(seen.values(), key=lambda c: (c.position, c.code))
