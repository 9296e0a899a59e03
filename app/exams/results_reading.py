"""What the trainer's (and HR's) results pages read of one exam: its attempts by state and station, the
summary figures over each person's result (app/exams/results.py), and the candidates with their attempts and
extra time."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from app.accounts.models import User
from app.banks.registry import money
from app.exams.audience import audience_users
from app.exams.models import Attempt, Exam, ExtraTime
from app.exams.results import results_of
from app.exams.states import AttemptState
from app.extensions import db


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
