"""May a person sit a course's exams, as far as attendance goes (TRAINING_ATTENDANCE_RULE), and HR's waivers
(免考勤) that lift the rule for one person and course.

Only sessions that have ended count, in batches past planning, and in them only *recorded* attendance: a seat
nobody has recorded (a session scheduled after the fact, a roll left unfinished) bars no one until the roll is
recorded. Someone never seated in the course is not blocked (they may have learnt it by self-study). A missed
session is made up by attending the course later in a make-up batch (补训).
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError, Forbidden
from app.core.i18n import lazy_gettext as _l
from app.core.refusals import Refusal
from app.courses.models import Course
from app.extensions import db
from app.training.attendance import is_held, session_label
from app.training.models import Attendance, AttendanceWaiver, Batch, Seat, TrainingSession
from app.training.permissions import can_plan
from app.training.states import ATTENDED, BatchState

RULES = ("all", "any", "none")
MIN_REASON = 5
MAX_REASON = 500


def waiver_of(user, course: Course) -> AttendanceWaiver | None:
    return db.session.scalar(select(AttendanceWaiver).where(AttendanceWaiver.user_id == user.id,
                                                            AttendanceWaiver.course_id == course.id))


@dataclass(frozen=True)
class HeldSeat:
    """A seat in an ended session, with its recorded status (None: not recorded) and whether its batch is a
    make-up batch (补训)."""

    session: TrainingSession
    status: str | None
    makeup: bool


def _held_seats(user, course_ids, now: datetime) -> dict[int, list[HeldSeat]]:
    """{course id: the person's seats in ended sessions of that course (batches past planning)}, in one query
    for any number of courses: the exam list asks for every course it shows at once."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(TrainingSession, Attendance.status, Batch.makeup_of_id)
        .join(Seat, Seat.session_id == TrainingSession.id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .outerjoin(Attendance, (Attendance.session_id == TrainingSession.id) & (Attendance.user_id == user.id))
        .where(Seat.user_id == user.id, TrainingSession.course_id.in_(course_ids),
               Batch.status != BatchState.PLANNING)
        .order_by(TrainingSession.day, TrainingSession.slot, TrainingSession.id)
        .options(lazyload(TrainingSession.lecturer))
    ).all()
    held: dict[int, list[HeldSeat]] = {}
    for session, status, makeup_of_id in rows:
        if is_held(session, now):
            held.setdefault(session.course_id, []).append(HeldSeat(session, status, makeup_of_id is not None))
    return held


def held_sessions(user, course: Course, now: datetime) -> list[tuple[TrainingSession, str | None]]:
    """The person's seats in ended sessions of the course (batches past planning), with their recorded status
    (None: not recorded)."""
    return [(seat.session, seat.status) for seat in _held_seats(user, [course.id], now).get(course.id, [])]


def _missed(seats: list[HeldSeat], rule: str) -> list[TrainingSession]:
    """The sessions that bar the person under `rule` (empty: the rule is met)."""
    made_up = [seat.session for seat in seats if seat.status in ATTENDED and seat.makeup]
    # Recorded absences only: an unrecorded seat is not a missed session (nor, for "any", a barring one).
    missed = [seat.session for seat in seats if seat.status is not None and seat.status not in ATTENDED
              and not any(later.day > seat.session.day for later in made_up)]
    if rule == "any" and len(missed) < len(seats):
        return []
    return missed


def attendance_refusals(user, courses, now: datetime) -> dict[int, Refusal | None]:
    """{course id: Refusal("attendance", …) naming the missed sessions when the rule is not met, else None} for
    several courses in one or two queries (the seats, and the waivers only when someone missed)."""
    courses = {course.id: course for course in courses}
    rule = current_app.config["TRAINING_ATTENDANCE_RULE"]
    if rule == "none":
        return dict.fromkeys(courses)
    held = _held_seats(user, list(courses), now)
    missed = {course_id: _missed(seats, rule) for course_id, seats in held.items()}
    missed = {course_id: sessions for course_id, sessions in missed.items() if sessions}
    waived = set()
    if missed:
        waived = set(db.session.scalars(select(AttendanceWaiver.course_id).where(
            AttendanceWaiver.user_id == user.id, AttendanceWaiver.course_id.in_(list(missed)))))
    refusals: dict[int, Refusal | None] = dict.fromkeys(courses)
    for course_id, sessions in missed.items():
        if course_id in waived:
            continue
        names = "; ".join(session_label(session) for session in sessions)
        if rule == "any":
            message = _("You attended none of this course's training sessions (%(sessions)s), so you may not "
                        "sit its exam. Ask the training office about a make-up session or a waiver.", sessions=names)
        else:
            message = _("You missed training sessions of this course (%(sessions)s), so you may not sit its "
                        "exam. Ask the training office about a make-up session or a waiver.", sessions=names)
        refusals[course_id] = Refusal("attendance", message)
    return refusals


def attendance_refusal(user, course: Course, now: datetime) -> Refusal | None:
    """Refusal("attendance", …) naming the missed sessions when the rule is not met, else None."""
    return attendance_refusals(user, [course], now)[course.id]


def grant_waiver(actor, user, course: Course, reason: str, *, now: datetime, ip: str) -> AttendanceWaiver:
    """Let `user` sit `course`'s exams whatever their attendance; replaces an existing waiver's reason."""
    if not can_plan(actor):
        raise Forbidden(_l("Only the training office may waive attendance."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise DomainError(_l("Give a reason of at least %(min)d characters.", min=MIN_REASON), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is longer than %(max)d characters.", max=MAX_REASON), field="reason")
    waiver = waiver_of(user, course)
    previous = waiver.reason if waiver else None
    if waiver is None:
        waiver = AttendanceWaiver(user_id=user.id, course_id=course.id)
        db.session.add(waiver)
    waiver.reason, waiver.granted_at, waiver.granted_by_id = reason, now, actor.id
    db.session.flush()
    details = {"staff_no": user.staff_no, "course": course.code, "reason": reason}
    if previous is not None:
        details["previous_reason"] = previous
    record(actions.WAIVER_GRANTED, actor=actor, ip=ip, now=now, target=waiver, details=details)
    return waiver


def revoke_waiver(actor, waiver: AttendanceWaiver, *, now: datetime, ip: str) -> None:
    if not can_plan(actor):
        raise Forbidden(_l("Only the training office may waive attendance."))
    person = db.session.get(User, waiver.user_id)
    course = db.session.get(Course, waiver.course_id)
    record(actions.WAIVER_REVOKED, actor=actor, ip=ip, now=now, target=waiver,
           details={"staff_no": person.staff_no if person else None, "course": course.code if course else None,
                    "reason": waiver.reason})
    db.session.delete(waiver)
    db.session.flush()
