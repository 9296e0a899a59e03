"""Batches (期): creating and editing them, and their life: planning → scheduled (published: seats are
filled and members see it) → running → finished. Publishing can be undone until attendance is taken; that
removes the seats, so members' subscribed calendars get the events cancelled (app.training.calendar_changes)."""

from datetime import date, datetime

from flask_babel import gettext as _

from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.localtime import local_today
from app.extensions import db
from app.training import calendar_changes, seating
from app.training.models import Attendance, Batch, TrainingSession
from app.training.seating import session_label
from app.training.states import BatchState

MAX_NAME = 100
STATUS_LABELS = {
    BatchState.PLANNING: _l("Planning"),
    BatchState.SCHEDULED: _l("Published"),
    BatchState.RUNNING: _l("Running"),
    BatchState.FINISHED: _l("Finished"),
}
ACTION_LABELS = {
    "publish": _l("Publish"),
    "unpublish": _l("Back to planning"),
    "start": _l("Start"),
    "finish": _l("Finish"),
}
# action → (from, to)
TRANSITIONS = {
    "publish": (BatchState.PLANNING, BatchState.SCHEDULED),
    "unpublish": (BatchState.SCHEDULED, BatchState.PLANNING),
    "start": (BatchState.SCHEDULED, BatchState.RUNNING),
    "finish": (BatchState.RUNNING, BatchState.FINISHED),
}


def allowed_actions(batch: Batch) -> list[str]:
    return [action for action, (source, _target) in TRANSITIONS.items() if source == batch.status]


def _clean(name: str, starts_on: date | None, ends_on: date | None, capacity: int | None,
           batch: Batch | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Enter the batch name."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_("The batch name is too long."), field="name")
    if starts_on is None or ends_on is None:
        raise DomainError(_("Enter the first and last day."), field="starts_on")
    if ends_on < starts_on:
        raise DomainError(_("The last day comes before the first day."), field="ends_on")
    if capacity is not None and capacity < 1:
        raise DomainError(_("The capacity must be at least 1."), field="capacity")
    query = db.select(Batch.id).where(Batch.name == name)
    if batch is not None:
        query = query.where(Batch.id != batch.id)
    if db.session.scalar(query) is not None:
        raise Conflict(_("A batch named %(name)s already exists.", name=name), field="name")
    return name


def _details(batch: Batch) -> dict:
    return {"name": batch.name, "starts_on": batch.starts_on.isoformat(), "ends_on": batch.ends_on.isoformat(),
            "capacity": batch.capacity, "plan": batch.plan.name if batch.plan else None}


def create_batch(actor, *, name: str, starts_on: date, ends_on: date, capacity: int | None, plan=None,
                 now: datetime, ip: str) -> Batch:
    name = _clean(name, starts_on, ends_on, capacity)
    batch = Batch(name=name, starts_on=starts_on, ends_on=ends_on, capacity=capacity, plan=plan,
                  status=BatchState.PLANNING, created_at=now, created_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    record(actions.BATCH_CREATED, actor=actor, ip=ip, now=now, target=batch, details=_details(batch))
    return batch


def update_batch(actor, batch: Batch, *, name: str, starts_on: date, ends_on: date, capacity: int | None,
                 now: datetime, ip: str) -> bool:
    """Rename, move or resize a batch; False when nothing changed. Sessions must stay inside its dates."""
    name = _clean(name, starts_on, ends_on, capacity, batch)
    if batch.status == BatchState.FINISHED and (starts_on, ends_on) != (batch.starts_on, batch.ends_on):
        raise DomainError(_("Batch %(batch)s is finished; its dates can no longer change.", batch=batch.name))
    for session in batch.sessions:
        if not starts_on <= session.day <= ends_on:
            raise DomainError(_("Session %(session)s would fall outside the new dates; move or delete it first.",
                                session=session_label(session)), field="starts_on")
    before = _details(batch)
    batch.name, batch.starts_on, batch.ends_on, batch.capacity = name, starts_on, ends_on, capacity
    after = _details(batch)
    if after == before:
        return False
    if after["name"] != before["name"]:  # every event's summary names the batch
        for session in batch.sessions:
            calendar_changes.touch(session, now)
    db.session.flush()
    record(actions.BATCH_UPDATED, actor=actor, ip=ip, now=now, target=batch,
           details={"before": before, "after": after})
    return True


def has_attendance(batch: Batch) -> bool:
    return db.session.scalar(
        db.select(Attendance.id).join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(TrainingSession.batch_id == batch.id).limit(1)
    ) is not None


def delete_batch(actor, batch: Batch, now: datetime, ip: str) -> None:
    if batch.status != BatchState.PLANNING:
        raise DomainError(_("Only a batch in planning can be deleted; %(batch)s is %(status)s.", batch=batch.name,
                            status=str(STATUS_LABELS[batch.status])))
    if has_attendance(batch):
        raise DomainError(_("Batch %(batch)s has attendance records and cannot be deleted.", batch=batch.name))
    makeup = db.session.scalar(db.select(Batch).where(Batch.makeup_of_id == batch.id).limit(1))
    if makeup is not None:
        raise DomainError(_("Batch %(makeup)s is a make-up of %(batch)s; delete it first.", makeup=makeup.name,
                            batch=batch.name))
    record(actions.BATCH_DELETED, actor=actor, ip=ip, now=now, target=batch,
           details={**_details(batch), "members": len(batch.members), "sessions": len(batch.sessions)})
    db.session.delete(batch)
    db.session.flush()


def change_status(actor, batch: Batch, action: str, now: datetime, ip: str) -> None:
    if action not in TRANSITIONS:
        raise DomainError(_("Unknown action."))
    source, target = TRANSITIONS[action]
    if batch.status != source:
        raise DomainError(_("%(action)s is not possible: batch %(batch)s is %(status)s.",
                            action=str(ACTION_LABELS[action]), batch=batch.name,
                            status=str(STATUS_LABELS[batch.status])))
    today = local_today(now)
    if action == "publish":
        if not batch.sessions:
            raise DomainError(_("Batch %(batch)s has no sessions yet; schedule at least one before publishing.",
                                batch=batch.name))
        if not batch.members:
            raise DomainError(_("Batch %(batch)s has nobody allocated yet; allocate staff before publishing.",
                                batch=batch.name))
        seating.seat_batch(batch, now=now)
        batch.published_at = now
    elif action == "unpublish":
        if has_attendance(batch):
            raise DomainError(_("Attendance was already taken in batch %(batch)s; it cannot go back to planning.",
                                batch=batch.name))
        seating.clear_seats(batch, now=now)
        batch.published_at = None
    elif action == "start":
        if today < batch.starts_on:
            raise DomainError(_("Batch %(batch)s starts on %(day)s; it cannot start earlier.", batch=batch.name,
                                day=batch.starts_on.isoformat()))
    elif action == "finish":
        last = max((session.day for session in batch.sessions), default=batch.starts_on)
        if today < last:
            raise DomainError(_("The last session of batch %(batch)s is on %(day)s; it cannot finish earlier.",
                                batch=batch.name, day=last.isoformat()))
    batch.status = target
    db.session.flush()
    record(actions.BATCH_STATUS_CHANGED, actor=actor, ip=ip, now=now, target=batch,
           details={"action": action, "from": source, "to": target})
