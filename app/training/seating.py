"""Seats: which session of each course every member of a published batch attends.

A course may run in parallel rooms (two sessions of the same course), so each member gets a seat in one
session per course they attend, in a session that has room, not on a day they are on leave, and not at
the same time as another seat they hold (in this batch or another). Existing seats are kept when still
valid, because attendance refers to them; seats with attendance are never dropped. Every seat taken away or
given is reported to app.training.calendar_changes, so subscribed calendars cancel or restore the event.
"""

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _

from app.core.errors import Conflict
from app.courses.naming import course_name
from app.extensions import db
from app.training import calendar_changes
from app.training.models import Attendance, Batch, Seat, TrainingSession, Unavailability
from app.training.slots import overlaps
from app.training.states import Slot


def session_label(session: TrainingSession) -> str:
    """'第1期 · 相关法律、法规知识 · 2026-05-04 上午' — how messages name a session."""
    return _("%(batch)s · %(course)s · %(day)s %(slot)s", batch=session.batch.name, course=course_name(session.course),
             day=session.day.isoformat(), slot=slot_name(session.slot))


def slot_name(slot: str) -> str:
    return {Slot.AM: _("morning"), Slot.PM: _("afternoon"), Slot.FULL: _("full day")}.get(slot, slot)


def attended_courses(member, sessions_by_course: dict[int, list[TrainingSession]]) -> list[int]:
    """Course ids the member attends here: their listed codes, or every course the batch teaches."""
    course_ids = sorted(sessions_by_course, key=lambda cid: (sessions_by_course[cid][0].course.position, cid))
    if member.courses is None:
        return course_ids
    wanted = set(member.courses)
    return [cid for cid in course_ids if sessions_by_course[cid][0].course.code in wanted]


def _leave_by_user(user_ids) -> dict[int, list[Unavailability]]:
    leave = defaultdict(list)
    if user_ids:
        for row in db.session.scalars(db.select(Unavailability).where(Unavailability.user_id.in_(user_ids))):
            leave[row.user_id].append(row)
    return leave


def _seats_elsewhere(batch: Batch, user_ids) -> dict[int, list[TrainingSession]]:
    held = defaultdict(list)
    if user_ids:
        rows = db.session.execute(
            db.select(Seat.user_id, TrainingSession).join(TrainingSession, TrainingSession.id == Seat.session_id)
            .where(Seat.user_id.in_(user_ids), TrainingSession.batch_id != batch.id)
        )
        for user_id, session in rows:
            held[user_id].append(session)
    return held


def _on_leave(leave_rows, session: TrainingSession):
    return next((row for row in leave_rows if row.starts_on <= session.day <= row.ends_on), None)


def _clash(held, session: TrainingSession):
    return next((other for other in held if other.id != session.id
                 and overlaps(other.day, other.slot, session.day, session.slot)), None)


def seat_batch(batch: Batch, *, now: datetime) -> None:
    """Give every member a valid seat per course they attend; raise Conflict listing every problem."""
    sessions = list(batch.sessions)
    by_course: dict[int, list[TrainingSession]] = defaultdict(list)
    for session in sessions:
        by_course[session.course_id].append(session)
    members = {member.user_id: member for member in batch.members}
    user_of = {member.user_id: member.user for member in batch.members}
    session_ids = [session.id for session in sessions]
    attended = set()
    if session_ids:
        attended = {(session_id, user_id) for session_id, user_id in db.session.execute(
            db.select(Attendance.session_id, Attendance.user_id).where(Attendance.session_id.in_(session_ids))
        )}
    problems: list[str] = []
    removed: set[tuple[int, TrainingSession]] = set()
    added: set[tuple[int, TrainingSession]] = set()

    # Keep seats that are still wanted and valid; drop the rest (never one with attendance).
    wanted = {user_id: set(attended_courses(member, by_course)) for user_id, member in members.items()}
    leave = _leave_by_user(list(members))
    elsewhere = _seats_elsewhere(batch, list(members))
    kept: dict[tuple[int, int], TrainingSession] = {}  # (user, course) → session
    held: dict[int, list[TrainingSession]] = {user_id: list(elsewhere[user_id]) for user_id in members}
    taken: dict[int, int] = defaultdict(int)
    seats = sorted(((seat, session) for session in sessions for seat in session.seats),
                   key=lambda pair: ((pair[1].id, pair[0].user_id) not in attended, pair[1].id, pair[0].user_id))
    for seat, session in seats:
        user_id, has_attendance = seat.user_id, (session.id, seat.user_id) in attended
        if user_id not in members:
            if has_attendance:
                problems.append(_("%(person)s has attendance in %(session)s and cannot leave the batch.",
                                  person=_person(seat.user), session=session_label(session)))
                continue
        elif has_attendance or (
            session.course_id in wanted[user_id] and (user_id, session.course_id) not in kept
            and taken[session.id] < session.capacity and _on_leave(leave[user_id], session) is None
            and _clash(held[user_id], session) is None
        ):
            kept.setdefault((user_id, session.course_id), session)
            held[user_id].append(session)
            taken[session.id] += 1
            continue
        session.seats.remove(seat)
        removed.add((user_id, session))

    # Enough seats for everybody who attends each course?
    short = set()
    for course_id, course_sessions in by_course.items():
        people = sum(1 for user_id in members if course_id in wanted[user_id])
        room = sum(session.capacity for session in course_sessions)
        if people > room:
            short.add(course_id)
            problems.append(_("Course %(course)s in batch %(batch)s has %(people)d people but %(seats)d seats.",
                              course=course_name(course_sessions[0].course), batch=batch.name, people=people, seats=room))

    for user_id in sorted(members, key=lambda uid: user_of[uid].staff_no):
        missing = [cid for cid in sorted(wanted[user_id], key=lambda cid: (len(by_course[cid]), cid))
                   if (user_id, cid) not in kept and cid not in short]
        if not missing:
            continue
        plan = _place(missing, by_course, held[user_id], leave[user_id], taken)
        if plan is None:
            problems.append(_explain(user_of[user_id], missing, by_course, held[user_id], leave[user_id], taken))
            continue
        for session in plan.values():
            session.seats.append(Seat(user_id=user_id))
            added.add((user_id, session))
            held[user_id].append(session)
            taken[session.id] += 1
    if problems:
        raise Conflict(" ".join(problems))
    db.session.flush()
    calendar_changes.seats_changed(removed, added, now)


def _candidates(course_id, by_course, held, leave_rows, taken):
    free = [s for s in by_course[course_id] if taken[s.id] < s.capacity and _on_leave(leave_rows, s) is None
            and _clash(held, s) is None]
    # Most free room first, so parallel rooms fill evenly.
    return sorted(free, key=lambda s: (-(s.capacity - taken[s.id]), s.day, s.slot, s.id))


def _place(course_ids, by_course, held, leave_rows, taken):
    """One session per course for one person, searching all combinations (a person has few courses)."""
    if not course_ids:
        return {}
    first, rest = course_ids[0], course_ids[1:]
    for session in _candidates(first, by_course, held, leave_rows, taken):
        found = _place(rest, by_course, [*held, session], leave_rows, taken)
        if found is not None:
            return {first: session, **found}
    return None


def _person(user) -> str:
    return f"{user.staff_no} {user.name}"


def _explain(user, course_ids, by_course, held, leave_rows, taken) -> str:
    """Why one person cannot be seated: the first course (in greedy order) that has no usable session."""
    held = list(held)
    for course_id in course_ids:
        found = _candidates(course_id, by_course, held, leave_rows, taken)
        if found:
            held.append(found[0])
            continue
        options = by_course[course_id]
        for session in options:
            leave = _on_leave(leave_rows, session)
            if leave is not None:
                return _("%(person)s is on leave on %(day)s (session %(session)s).", person=_person(user),
                         day=session.day.isoformat(), session=session_label(session))
        for session in options:
            other = _clash(held, session)
            if other is not None:
                return _("%(person)s would be in two sessions at once: %(first)s and %(second)s.",
                         person=_person(user), first=session_label(other), second=session_label(session))
        return _("No session of %(course)s has a free seat for %(person)s.", course=course_name(options[0].course),
                 person=_person(user))
    return _("%(person)s cannot be given a seat in every course.", person=_person(user))


def clear_seats(batch: Batch, *, now: datetime) -> None:
    """Remove every seat of the batch (back to planning); callers check there is no attendance first."""
    removed = {(seat.user_id, session) for session in batch.sessions for seat in session.seats}
    for session in batch.sessions:
        session.seats.clear()
    db.session.flush()
    calendar_changes.seats_changed(removed, set(), now)
