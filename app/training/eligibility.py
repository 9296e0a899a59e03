"""May a person sit a course's exams, as far as attendance goes (TRAINING_ATTENDANCE_RULE), and HR's waivers
(免考勤) that lift the rule for one person and course.

Only sessions that have ended count, in batches past planning, and in them only *recorded* attendance: a seat
nobody has recorded (a session scheduled after the fact, a roll left unfinished) bars no one until the roll is
recorded. Someone never seated in the course is not blocked (they may have learnt it by self-study). A missed
session is made up by attending the course later in a make-up batch (补训).
"""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

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


def held_sessions(user, course: Course, now: datetime) -> list[tuple[TrainingSession, str | None]]:
    """The person's seats in ended sessions of the course (batches past planning), with their recorded status
    (None: not recorded)."""
    sessions = db.session.scalars(
        select(TrainingSession).join(Seat, Seat.session_id == TrainingSession.id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .where(Seat.user_id == user.id, TrainingSession.course_id == course.id, Batch.status != BatchState.PLANNING)
        .order_by(TrainingSession.day, TrainingSession.slot, TrainingSession.id)
    ).all()
    held = [s for s in sessions if is_held(s, now)]
    if not held:
        return []
    statuses = dict(db.session.execute(select(Attendance.session_id, Attendance.status).where(
        Attendance.user_id == user.id, Attendance.session_id.in_([s.id for s in held]))).all())
    return [(s, statuses.get(s.id)) for s in held]


def attendance_refusal(user, course: Course, now: datetime) -> Refusal | None:
    """Refusal("attendance", …) naming the missed sessions when the rule is not met, else None."""
    rule = current_app.config["TRAINING_ATTENDANCE_RULE"]
    if rule == "none":
        return None
    seats = held_sessions(user, course, now)
    if not seats:
        return None
    made_up = [session for session, status in seats if status in ATTENDED and session.batch.makeup_of_id is not None]
    # Recorded absences only: an unrecorded seat is not a missed session (nor, for "any", a barring one).
    missed = [session for session, status in seats if status is not None and status not in ATTENDED
              and not any(later.day > session.day for later in made_up)]
    if not missed:
        return None
    if rule == "any" and len(missed) < len(seats):
        return None
    if waiver_of(user, course) is not None:
        return None
    names = "; ".join(session_label(session) for session in missed)
    if rule == "any":
        message = _("You attended none of this course's training sessions (%(sessions)s), so you may not sit "
                    "its exam. Ask the training office about a make-up session or a waiver.", sessions=names)
    else:
        message = _("You missed training sessions of this course (%(sessions)s), so you may not sit its exam. "
                    "Ask the training office about a make-up session or a waiver.", sessions=names)
    return Refusal("attendance", message)


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
