"""Regrading a question whose key was wrong (rekey with the question's newer version) or voiding it.

A regrade is planned first (a dry run that changes nothing and lists whose score would change), then applied:
the `Regrade` row makes every later grading of that version (a late submit, a re-grade by hand) keep applying it.
Only submitted attempts are regraded here; an attempt in progress picks the regrade up at submit
(app.exams.grading.grade_attempt reads the exam's regrades). Every changed score is audited with old → new
(docs/security.md §33).

Services flush, never commit.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.banks import registry
from app.banks.models import QuestionVersion
from app.banks.registry import money
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.exams.grading import attempt_items, grade_item, regrades_of, update_totals
from app.exams.marking import points_text, versions_on_papers
from app.exams.models import Attempt, Exam, PaperItem, Regrade
from app.exams.policies import multiple_policy
from app.exams.states import AttemptState, RegradeAction
from app.extensions import db

REKEY, VOID = RegradeAction.REKEY, RegradeAction.VOID
ACTIONS = tuple(RegradeAction)


def rekey_refusal(version: QuestionVersion):
    """Why the question's current version cannot regrade `version` (a lazy message), or None if it can."""
    current = version.question.current
    if current is None or current.id == version.id:
        return _l("The question has no newer version in its bank: correct the key there first.")
    if current.type != version.type:
        return _l("The question's current version is of another type, so it cannot grade these answers.")
    return registry.get(version.type).regrade_refusal(version, current)


@dataclass(frozen=True)
class _Proposal:
    """A regrade not stored yet: what grade_item reads of a Regrade."""

    action: RegradeAction
    key_version: QuestionVersion | None


@dataclass(frozen=True)
class AttemptChange:
    """One attempt the regrade changes: the question's points on it, the total and pass/fail (a total
    stays None while a short answer waits for a person)."""

    attempt: Attempt
    old_score: Decimal | None
    new_score: Decimal | None
    old_passed: bool | None
    new_passed: bool | None
    item_old: Decimal | None = None
    item_new: Decimal | None = None


@dataclass
class RegradePlan:
    exam: Exam
    version: QuestionVersion
    action: str
    key_version: QuestionVersion | None
    attempts: int = 0  # submitted attempts carrying the version
    changes: list[AttemptChange] = field(default_factory=list)  # those whose points on it or total change


def _proposal(version: QuestionVersion, action: str) -> _Proposal:
    if action not in ACTIONS:
        raise DomainError(_l("Choose how to regrade the question."), field="action")
    if action == VOID:
        return _Proposal(VOID, None)
    refused = rekey_refusal(version)
    if refused is not None:
        raise DomainError(refused, field="action")
    return _Proposal(REKEY, version.question.current)


def _submitted_attempts_with(exam: Exam, version: QuestionVersion) -> list[Attempt]:
    ids = select(PaperItem.attempt_id).where(PaperItem.version_id == version.id)
    return list(db.session.scalars(
        select(Attempt).join(User, User.id == Attempt.user_id)
        .where(Attempt.exam_id == exam.id, Attempt.status == AttemptState.SUBMITTED, Attempt.id.in_(ids))
        .order_by(User.staff_no, Attempt.number)
    ))


def _new_item_grades(attempt: Attempt, version: QuestionVersion, proposal, policy):
    """The attempt's items and, for those of `version`, the grade the proposal gives them."""
    items = attempt_items(attempt)
    return items, {item.id: grade_item(item, policy, proposal) for item in items if item.version_id == version.id}


def _totals(items: list[PaperItem], new_scores: dict[int, Decimal | None], pass_mark) -> tuple:
    scores = [new_scores.get(item.id, item.score) for item in items]
    if any(score is None for score in scores):
        return None, None
    total = money(sum((Decimal(s) for s in scores), start=Decimal(0)))
    return total, total >= pass_mark


def _item_scores(items: list[PaperItem], grades: dict) -> tuple[Decimal | None, Decimal | None]:
    """The version's points on the paper before and after (a question is on a paper at most once)."""
    item = next(item for item in items if item.id in grades)
    return item.score, grades[item.id].score


def plan_regrade(exam: Exam, version: QuestionVersion, action: str) -> RegradePlan:
    """The dry run: every submitted attempt whose score or pass/fail the regrade would change. Changes nothing."""
    proposal = _proposal(version, action)
    plan = RegradePlan(exam, version, proposal.action, proposal.key_version)
    policy = multiple_policy(exam)
    for attempt in _submitted_attempts_with(exam, version):
        plan.attempts += 1
        items, grades = _new_item_grades(attempt, version, proposal, policy)
        new_score, new_passed = _totals(items, {i: g.score for i, g in grades.items()}, exam.pass_mark)
        item_old, item_new = _item_scores(items, grades)
        if new_score != attempt.score or new_passed != attempt.passed or item_old != item_new:
            plan.changes.append(AttemptChange(attempt, attempt.score, new_score, attempt.passed, new_passed,
                                              item_old, item_new))
    return plan


def apply_regrade(actor, exam: Exam, version: QuestionVersion, action: str, *, reason: str, now: datetime,
                  ip: str) -> RegradePlan:
    """Store the regrade (one per exam and version) and regrade every submitted attempt that has the version.

    One ATTEMPT_REGRADED per attempt whose score changed (the question's points on it, hence the total once
    graded), one REGRADE_APPLIED; applying the same regrade again changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for the regrade."), field="reason")
    proposal = _proposal(version, action)
    key_version_id = proposal.key_version.id if proposal.key_version is not None else None
    regrade = db.session.scalar(select(Regrade).where(Regrade.exam_id == exam.id, Regrade.version_id == version.id))
    previous = None
    if regrade is None:
        regrade = Regrade(exam_id=exam.id, version_id=version.id)
        db.session.add(regrade)
    else:
        previous = {"action": regrade.action, "key_version_id": regrade.key_version_id}
    regrade.action, regrade.key_version_id = proposal.action, key_version_id
    regrade.key_version = proposal.key_version
    regrade.reason, regrade.applied_at = reason[:500], now
    regrade.applied_by_id = getattr(actor, "id", None)
    db.session.flush()

    plan = RegradePlan(exam, version, proposal.action, proposal.key_version)
    policy = multiple_policy(exam)
    for attempt in _submitted_attempts_with(exam, version):
        plan.attempts += 1
        items, grades = _new_item_grades(attempt, version, regrade, policy)
        item_old, item_new = _item_scores(items, grades)
        changed_items = False
        for item in items:
            grade = grades.get(item.id)
            if grade is None or (grade.score == item.score and grade.correct == item.correct):
                continue
            item.score, item.correct = grade.score, grade.correct
            if grade.score is not None:
                item.graded_at = now
            changed_items = True
        if not changed_items:
            continue
        old_score, old_passed = attempt.score, attempt.passed
        db.session.flush()
        update_totals(attempt, items, now=now)
        if attempt.score == old_score and attempt.passed == old_passed and item_old == item_new:
            continue
        plan.changes.append(AttemptChange(attempt, old_score, attempt.score, old_passed, attempt.passed,
                                          item_old, item_new))
        record(actions.ATTEMPT_REGRADED, actor=actor, ip=ip, now=now, target=attempt,
               details={"exam_id": exam.id, "user": attempt.user.staff_no, "version_id": version.id,
                        "action": proposal.action, "key_version_id": key_version_id,
                        "points": {"old": points_text(item_old), "new": points_text(item_new)},
                        "score": {"old": points_text(old_score), "new": points_text(attempt.score)},
                        "passed": {"old": old_passed, "new": attempt.passed}, "reason": reason})
    record(actions.REGRADE_APPLIED, actor=actor, ip=ip, now=now, target=exam,
           details={"version_id": version.id, "question_id": version.question_id, "action": proposal.action,
                    "key_version_id": key_version_id, "previous": previous, "reason": reason,
                    "attempts": plan.attempts, "changed": len(plan.changes)})
    return plan


# --- Questions of an exam ----------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionUse:
    version: QuestionVersion
    on_papers: int
    mean_score: Decimal | None  # over graded items of submitted attempts
    points: Decimal | None  # the mean points the papers give it
    newer: bool  # the question has another current version in its bank
    regrade: Regrade | None


def question_uses(exam: Exam) -> list[QuestionUse]:
    regrades = regrades_of(exam.id)
    rows = {
        version_id: (count, mean_points)
        for version_id, count, mean_points in db.session.execute(
            select(PaperItem.version_id, func.count(), func.avg(PaperItem.points))
            .join(Attempt, Attempt.id == PaperItem.attempt_id).where(Attempt.exam_id == exam.id)
            .group_by(PaperItem.version_id))
    }
    means = dict(db.session.execute(
        select(PaperItem.version_id, func.avg(PaperItem.score)).join(Attempt, Attempt.id == PaperItem.attempt_id)
        .where(Attempt.exam_id == exam.id, Attempt.status == AttemptState.SUBMITTED, PaperItem.score.is_not(None))
        .group_by(PaperItem.version_id)).all())
    uses = []
    for version in versions_on_papers(exam):
        count, mean_points = rows.get(version.id, (0, None))
        mean = means.get(version.id)
        uses.append(QuestionUse(
            version=version, on_papers=count,
            mean_score=money(Decimal(str(mean))) if mean is not None else None,
            points=money(Decimal(str(mean_points))) if mean_points is not None else None,
            newer=version.question.current_version_id not in (None, version.id),
            regrade=regrades.get(version.id)))
    return uses
