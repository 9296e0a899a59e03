"""What the trainer's (and HR's) results pages read of one exam: its attempts by state and station, the
summary figures over each person's result (app/exams/results.py), and the candidates with their attempts and
extra time."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, case, func, or_, select

from app.accounts.models import User
from app.banks.registry import money
from app.exams.audience import audience_counts, audience_where
from app.exams.models import Attempt, Exam, ExtraTime
from app.exams.results import counted_results
from app.exams.states import AttemptState
from app.extensions import db

PAGE_SIZE = 50  # rows per page of the results and candidates pages


def attempts_query(exam: Exam, *, status: str | None = None, station_id: int | None = None) -> Select:
    """The exam's attempts by staff number and attempt number, filtered by state and the candidate's station (a
    select: the page reads one page of it)."""
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
    return query.order_by(User.staff_no, Attempt.number, Attempt.id)


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
    """The exam's figures over each person's result (app/exams/results.py), counted and summed in the database:
    an exam of 10,000 candidates is one row here, not 10,000 results loaded."""
    started = db.session.scalar(select(func.count(func.distinct(Attempt.user_id))).where(Attempt.exam_id == exam.id))
    results = counted_results(exam_ids=[exam.id])
    graded = results.c.score.is_not(None)
    # Scores hold cents (Numeric(8, 2)): summed as whole cents, the total is exact on SQLite's floats too.
    submitted, graded_count, passed, cents = db.session.execute(select(
        func.count(), func.count(results.c.score),
        func.count(case((and_(graded, results.c.passed.is_(True)), 1))),
        func.sum(func.round(results.c.score * 100)),
    )).one()
    mean = money(Decimal(round(cents)) / 100 / graded_count) if graded_count else None
    return ResultsSummary(candidates=audience_counts([exam])[exam.id], started=started or 0, submitted=submitted,
                          graded=graded_count, passed=passed, mean_score=mean)


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


def _candidates(exam: Exam):
    """WHERE clause on User: the audience, plus anyone who sat the exam without being in it now."""
    return or_(audience_where(exam), User.id.in_(select(Attempt.user_id).where(Attempt.exam_id == exam.id)))


def candidate_page(exam: Exam, page: int) -> tuple[Pagination, list[CandidateRow]]:
    """One page of the candidates by staff number, with their attempts and extra time: a few queries for the
    page whatever the audience's size."""
    pagination = db.paginate(select(User).where(_candidates(exam)).order_by(User.staff_no, User.id), page=page,
                             per_page=PAGE_SIZE, error_out=False)
    ids = [user.id for user in pagination.items]
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    extras: dict[int, ExtraTime] = {}
    inside: set[int] = set()
    if ids:
        for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id.in_(ids))
                                          .order_by(Attempt.number)):
            attempts[attempt.user_id].append(attempt)
        extras = {e.user_id: e for e in db.session.scalars(
            select(ExtraTime).where(ExtraTime.exam_id == exam.id, ExtraTime.user_id.in_(ids)))}
        inside = set(db.session.scalars(select(User.id).where(audience_where(exam), User.id.in_(ids))))
    return pagination, [CandidateRow(user, attempts.get(user.id, []), extras.get(user.id), user.id in inside)
                        for user in pagination.items]


def candidate_page_of(exam: Exam, user: User) -> int:
    """The candidates page that lists `user` (where a form about them is shown again)."""
    before = db.session.scalar(select(func.count()).select_from(User)
                               .where(_candidates(exam), User.staff_no < user.staff_no)) or 0
    return before // PAGE_SIZE + 1


def may_get_extra_time(exam: Exam, user: User) -> bool:
    """Extra time is for the audience and for those who already sat the exam."""
    if db.session.scalar(select(func.count()).select_from(User).where(User.id == user.id, audience_where(exam))):
        return True
    return bool(db.session.scalar(select(func.count()).select_from(Attempt)
                                  .where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)))
