"""Declared leave (请假 / 不可参训日期): dates a person cannot be trained. Allocation keeps people out of
batches during their leave; leave declared after a person was placed is still recorded, and the caller
is told which batches it hits so HR can move the person."""

from datetime import date, datetime

from sqlalchemy import Select

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.extensions import db
from app.training.models import Batch, BatchMember, Unavailability
from app.training.states import BatchState

MAX_REASON = 200


def _details(row: Unavailability, user: User) -> dict:
    return {"staff_no": user.staff_no, "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "reason": row.reason}


def batches_during(user: User, starts_on: date, ends_on: date) -> list[Batch]:
    """Unfinished batches the person is a member of whose dates overlap the range."""
    return list(db.session.scalars(
        db.select(Batch).join(BatchMember, BatchMember.batch_id == Batch.id)
        .where(BatchMember.user_id == user.id, Batch.status != BatchState.FINISHED, Batch.starts_on <= ends_on,
               Batch.ends_on >= starts_on)
        .order_by(Batch.starts_on, Batch.id)
    ))


def add_unavailability(actor, user: User, *, starts_on: date, ends_on: date, reason: str, now: datetime,
                       ip: str) -> list[Batch]:
    """Record the leave; return the batches it overlaps that the person is already in (empty = none)."""
    if ends_on < starts_on:
        raise DomainError(_l("The last day cannot be before the first day."), field="ends_on")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is too long (at most %(count)d characters).", count=MAX_REASON),
                          field="reason")
    row = Unavailability(user_id=user.id, starts_on=starts_on, ends_on=ends_on, reason=reason, created_at=now,
                         created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    affected = batches_during(user, starts_on, ends_on)
    details = _details(row, user)
    if affected:
        details["batches"] = [batch.name for batch in affected]
    record(actions.UNAVAILABILITY_ADDED, actor=actor, ip=ip, now=now, target=row, details=details)
    return affected


def remove_unavailability(actor, row: Unavailability, *, now: datetime, ip: str) -> None:
    user = db.session.get(User, row.user_id)
    record(actions.UNAVAILABILITY_REMOVED, actor=actor, ip=ip, now=now, target=row, details=_details(row, user))
    db.session.delete(row)
    db.session.flush()


def leave_query(staff_no: str = "") -> Select:
    """Declared leave, latest first, optionally of one person (part of a staff no matches)."""
    statement = (db.select(Unavailability).join(User, User.id == Unavailability.user_id)
                 .order_by(Unavailability.starts_on.desc(), Unavailability.id.desc()))
    if staff_no:
        statement = statement.where(User.staff_no.contains(staff_no, autoescape=True))
    return statement
