"""Computing a training batch's evaluations from exam results and attendance.

A batch's exams are the exams that admit the batch (the exam's candidates include "members of batch …"),
not drafts, and the make-up exams of those; each counts with the person's result for it
(app/exams/results.py). Earlier periods are the batches that started before this one under another training
plan (a batch without a plan is a period of its own).
"""

from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import lazyload

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict
from app.core.i18n import lazy_gettext as _l
from app.courses.models import Course
from app.evaluation.models import Evaluation, EvaluationScheme, EvaluationSignoff
from app.evaluation.schemes import scheme_in_force
from app.evaluation.scoring import CENT, Rules, Sitting, evaluate, percent
from app.exams.models import AudienceEntry, Exam
from app.exams.results import results_of
from app.exams.states import ExamState
from app.extensions import db
from app.training import attendance
from app.training.models import Batch, BatchMember


def signoff_of(batch: Batch) -> EvaluationSignoff | None:
    return db.session.scalar(db.select(EvaluationSignoff).where(EvaluationSignoff.batch_id == batch.id))


def ensure_open(batch: Batch) -> None:
    if signoff_of(batch) is not None:
        raise Conflict(_l("The evaluations of %(batch)s are signed off; reopen them first.", batch=batch.name))


def batch_exams(batch: Batch, codes) -> tuple[dict[int, str], set[int]]:
    """({exam id: course code} for the batch's regular and make-up exams, {make-up exam ids})."""
    regular = db.session.execute(
        db.select(Exam.id, Course.code).join(Course, Course.id == Exam.course_id)
        .join(AudienceEntry, AudienceEntry.exam_id == Exam.id)
        .where(AudienceEntry.batch_id == batch.id, Exam.makeup_of_id.is_(None), Exam.status != ExamState.DRAFT,
               Course.code.in_(list(codes)))
    ).all()
    exams: dict[int, str] = dict(regular)
    makeups = db.session.execute(
        db.select(Exam.id, Exam.makeup_of_id).where(Exam.makeup_of_id.in_(list(exams)), Exam.status != ExamState.DRAFT)
    ).all() if exams else []
    for exam_id, original in makeups:
        exams[exam_id] = exams[original]
    return exams, {exam_id for exam_id, _original in makeups}


def sittings_of(user_ids, exams: dict[int, str], makeups: set[int]) -> dict[int, dict[str, list[Sitting]]]:
    """Each person's result for each of the exams (app/exams/results.py), by person and course code."""
    found: dict[int, dict[str, list[Sitting]]] = defaultdict(lambda: defaultdict(list))
    if not exams or not user_ids:
        return found
    pass_marks = dict(db.session.execute(db.select(Exam.id, Exam.pass_mark).where(Exam.id.in_(list(exams)))).all())
    for (user_id, exam_id), result in results_of(exam_ids=list(exams), user_ids=list(user_ids)).items():
        found[user_id][exams[exam_id]].append(Sitting(
            percent=result.percent if not result.pending else None, passed=result.passed,
            pass_percent=percent(pass_marks[exam_id], result.max_score), makeup=exam_id in makeups,
            attempt_id=result.attempt_id, waiting=result.waiting))
    return found


def attendance_percents(batch: Batch, now: datetime) -> dict[int, Decimal]:
    """Attended of recorded sessions held so far, as the batch attendance page counts them (an unrecorded
    seat is no absence); no figure for someone with nothing recorded yet."""
    return {rate.user.id: (Decimal(rate.attended) * 100 / rate.recorded).quantize(CENT, ROUND_HALF_UP)
            for rate in attendance.rates(batch, now) if rate.recorded}


def failed_periods_before(batch: Batch, user_ids) -> dict[int, int]:
    """Consecutive failed periods just before this batch's period, per person."""
    rows = db.session.execute(
        db.select(Evaluation.user_id, Evaluation.failed, Batch.plan_id, Batch.id)
        .join(Batch, Batch.id == Evaluation.batch_id)
        .where(Evaluation.user_id.in_(list(user_ids)), Batch.starts_on < batch.starts_on, Batch.id != batch.id)
        .order_by(Evaluation.user_id, Batch.starts_on.desc(), Batch.id.desc())
    ).all() if user_ids else []
    periods: dict[int, list[tuple[object, bool]]] = defaultdict(list)
    for user_id, failed, plan_id, batch_id in rows:
        period = ("plan", plan_id) if plan_id is not None else ("batch", batch_id)
        if batch.plan_id is not None and period == ("plan", batch.plan_id):
            continue
        if not periods[user_id] or periods[user_id][-1][0] != period:
            periods[user_id].append((period, failed))
    counts = {}
    for user_id, history in periods.items():
        count = 0
        for _period, failed in history:
            if not failed:
                break
            count += 1
        counts[user_id] = count
    return counts


def member_ids(batch: Batch) -> list[int]:
    """The members' ids by staff number (ids only: a batch of 5,000 need not load its people to evaluate them)."""
    return list(db.session.scalars(
        db.select(User.id).join(BatchMember, BatchMember.user_id == User.id)
        .where(BatchMember.batch_id == batch.id).order_by(User.staff_no)
    ))


def compute_batch(actor, batch: Batch, *, now: datetime, ip: str) -> list[Evaluation]:
    """(Re)compute everyone's evaluation in the batch with the scheme in force. HR overrides stay in place
    (the computed outcome beside them is refreshed); people no longer in the batch lose theirs."""
    ensure_open(batch)
    scheme: EvaluationScheme = scheme_in_force(actor, now=now, ip=ip)
    rules: Rules = scheme.rules
    ids = member_ids(batch)
    exams, makeups = batch_exams(batch, rules.weights)
    sittings = sittings_of(ids, exams, makeups)
    present = attendance_percents(batch, now)
    before = failed_periods_before(batch, ids)
    # The rows only: their person, batch and scheme (joined by default) are not read here.
    existing = {e.user_id: e for e in db.session.scalars(
        db.select(Evaluation).where(Evaluation.batch_id == batch.id)
        .options(lazyload(Evaluation.user), lazyload(Evaluation.batch), lazyload(Evaluation.scheme)))}
    members = set(ids)
    for user_id, stale in existing.items():
        if user_id not in members:
            db.session.delete(stale)
    results = []
    for user_id in ids:
        result = evaluate(rules, sittings.get(user_id, {}), present.get(user_id), before.get(user_id, 0))
        row = existing.get(user_id) or Evaluation(batch_id=batch.id, user_id=user_id)
        row.scheme = scheme
        row.courses = {code: course.as_dict() for code, course in result.courses.items()}
        row.attendance = result.attendance
        row.attendance_met = result.attendance_met
        row.total = result.total
        row.rating = result.rating
        row.failed = result.failed
        row.outcome = result.outcome
        row.reasons = result.reasons
        row.computed_at = now
        db.session.add(row)
        results.append(row)
    db.session.flush()
    record(actions.EVALUATIONS_COMPUTED, actor=actor, ip=ip, now=now, target=batch,
           details={"batch": batch.name, "people": len(results), "scheme_version": scheme.version,
                    "exams": sorted(exams)})
    return results
