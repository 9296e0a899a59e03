"""Make-up batches (补训): a new batch, outside any plan, for people who missed courses of a batch; each
member attends only the courses they missed (BatchMember.courses). It starts in planning: HR then adds its
sessions like any other batch.
"""

from datetime import date, datetime

from sqlalchemy import select

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError, Forbidden
from app.core.i18n import lazy_gettext as _l
from app.core.localtime import local_today
from app.extensions import db
from app.training.attendance import batch_courses
from app.training.models import Batch, BatchMember, Seat
from app.training.permissions import can_plan
from app.training.states import BatchState

MAX_NAME = 100


def default_name(original: Batch) -> str:
    return f"{original.name} 补训"[:MAX_NAME]


def create_makeup_batch(actor, original: Batch, *, name: str, starts_on: date | None, ends_on: date | None,
                        people: dict[int, list[str]], now: datetime, ip: str) -> Batch:
    """A planning batch with makeup_of=original whose members are `people` (user id → missed course codes)."""
    if not can_plan(actor):
        raise Forbidden(_l("Only the training office may create make-up batches."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the batch a name."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_l("The name is longer than %(max)d characters.", max=MAX_NAME), field="name")
    if db.session.scalar(select(Batch.id).where(Batch.name == name)) is not None:
        raise Conflict(_l("A batch named %(name)s already exists.", name=name), field="name")
    if starts_on is None or ends_on is None:
        raise DomainError(_l("Give the first and last day of the batch."), field="starts_on")
    if ends_on < starts_on:
        raise DomainError(_l("The last day comes before the first day."), field="ends_on")
    if starts_on < local_today(now):
        raise DomainError(_l("The first day has already passed."), field="starts_on")
    order = {course.code: position for position, course in enumerate(batch_courses(original))}
    seated = set(db.session.scalars(select(Seat.user_id).where(Seat.session_id.in_([s.id for s in original.sessions]))))
    chosen = {user_id: sorted(set(codes), key=lambda c: order.get(c, len(order)))
              for user_id, codes in people.items() if codes}
    if not chosen:
        raise DomainError(_l("Choose at least one person and course."))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(chosen)))}
    for user_id, codes in chosen.items():
        user = users.get(user_id)
        if user is None or user_id not in seated:
            raise DomainError(_l("%(staff)s was not trained in batch %(batch)s.",
                                 staff=user.staff_no if user else f"#{user_id}", batch=original.name))
        unknown = [code for code in codes if code not in order]
        if unknown:
            raise DomainError(_l("Batch %(batch)s has no course %(course)s.", batch=original.name,
                                 course=", ".join(unknown)))
    batch = Batch(name=name, starts_on=starts_on, ends_on=ends_on, status=BatchState.PLANNING, plan=None,
                  makeup_of=original, created_at=now, created_by_id=actor.id)
    db.session.add(batch)
    for user_id in sorted(chosen, key=lambda uid: users[uid].staff_no):
        batch.members.append(BatchMember(user_id=user_id, plan_id=None, courses=chosen[user_id], added_at=now,
                                         added_by_id=actor.id))
    db.session.flush()
    record(actions.MAKEUP_BATCH_CREATED, actor=actor, ip=ip, now=now, target=batch,
           details={"name": name, "makeup_of": original.id, "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(),
                    "members": {users[uid].staff_no: codes for uid, codes in chosen.items()}})
    return batch
