"""Who may sit an exam, and why not: the audience (stations, teams, people), the window, attempts left,
and for a make-up exam (补考) the original exam's result.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, false, func, or_, select, union
from sqlalchemy.orm import joinedload, lazyload

from app.accounts.models import User
from app.core.i18n import lazy_gettext as _l
from app.core.refusals import Refusal
from app.exams.models import Attempt, AudienceEntry, Exam
from app.exams.results import Result, counted_number, counted_results, results_of
from app.exams.states import AttemptState, ExamState
from app.extensions import db
from app.training.eligibility import attendance_refusals


def audience_clause(exam: Exam):
    """A WHERE clause on User selecting the exam's audience (active staff only): stations, teams, people and the
    members of training batches."""
    entries = db.session.scalars(select(AudienceEntry).where(AudienceEntry.exam_id == exam.id)).all()
    stations = [e.station_id for e in entries if e.station_id]
    teams = [e.team_id for e in entries if e.team_id]
    people = [e.user_id for e in entries if e.user_id]
    batches = [e.batch_id for e in entries if e.batch_id]
    terms = []
    if stations:
        terms.append(User.station_id.in_(stations))
    if teams:
        terms.append(User.team_id.in_(teams))
    if people:
        terms.append(User.id.in_(people))
    if batches:
        from app.training.models import BatchMember

        terms.append(User.id.in_(select(BatchMember.user_id).where(BatchMember.batch_id.in_(batches))))
    return (or_(*terms) if terms else false()) & User.active.is_(True)


def audience_where(exam: Exam):
    """A WHERE clause on User selecting everyone who may sit `exam`: its audience, or for a make-up exam those of
    the original exam's audience who need it (`_needs_makeup` in SQL: no result, or a graded and failed one),
    so pages can count and page the audience in the database."""
    if exam.makeup_of is None:
        return audience_clause(exam)
    results = counted_results(exam_ids=[exam.makeup_of.id])
    excused = select(results.c.user_id).where(or_(results.c.score.is_(None), results.c.passed.is_(True)))
    return audience_clause(exam.makeup_of) & User.id.not_in(excused)


def audience_users(exam: Exam) -> list[User]:
    """Everyone who may sit `exam` (for a make-up exam: who the original exam admits), by staff number."""
    return list(db.session.scalars(select(User).where(audience_where(exam)).order_by(User.staff_no)))


def _audience_pairs(exam_ids):
    """A subquery of distinct (exam_id, user_id): the active staff each exam's own audience entries admit
    (audience_clause, for many exams at once)."""
    from app.training.models import BatchMember

    def members(join_on, *joins):
        query = select(AudienceEntry.exam_id.label("exam_id"), User.id.label("user_id")).select_from(AudienceEntry)
        for target, condition in joins:
            query = query.join(target, condition)
        return query.join(User, join_on).where(AudienceEntry.exam_id.in_(exam_ids), User.active.is_(True))

    return union(
        members(User.station_id == AudienceEntry.station_id),
        members(User.team_id == AudienceEntry.team_id),
        members(User.id == AudienceEntry.user_id),
        members(User.id == BatchMember.user_id, (BatchMember, BatchMember.batch_id == AudienceEntry.batch_id)),
    ).subquery("audience_pairs")


def audience_counts(exams) -> dict[int, int]:
    """{exam id: len(audience_users(exam))} for a list of exams: one query, two more when make-up exams are
    among them (their originals' audiences and results), instead of one audience query per exam."""
    exams = list(exams)
    regular = {exam.id for exam in exams if exam.makeup_of_id is None}
    originals = {exam.makeup_of_id for exam in exams if exam.makeup_of_id is not None}
    regular_counts: dict[int, int] = {}
    if regular:
        pairs = _audience_pairs(regular)
        regular_counts = dict(db.session.execute(select(pairs.c.exam_id, func.count())
                                                 .group_by(pairs.c.exam_id)).all())
    makeup_counts: dict[int, int] = {}  # by the original exam: who of its audience needs the make-up exam
    if originals:
        pairs = _audience_pairs(originals)
        found = results_of(exam_ids=list(originals))
        for original, user_id in db.session.execute(select(pairs.c.exam_id, pairs.c.user_id)):
            if _needs_makeup(found.get((user_id, original))):
                makeup_counts[original] = makeup_counts.get(original, 0) + 1
    return {exam.id: regular_counts.get(exam.id, 0) if exam.makeup_of_id is None
            else makeup_counts.get(exam.makeup_of_id, 0) for exam in exams}


def _needs_makeup(result: Result | None) -> bool:
    return result is None or result.state == "failed"


def needing_makeup(users: list[User], original: Exam) -> list[User]:
    """Those of `users` who need the make-up exam of `original`, in one read of the results."""
    found = results_of(exam_ids=[original.id], user_ids=[user.id for user in users])
    return [user for user in users if _needs_makeup(found.get((user.id, original.id)))]


NOT_PUBLISHED = Refusal("not_published", _l("This exam is not open to candidates."))
NOT_YET_OPEN = Refusal("not_yet_open", _l("This exam has not opened yet."))
CLOSED = Refusal("closed", _l("This exam has closed."))
NOT_IN_AUDIENCE = Refusal("not_in_audience", _l("You are not among the candidates of this exam."))
NO_ATTEMPTS_LEFT = Refusal("no_attempts_left", _l("You have used all your attempts at this exam."))
ORIGINAL_OPEN = Refusal("original_open", _l("The make-up exam opens to candidates once the original exam has "
                                             "closed."))
NO_MAKEUP_NEEDED = Refusal("no_makeup_needed", _l("You passed the original exam, or its result is still being "
                                                  "graded, so you do not sit the make-up exam."))


def attempts_used(user: User, exam: Exam) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)) or 0


def _admits(user: User, exam_id):
    """SQL: some audience entry of the exam `exam_id` (a column or a value) admits `user` — audience_clause
    turned round, for one person and many exams."""
    if not user.active:
        return false()
    from app.training.models import BatchMember

    terms = [AudienceEntry.user_id == user.id,
             AudienceEntry.batch_id.in_(select(BatchMember.batch_id).where(BatchMember.user_id == user.id))]
    if user.station_id is not None:
        terms.append(AudienceEntry.station_id == user.station_id)
    if user.team_id is not None:
        terms.append(AudienceEntry.team_id == user.team_id)
    return exists().where(AudienceEntry.exam_id == exam_id, or_(*terms))


@dataclass
class Standing:
    """What one person's exam pages need about them, read in a few queries for any number of exams: which
    exams' own audiences admit them, their attempts, and the attendance rule per course."""

    admitted: set[int]  # exam ids
    attempts: dict[int, list[Attempt]]  # by exam id, in number order
    attendance: dict[int, Refusal | None] = field(default_factory=dict)  # by course id; missing: not read

    def used(self, exam: Exam) -> int:
        return len(self.attempts.get(exam.id, ()))

    def open_attempt(self, exam: Exam) -> Attempt | None:
        return next((a for a in self.attempts.get(exam.id, ()) if a.status == AttemptState.IN_PROGRESS), None)

    def counted_attempt(self, exam_id: int) -> Attempt | None:
        """The attempt that counts as the result (app/exams/results.py's rule, `counted_number`)."""
        attempts = self.attempts.get(exam_id, ())
        number = counted_number((a.number, a.status, a.score) for a in attempts)
        return next((a for a in attempts if a.number == number), None)

    def needs_makeup(self, original: Exam) -> bool:
        """Failed the original exam or absent (nothing submitted); a pending result admits no one yet."""
        counted = self.counted_attempt(original.id)
        return counted is None or (counted.score is not None and not counted.passed)


def _attempts_of(user: User) -> dict[int, list[Attempt]]:
    attempts: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user.id)
                                      .order_by(Attempt.exam_id, Attempt.number)
                                      .options(lazyload(Attempt.exam), lazyload(Attempt.user))):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    return attempts


def _may_be_sat(exam: Exam, now: datetime) -> bool:
    return exam.status == ExamState.PUBLISHED and exam.opens_at <= now < exam.closes_at


def read_attendance(standing: Standing, user: User, exams, now: datetime) -> Standing:
    """`standing` with the attendance rule read for the courses of those `exams` open now (one query)."""
    courses = {exam.course_id: exam.course for exam in exams if _may_be_sat(exam, now)}
    standing.attendance.update(attendance_refusals(user, courses.values(), now) if courses else {})
    return standing


def standing_for(user: User, exam: Exam, now: datetime) -> Standing:
    """The Standing `refusal` needs for one exam (and its original, for a make-up exam)."""
    ids = [exam.id] + ([exam.makeup_of_id] if exam.makeup_of_id is not None else [])
    admitted = set(db.session.scalars(select(Exam.id).where(Exam.id.in_(ids), _admits(user, Exam.id))))
    return read_attendance(Standing(admitted, _attempts_of(user)), user, [exam], now)


def refusal_in(standing: Standing, user: User, exam: Exam, now: datetime) -> Refusal | None:
    """Why `user` may not start a new attempt now, or None if they may, from what `standing` read."""
    if exam.status != ExamState.PUBLISHED:
        return NOT_PUBLISHED if exam.status == ExamState.DRAFT else CLOSED
    if now < exam.opens_at:
        return NOT_YET_OPEN
    if now >= exam.closes_at:
        return CLOSED
    if exam.makeup_of is not None:
        original = exam.makeup_of
        if original.status == ExamState.PUBLISHED and now < original.closes_at:
            return ORIGINAL_OPEN
        if not user.active or original.id not in standing.admitted:
            return NOT_IN_AUDIENCE
        if not standing.needs_makeup(original):
            return NO_MAKEUP_NEEDED
    elif exam.id not in standing.admitted:
        return NOT_IN_AUDIENCE
    short = standing.attendance[exam.course_id]
    if short is not None:
        return short
    if standing.used(exam) >= exam.attempts_allowed:
        return NO_ATTEMPTS_LEFT
    return None


def refusal(user: User, exam: Exam, now: datetime) -> Refusal | None:
    """Why `user` may not start a new attempt now, or None if they may."""
    return refusal_in(standing_for(user, exam, now), user, exam, now)


def visible_exams(user: User, now: datetime, *, exam_id: int | None = None) -> tuple[list[Exam], Standing]:
    """Published or closed exams `user` is (or was) a candidate of, or has attempted, newest window first
    (`exam_id`: that one only, if it is); and the Standing read on the way. Two queries whatever the number
    of exams: the person's attempts, and the exams with whether their own and their original's audiences
    admit the person. The attendance rule is not read yet (read_attendance)."""
    attempts = _attempts_of(user)
    admits_own, admits_original = _admits(user, Exam.id), _admits(user, Exam.makeup_of_id)
    query = (select(Exam, admits_own, admits_original)
             .where(Exam.status.in_((ExamState.PUBLISHED, ExamState.CLOSED)),
                    or_(Exam.id.in_(list(attempts)), admits_own,
                        Exam.makeup_of_id.is_not(None) & admits_original))
             .options(joinedload(Exam.makeup_of))
             .order_by(Exam.opens_at.desc(), Exam.id))
    if exam_id is not None:
        query = query.where(Exam.id == exam_id)
    rows = db.session.execute(query).all()
    admitted = {exam.id for exam, own, _original in rows if own}
    admitted |= {exam.makeup_of_id for exam, _own, original in rows if original}
    standing = Standing(admitted, attempts)
    shown = [exam for exam, _own, _original in rows
             if exam.id in attempts
             or (exam.makeup_of is not None and exam.makeup_of_id in admitted
                 and standing.needs_makeup(exam.makeup_of))
             or (exam.makeup_of is None and exam.id in admitted)]
    return shown, standing
