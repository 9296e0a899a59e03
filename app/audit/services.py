"""Writing audit events. Callers pass the actor and address explicitly."""

from datetime import datetime

from app.audit.models import AuditEvent
from app.extensions import db


def record(action: str, **fields) -> AuditEvent:
    """Add one event (see `event`) and flush it."""
    added = event(action, **fields)
    db.session.add(added)
    db.session.flush()
    return added


def event(
    action: str,
    *,
    actor,
    ip: str,
    now: datetime,
    target=None,
    details: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """A new, unsaved event; batch writers add many and flush once. `target` is a model instance
    (its table and id are kept) or None. Never put passwords, tokens or answer keys in `details`.
    """
    return AuditEvent(
        at=now,
        actor_id=getattr(actor, "id", None),
        actor_staff_no=actor_label if actor_label is not None else getattr(actor, "staff_no", ""),
        ip=(ip or "")[:64],
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        details=details or {},
    )
