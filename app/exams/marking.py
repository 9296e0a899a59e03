"""What a trainer does by hand after candidates submit: grade short answers, one question across candidates.

Manual grading changes scores, so every change is audited with old → new (docs/security.md §33). Only submitted
attempts are graded here. Regrades are app/exams/regrades.py; the results pages read app/exams/results_reading.py.

Services flush, never commit.
"""

from dataclasses import dataclass
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
from app.exams.grading import attempt_items, regrades_of, update_totals
from app.exams.models import Attempt, Exam, PaperItem
from app.exams.states import AttemptState, RegradeAction
from app.extensions import db

POINT_STEP = Decimal("0.25")  # hand-given points are multiples of a quarter point (or the item's full points)
MAX_COMMENT = 2000


def points_text(value: Decimal | None) -> str | None:
    """A score for audit details: "2.50", or None."""
    return None if value is None else format(money(Decimal(value)), "f")


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
        voided = version.id in regrades and regrades[version.id].action == RegradeAction.VOID
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
                             max=points_text(maximum)), field="points")
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
    if regrade is not None and regrade.action == RegradeAction.VOID:
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
                    "score": {"old": points_text(old_score), "new": points_text(points)},
                    "attempt_score": {"old": points_text(old_total), "new": points_text(attempt.score)},
                    "passed": {"old": old_passed, "new": attempt.passed},
                    "comment": comment})
    return True


def graders_of(items: list[PaperItem]) -> dict[int, User]:
    ids = {item.graded_by_id for item in items if item.graded_by_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
