"""What a trainer does after candidates submit: grade short answers by hand, regrade a question whose key
was wrong (or void it), and read the results.

Manual grading and regrades change scores, so every change is audited with old → new (docs/security.md §33). A
regrade is planned first (a dry run that changes nothing and lists whose score would change), then
applied: the `Regrade` row makes every later grading of that version (a late submit, a re-grade by hand)
keep applying it. Only submitted attempts are graded here; an attempt in progress picks the regrade up at
submit (app.exams.grading.grade_attempt reads the exam's regrades).

Services flush, never commit.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.banks.models import QuestionVersion
from app.banks.registry import kind_of, money
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.exams.audience import audience_users
from app.exams.grading import attempt_items, grade_item, regrades_of, update_totals
from app.exams.models import Attempt, Exam, ExtraTime, PaperItem, Regrade
from app.exams.policies import multiple_policy
from app.exams.results import results_of
from app.exams.states import AttemptState
from app.extensions import db

POINT_STEP = Decimal("0.25")  # hand-given points are multiples of a quarter point (or the item's full points)
MAX_COMMENT = 2000


def _number(value: Decimal | None) -> str | None:
    """A score for audit details: "2.50", or None."""
    return None if value is None else format(money(Decimal(value)), "f")


# --- Manual grading ----------------------------------------------------------------------------------

def versions_on_papers(exam: Exam) -> list[QuestionVersion]:
    """Every question version on the exam's papers, by question and version number."""
    ids = select(PaperItem.version_id).join(Attempt, Attempt.id == PaperItem.attempt_id) \
        .where(Attempt.exam_id == exam.id)
    return list(db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids))
                                   .order_by(QuestionVersion.question_id, QuestionVersion.number)))


def version_on_papers(exam: Exam, version_id: int) -> QuestionVersion | None:
    """The version if some paper of the exam carries it, else None (the view answers 404)."""
    on_paper = db.session.scalar(select(func.count()).select_from(PaperItem)
                                 .join(Attempt, Attempt.id == PaperItem.attempt_id)
                                 .where(Attempt.exam_id == exam.id, PaperItem.version_id == version_id))
    return db.session.get(QuestionVersion, version_id) if on_paper else None


def is_hand_graded(version: QuestionVersion) -> bool:
    return not kind_of(version.type).auto_graded


@dataclass(frozen=True)
class QueueEntry:
    version: QuestionVersion
    pending: int  # submitted, not graded yet
    graded: int
    in_progress: int  # on papers still being written: not gradable yet
    voided: bool


def grading_queue(exam: Exam) -> list[QueueEntry]:
    """The short-answer versions on the exam's papers with how many answers wait, pending first."""
    regrades = regrades_of(exam.id)
    entries = []
    for version in versions_on_papers(exam):
        if not is_hand_graded(version):
            continue
        counts = {"pending": 0, "graded": 0, "in_progress": 0}
        rows = db.session.execute(
            select(Attempt.status, PaperItem.score.is_(None), func.count())
            .join(Attempt, Attempt.id == PaperItem.attempt_id)
            .where(Attempt.exam_id == exam.id, PaperItem.version_id == version.id)
            .group_by(Attempt.status, PaperItem.score.is_(None))
        )
        for status, ungraded, count in rows:
            if status == AttemptState.IN_PROGRESS:
                counts["in_progress"] += count
            else:
                counts["pending" if ungraded else "graded"] += count
        voided = version.id in regrades and regrades[version.id].action == "void"
        entries.append(QueueEntry(version, voided=voided, **counts))
    return sorted(entries, key=lambda e: (e.pending == 0, e.version.question_id, e.version.number))


def answers_to_grade(exam: Exam, version: QuestionVersion) -> list[PaperItem]:
    """The submitted answers to `version` on the exam's papers: ungraded first, then graded; by staff number."""
    items = db.session.scalars(
        select(PaperItem).join(Attempt, Attempt.id == PaperItem.attempt_id).join(User, User.id == Attempt.user_id)
        .where(Attempt.exam_id == exam.id, Attempt.status == AttemptState.SUBMITTED, PaperItem.version_id == version.id)
        .order_by(User.staff_no, Attempt.number)
    ).all()
    return sorted(items, key=lambda item: item.score is not None)


def _candidate(item: PaperItem) -> str:
    user = item.attempt.user
    return f"{user.name} ({user.staff_no})"


def check_points(item: PaperItem, points: Decimal) -> None:
    """A DomainError naming the candidate unless 0 ≤ points ≤ the item's points, in quarter points."""
    maximum = money(Decimal(item.points))
    if not points.is_finite() or points < 0 or points > maximum:
        raise DomainError(_l("%(candidate)s: give from 0 to %(max)s points.", candidate=_candidate(item),
                             max=_number(maximum)), field="points")
    if points != maximum and points % POINT_STEP != 0:
        raise DomainError(_l("%(candidate)s: give points in steps of 0.25.", candidate=_candidate(item)),
                          field="points")


def grade_answer(actor, item: PaperItem, *, points: Decimal, comment: str, now: datetime, ip: str) -> bool:
    """Grade one short answer by hand (or grade it again); True if the score or comment changed.

    The attempt's score and pass/fail appear once its last item is graded. Audited with old → new."""
    attempt = item.attempt
    if attempt.status != AttemptState.SUBMITTED:
        raise Conflict(_l("%(candidate)s is still writing this exam; answers are graded after submit.",
                          candidate=_candidate(item)))
    if not is_hand_graded(item.version):
        raise Conflict(_l("This question is graded automatically."))
    regrade = regrades_of(attempt.exam_id).get(item.version_id)
    if regrade is not None and regrade.action == "void":
        raise Conflict(_l("This question was voided: everyone who had it has full points."))
    check_points(item, points)
    points = money(points)
    comment = (comment or "").strip()[:MAX_COMMENT]
    old_score, old_comment = item.score, item.comment or ""
    if old_score is not None and item.graded_by_id is not None and money(Decimal(old_score)) == points \
            and old_comment == comment:
        return False
    old_total, old_passed = attempt.score, attempt.passed
    item.score = points
    item.correct = points >= money(Decimal(item.points))
    item.graded_by_id = getattr(actor, "id", None)
    item.graded_at = now
    item.comment = comment
    db.session.flush()
    update_totals(attempt, attempt_items(attempt), now=now)
    record(actions.ANSWER_GRADED, actor=actor, ip=ip, now=now, target=attempt,
           details={"exam_id": attempt.exam_id, "user": attempt.user.staff_no, "position": item.position,
                    "version_id": item.version_id,
                    "score": {"old": _number(old_score), "new": _number(points)},
                    "attempt_score": {"old": _number(old_total), "new": _number(attempt.score)},
                    "passed": {"old": old_passed, "new": attempt.passed},
                    "comment": comment})
    return True


# --- Regrade -----------------------------------------------------------------------------------------

REKEY, VOID = "rekey", "void"
ACTIONS = (REKEY, VOID)


def rekey_refusal(version: QuestionVersion):
    """Why the question's current version cannot regrade `version` (a lazy message), or None if it can."""
    current = version.question.current
    if current is None or current.id == version.id:
        return _l("The question has no newer version in its bank: correct the key there first.")
    if current.type != version.type:
        return _l("The question's current version is of another type, so it cannot grade these answers.")
    if len(current.options or []) != len(version.options or []):
        return _l("The question's current version has a different number of options, so it cannot grade "
                  "these answers.")
    if version.type == "fill_blank" and len((current.key or {}).get("blanks", [])) != \
            len((version.key or {}).get("blanks", [])):
        return _l("The question's current version has a different number of blanks, so it cannot grade "
                  "these answers.")
    return None


@dataclass(frozen=True)
class _Proposal:
    """A regrade not stored yet: what grade_item reads of a Regrade."""

    action: str
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
                        "points": {"old": _number(item_old), "new": _number(item_new)},
                        "score": {"old": _number(old_score), "new": _number(attempt.score)},
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


# --- Results -----------------------------------------------------------------------------------------

STATUS_FILTERS = ("in_progress", "waiting", "graded", "passed", "failed")


def attempt_state(attempt: Attempt) -> str:
    """in_progress · waiting (submitted, a short answer waits for a person) · passed · failed."""
    if attempt.status == AttemptState.IN_PROGRESS:
        return "in_progress"
    if attempt.score is None:
        return "waiting"
    return "passed" if attempt.passed else "failed"


def exam_attempts(exam: Exam, *, status: str | None = None, station_id: int | None = None) -> list[Attempt]:
    """The exam's attempts by staff number and attempt number, filtered by state and the candidate's station."""
    query = select(Attempt).join(User, User.id == Attempt.user_id).where(Attempt.exam_id == exam.id)
    if station_id is not None:
        query = query.where(User.station_id == station_id)
    if status == AttemptState.IN_PROGRESS:
        query = query.where(Attempt.status == AttemptState.IN_PROGRESS)
    elif status == "waiting":
        query = query.where(Attempt.status == AttemptState.SUBMITTED, Attempt.score.is_(None))
    elif status == "graded":
        query = query.where(Attempt.status == AttemptState.SUBMITTED, Attempt.score.is_not(None))
    elif status in ("passed", "failed"):
        query = query.where(Attempt.status == AttemptState.SUBMITTED, Attempt.passed.is_(status == "passed"))
    return list(db.session.scalars(query.order_by(User.staff_no, Attempt.number)))


@dataclass(frozen=True)
class ResultsSummary:
    candidates: int  # the audience
    started: int  # people with an attempt
    submitted: int  # people with a submitted attempt
    graded: int  # people with a fully graded attempt
    passed: int  # people whose best graded attempt passed
    mean_score: Decimal | None  # of each graded person's best score

    @property
    def pass_rate(self) -> Decimal | None:
        """Passed / graded, in percent."""
        if not self.graded:
            return None
        return money(Decimal(self.passed) * 100 / Decimal(self.graded))


def results_summary(exam: Exam) -> ResultsSummary:
    """The exam's figures over each person's result (app/exams/results.py)."""
    started = db.session.scalar(select(func.count(func.distinct(Attempt.user_id))).where(Attempt.exam_id == exam.id))
    found = results_of(exam_ids=[exam.id]).values()
    graded = [result for result in found if not result.pending]
    best_scores = [Decimal(result.score) for result in graded]
    mean = money(sum(best_scores, start=Decimal(0)) / len(best_scores)) if best_scores else None
    return ResultsSummary(candidates=len(audience_users(exam)), started=started or 0, submitted=len(found),
                          graded=len(graded), passed=sum(1 for result in graded if result.passed), mean_score=mean)


@dataclass(frozen=True)
class CandidateRow:
    user: User
    attempts: list[Attempt]
    extra: ExtraTime | None
    in_audience: bool

    @property
    def open_attempt(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == AttemptState.IN_PROGRESS), None)

    @property
    def latest(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


def candidate_rows(exam: Exam) -> list[CandidateRow]:
    """The audience, plus anyone who sat the exam without being in it now, with attempts and extra time."""
    audience = audience_users(exam)
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)):
        attempts[attempt.user_id].append(attempt)
    extras = {e.user_id: e for e in db.session.scalars(select(ExtraTime).where(ExtraTime.exam_id == exam.id))}
    inside = {user.id for user in audience}
    others = [db.session.get(User, user_id) for user_id in attempts if user_id not in inside]
    users = sorted([*audience, *others], key=lambda u: u.staff_no)
    return [CandidateRow(user, attempts.get(user.id, []), extras.get(user.id), user.id in inside) for user in users]


def may_get_extra_time(exam: Exam, user: User) -> bool:
    """Extra time is for the audience and for those who already sat the exam."""
    if any(u.id == user.id for u in audience_users(exam)):
        return True
    return bool(db.session.scalar(select(func.count()).select_from(Attempt)
                                  .where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)))


def graders_of(items: list[PaperItem]) -> dict[int, User]:
    ids = {item.graded_by_id for item in items if item.graded_by_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
