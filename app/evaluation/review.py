"""HR's review of a batch's evaluations: overriding one person's outcome (with a reason), signing off
(which locks the batch's evaluations) and reopening (with a reason). Every act is audited."""

from datetime import datetime

from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.evaluation.computing import ensure_open, signoff_of
from app.evaluation.models import Evaluation, EvaluationSignoff
from app.evaluation.states import Outcome
from app.extensions import db
from app.training.models import Batch

MAX_REASON = 500


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is too long (at most %(count)d characters).", count=MAX_REASON),
                          field="reason")
    return reason


def override(actor, evaluation: Evaluation, outcome: str | None, reason: str, *, now: datetime,
             ip: str) -> None:
    """Set HR's outcome for one person (None: back to the computed outcome)."""
    ensure_open(evaluation.batch)
    if outcome is not None and outcome not in set(Outcome) or outcome == Outcome.PENDING:
        raise DomainError(_l("Choose an outcome."), field="outcome")
    reason = _reason(reason)
    old = evaluation.final_outcome
    evaluation.override_outcome = None if outcome == evaluation.outcome else outcome
    evaluation.override_reason = reason if evaluation.override_outcome else ""
    evaluation.overridden_at = now if evaluation.override_outcome else None
    evaluation.overridden_by_id = actor.id if evaluation.override_outcome else None
    db.session.flush()
    record(actions.EVALUATION_OVERRIDDEN, actor=actor, ip=ip, now=now, target=evaluation,
           details={"batch": evaluation.batch.name, "staff_no": evaluation.user.staff_no, "old": old,
                    "new": evaluation.final_outcome, "computed": evaluation.outcome, "reason": reason})


def sign_off(actor, batch: Batch, *, now: datetime, ip: str) -> EvaluationSignoff:
    ensure_open(batch)
    evaluations = list(db.session.scalars(db.select(Evaluation).where(Evaluation.batch_id == batch.id)))
    if not evaluations:
        raise Conflict(_l("Compute the evaluations before signing them off."))
    pending = sum(1 for e in evaluations if e.final_outcome == Outcome.PENDING)
    if pending:
        raise Conflict(_l("%(count)d people still have answers waiting to be graded; grade them and "
                          "recompute before signing off.", count=pending))
    signoff = EvaluationSignoff(batch_id=batch.id, signed_at=now, signed_by_id=actor.id)
    db.session.add(signoff)
    db.session.flush()
    record(actions.EVALUATIONS_SIGNED_OFF, actor=actor, ip=ip, now=now, target=batch,
           details={"batch": batch.name, "people": len(evaluations)})
    return signoff


def reopen(actor, batch: Batch, reason: str, *, now: datetime, ip: str) -> None:
    signoff = signoff_of(batch)
    if signoff is None:
        raise Conflict(_l("The evaluations of %(batch)s are not signed off.", batch=batch.name))
    reason = _reason(reason)
    record(actions.EVALUATIONS_REOPENED, actor=actor, ip=ip, now=now, target=batch,
           details={"batch": batch.name, "signed_at": signoff.signed_at.isoformat(), "reason": reason})
    db.session.delete(signoff)
    db.session.flush()
