"""Attendance of training sessions: the lecturer's roll call (only in the session's window, or late with a
reason: roll_window.py), per-session counts, each person's rate over the sessions held so far, who missed a
course (the people a make-up batch 补训 is proposed for) and the sessions still waiting for their roll.

A session counts as held once its slot has ended. Only recorded attendance counts: a seat without an
Attendance row is *unrecorded* — neither attended nor missed — until someone records it, so a session
scheduled after the fact, or a roll left unfinished, never makes anyone an absentee. Such sessions are
flagged (due_rolls) to their lecturer and the training office until the roll is complete.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError, Forbidden
from app.core.i18n import lazy_gettext as _l
from app.core.localtime import in_local_zone
from app.courses.models import Course
from app.courses.naming import course_name
from app.extensions import db
from app.training.models import Attendance, Batch, Seat, TrainingSession
from app.training.permissions import can_plan, can_take_attendance
from app.training.roll_window import ended_by, lecturer_deadline, local_text, window_of
from app.training.slots import utc_bounds
from app.training.states import ATTENDED, AttendanceState, BatchState, RecordedVia, Slot

MAX_NOTE = 500
MIN_LATE_REASON = 5
MAX_LATE_REASON = 500

STATUS_LABELS = {
    AttendanceState.PRESENT: _l("Present"),
    AttendanceState.LATE: _l("Late"),
    AttendanceState.ABSENT: _l("Absent"),
    AttendanceState.EXCUSED: _l("Excused"),
}
# The same states inside a sentence ("You are already recorded as present at 09:02").
STATUS_WORDS = {
    AttendanceState.PRESENT: _l("present"),
    AttendanceState.LATE: _l("late"),
    AttendanceState.ABSENT: _l("absent"),
    AttendanceState.EXCUSED: _l("excused"),
}
SLOT_LABELS = {Slot.AM: _l("Morning"), Slot.PM: _l("Afternoon"), Slot.FULL: _l("Full day")}


def local_time(moment: datetime) -> str:
    """HH:MM in the configured zone, for messages."""
    return in_local_zone(moment).strftime("%H:%M")


def session_label(session: TrainingSession) -> str:
    """'2026-03-02 Morning, Laws and regulations (Room 1)' for lists in messages."""
    return _("%(day)s %(slot)s, %(course)s (%(room)s)", day=session.day.isoformat(),
             slot=SLOT_LABELS[session.slot], course=course_name(session.course), room=session.room)


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
    return counts_by_session([session])[session.id]


def counts_by_session(sessions) -> dict[int, dict[str, int]]:
    """session id → counts(session), for a whole batch in one query (a record without a seat is not counted)."""
    result = {session.id: dict.fromkeys((*AttendanceState, "unrecorded"), 0) for session in sessions}
    if not result:
        return result
    rows = db.session.execute(
        select(Seat.session_id, Attendance.status, func.count())
        .outerjoin(Attendance, and_(Attendance.session_id == Seat.session_id, Attendance.user_id == Seat.user_id))
        .where(Seat.session_id.in_(list(result))).group_by(Seat.session_id, Attendance.status))
    for session_id, status, count in rows:
        result[session_id][status or "unrecorded"] += count
    return result


def late_roll_refusal(actor, session: TrainingSession, now: datetime) -> DomainError | None:
    """Why `actor` may not record a late roll of `session` now (the lecturer's days are over), or None."""
    deadline = lecturer_deadline(session)
    if can_plan(actor) or now <= deadline:
        return None
    return Forbidden(_l("The lecturer could record this roll call late until %(deadline)s; ask the training "
                        "office to record it.", deadline=local_text(deadline)))


def _roll_phase(actor, session: TrainingSession, now: datetime, reason: str) -> tuple[bool, str]:
    """(late, cleaned reason); raises when the roll may not be saved now."""
    window = window_of(session)
    phase = window.phase(now)
    if phase == "early":
        raise DomainError(_l("The roll call of this session is open %(window)s; it has not opened yet.",
                             window=window.text()))
    if phase == "open":
        return False, ""
    refusal = late_roll_refusal(actor, session, now)
    if refusal is not None:
        raise refusal
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_LATE_REASON:
        raise DomainError(_l("The roll call of this session was open %(window)s. To record it late, give the "
                             "reason (at least %(min)d characters).", window=window.text(), min=MIN_LATE_REASON),
                          field="reason")
    if len(reason) > MAX_LATE_REASON:
        raise DomainError(_l("The reason is longer than %(max)d characters.", max=MAX_LATE_REASON), field="reason")
    return True, reason


def record_roll(actor, session: TrainingSession, entries: dict[int, tuple[str, str]], *, now: datetime,
                ip: str, reason: str = "") -> list[dict]:
    """Save a roll call: user id → (status, note). Unchanged rows stay as they are (a check-in by code keeps
    its time); one audit record lists every change old → new. Returns the changes.

    Refused before the session's window opens; after it closes only as a late roll with a `reason` (audited
    as such, with the window it missed), by the lecturer for ATTENDANCE_LATE_DAYS, by the training office
    at any time."""
    if not can_take_attendance(actor, session):
        raise Forbidden(_l("Only the session's lecturer or the training office may take attendance."))
    late, reason = _roll_phase(actor, session, now, reason)
    holders = {user.id: user for user in seat_holders(session)}
    strangers = [user_id for user_id in entries if user_id not in holders]
    if strangers:
        known = {user.id: user.staff_no for user in db.session.scalars(select(User).where(User.id.in_(strangers)))}
        names = [known.get(user_id, f"#{user_id}") for user_id in strangers]
        raise DomainError(_l("%(staff)s has no seat in this session; only seat holders can be recorded.",
                             staff=", ".join(sorted(names))))
    for user_id, (status, note) in entries.items():
        if status not in set(AttendanceState):
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
        row.status, row.note, row.via = status, note, RecordedVia.ROLL
        row.recorded_at, row.recorded_by_id = now, actor.id
        changes.append(change)
    if changes:
        db.session.flush()
        details = {"session_id": session.id, "changes": changes}
        if late:
            window = window_of(session)
            details.update(reason=reason, window={"opens": window.opens.isoformat(),
                                                  "closes": window.closes.isoformat()})
        record(actions.ATTENDANCE_RECORDED_LATE if late else actions.ATTENDANCE_RECORDED, actor=actor, ip=ip,
               now=now, target=session, details=details)
    return changes


# --- Figures over a batch ------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonRate:
    """A person's attendance over the batch's held sessions in which they have a seat."""

    user: User
    recorded: int  # held sessions where the person's attendance is recorded: the rate's denominator
    attended: int  # of those, present or late
    unrecorded: int  # held sessions where nobody has recorded the person yet (counted neither way)

    @property
    def rate(self) -> float | None:
        """attended / recorded, None before anything was recorded."""
        return self.attended / self.recorded if self.recorded else None

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
    statuses = {(session_id, user_id): status for session_id, user_id, status in db.session.execute(
        select(Attendance.session_id, Attendance.user_id, Attendance.status).where(Attendance.session_id.in_(ids)))} \
        if ids else {}
    return sessions, held, users, {(s.session_id, s.user_id) for s in seats}, statuses


def rates(batch: Batch, now: datetime) -> list[PersonRate]:
    """Everyone seated in the batch with their recorded attendance over the sessions held so far, by staff
    number."""
    _sessions, held, users, seats, statuses = _batch_facts(batch, now)
    held_seats: dict[int, list[int]] = {}  # grouped once: scanning every seat per person was quadratic
    for session_id, user_id in seats:
        if session_id in held:
            held_seats.setdefault(user_id, []).append(session_id)
    result = []
    for user in sorted(users.values(), key=lambda u: u.staff_no):
        mine = [statuses.get((session_id, user.id)) for session_id in held_seats.get(user.id, ())]
        recorded = [status for status in mine if status is not None]
        result.append(PersonRate(user, len(recorded), sum(1 for status in recorded if status in ATTENDED),
                                 len(mine) - len(recorded)))
    return result


def absentees(batch: Batch, now: datetime) -> list[tuple[User, list[str]]]:
    """People recorded absent or excused in a held session of a course who attended no other session of that
    course in the batch, with those course codes (in course order), by staff number. Unrecorded seats are
    not absences: their session waits for its roll (due_rolls)."""
    sessions, held, users, seats, statuses = _batch_facts(batch, now)
    by_id = {s.id: s for s in sessions}
    missed: dict[int, set[str]] = {}
    attended: dict[int, set[str]] = {}
    for session_id, user_id in seats:
        session = by_id[session_id]
        status = statuses.get((session_id, user_id))
        if status in ATTENDED:
            attended.setdefault(user_id, set()).add(session.course.code)
        elif status is not None and session_id in held:
            missed.setdefault(user_id, set()).add(session.course.code)
    order = {s.course.code: (s.course.position, s.course.code) for s in sessions}
    result = []
    for user in sorted(users.values(), key=lambda u: u.staff_no):
        codes = missed.get(user.id, set()) - attended.get(user.id, set())
        if codes:
            result.append((user, sorted(codes, key=order.__getitem__)))
    return result


# --- Sessions waiting for their roll ----------------------------------------------------------------

@dataclass(frozen=True)
class DueRoll:
    """A held session of a published batch in which some seat holders are not recorded yet."""

    session: TrainingSession
    seated: int
    unrecorded: int


def due_rolls(now: datetime, *, lecturer_id: int | None = None, batch_id: int | None = None) -> list[DueRoll]:
    """Held sessions with unrecorded seats (latest first): what their lecturer and the training office are
    shown until the roll is complete. `lecturer_id` / `batch_id` narrow the list."""
    missing = (
        select(Seat.session_id, func.count(Seat.user_id).label("seated"),
               func.sum(case((Attendance.id.is_(None), 1), else_=0)).label("unrecorded"))
        .outerjoin(Attendance, and_(Attendance.session_id == Seat.session_id, Attendance.user_id == Seat.user_id))
        .group_by(Seat.session_id).subquery()
    )
    query = (
        select(TrainingSession, missing.c.seated, missing.c.unrecorded)
        .join(missing, missing.c.session_id == TrainingSession.id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .where(missing.c.unrecorded > 0, Batch.status != BatchState.PLANNING, ended_by(now))
        .order_by(TrainingSession.day.desc(), TrainingSession.slot, TrainingSession.id)
    )
    if lecturer_id is not None:
        query = query.where(TrainingSession.lecturer_id == lecturer_id)
    if batch_id is not None:
        query = query.where(TrainingSession.batch_id == batch_id)
    return [DueRoll(session, seated, unrecorded) for session, seated, unrecorded in db.session.execute(query)]


def batch_courses(batch: Batch) -> list[Course]:
    """The courses taught in the batch, in course order."""
    seen = {s.course.id: s.course for s in batch.sessions}
    return sorted(seen.values(), key=lambda c: (c.position, c.code))
