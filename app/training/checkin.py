"""Check-in codes: the lecturer's screen shows a random 6-digit code (and a QR code of it) that rotates
before it expires; a collector types it on their phone and is recorded present, or late after
CHECKIN_LATE_MINUTES. A new code is issued once the shown one has used half its validity, so a code
someone is typing stays valid for at least half the period. Codes are shown, and check-ins accepted, only
in the session's attendance window (roll_window.py).
"""

import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError, Forbidden
from app.core.i18n import lazy_gettext as _l
from app.courses.naming import course_name
from app.extensions import db
from app.training.attendance import STATUS_WORDS, local_time, session_start
from app.training.models import Attendance, CheckinCode, Seat, TrainingSession
from app.training.permissions import can_take_attendance
from app.training.roll_window import window_of
from app.training.states import ATTENDED, AttendanceState, RecordedVia

CODE_DIGITS = 6
_CODE = re.compile(r"[0-9]{6}")


def validity() -> timedelta:
    return timedelta(seconds=current_app.config["CHECKIN_CODE_SECONDS"])


def code_window_error(session: TrainingSession, now: datetime) -> DomainError | None:
    """Why no code can be shown now (outside the session's attendance window), or None."""
    window = window_of(session)
    if window.phase(now) != "open":
        return DomainError(_l("Check-in codes for this session can be shown %(window)s.", window=window.text()))
    return None


def newest_code(session: TrainingSession) -> CheckinCode | None:
    return db.session.scalar(select(CheckinCode).where(CheckinCode.session_id == session.id)
                             .order_by(CheckinCode.issued_at.desc(), CheckinCode.id.desc()).limit(1))


def _fresh_code(now: datetime) -> str:
    """A random code no other currently valid code uses (so a code names one session)."""
    taken = set(db.session.scalars(select(CheckinCode.code).where(CheckinCode.expires_at > now)))
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if code not in taken:
            return code


def current_code(actor, session: TrainingSession, *, now: datetime, ip: str) -> CheckinCode:
    """The code to show now: the newest one while more than half its validity is left, else a new one."""
    if not can_take_attendance(actor, session):
        raise Forbidden(_l("Only the session's lecturer or the training office may show check-in codes."))
    error = code_window_error(session, now)
    if error is not None:
        raise error
    newest = newest_code(session)
    if newest is not None and newest.expires_at - now > validity() / 2:
        return newest
    code = CheckinCode(session_id=session.id, code=_fresh_code(now), issued_at=now, expires_at=now + validity(),
                       issued_by_id=actor.id)
    db.session.add(code)
    db.session.flush()
    record(actions.CHECKIN_CODE_ISSUED, actor=actor, ip=ip, now=now, target=session,
           details={"session_id": session.id, "expires_at": code.expires_at.isoformat()})
    return code


def normalise(text: str) -> str:
    """Full-width digits become ASCII (NFKC); spaces anywhere are dropped."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def check_in(user, text: str, *, now: datetime) -> Attendance:
    """Record `user` present (or late) at the session whose valid code they typed; refused when already recorded
    (a roll call's "absent" excepted: the person has arrived)."""
    code = normalise(text)
    if not _CODE.fullmatch(code):
        raise DomainError(_l("Enter the 6 digits shown on the lecturer's screen."), field="code")
    candidates = list(db.session.scalars(
        select(CheckinCode).where(CheckinCode.code == code, CheckinCode.expires_at > now,
                                  CheckinCode.issued_at <= now).order_by(CheckinCode.issued_at.desc())
    ))
    if not candidates:
        raise DomainError(_l("This code is wrong or has expired; ask the lecturer for the current code."),
                          field="code")
    seated = set(db.session.scalars(select(Seat.session_id).where(
        Seat.user_id == user.id, Seat.session_id.in_([c.session_id for c in candidates]))))
    chosen = next((c for c in candidates if c.session_id in seated), None)
    if chosen is None:
        session = db.session.get(TrainingSession, candidates[0].session_id)
        raise DomainError(_l("This code is for %(course)s, %(room)s; you are not seated in that session.",
                             course=course_name(session.course), room=session.room), field="code")
    session = db.session.get(TrainingSession, chosen.session_id)
    window = window_of(session)
    phase = window.phase(now)
    if phase == "early":
        raise DomainError(_l("Check-in for this session is open %(window)s; it has not opened yet.",
                             window=window.text()), field="code")
    if phase == "closed":
        raise DomainError(_l("Check-in for this session was open %(window)s and has closed; ask the lecturer to "
                             "record your attendance.", window=window.text()), field="code")
    existing = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                          Attendance.user_id == user.id))
    # Someone the roll call marked absent who then arrives checks in late; any other record stands.
    if existing is not None and existing.status != AttendanceState.ABSENT:
        raise Conflict(_l("You are already recorded as %(status)s at %(time)s.",
                          status=STATUS_WORDS[existing.status], time=local_time(existing.recorded_at)),
                       field="code")
    late_after = session_start(session) + timedelta(minutes=current_app.config["CHECKIN_LATE_MINUTES"])
    attendance = existing or Attendance(session_id=session.id, user_id=user.id, note="")
    attendance.status = AttendanceState.PRESENT if now <= late_after else AttendanceState.LATE
    attendance.via, attendance.recorded_at, attendance.recorded_by_id = RecordedVia.CODE, now, user.id
    db.session.add(attendance)
    db.session.flush()
    return attendance


def checked_in_count(session: TrainingSession) -> int:
    """How many are recorded present or late (by code or roll) so far."""
    return len(db.session.scalars(select(Attendance.id).where(
        Attendance.session_id == session.id, Attendance.status.in_(sorted(ATTENDED)))).all())
