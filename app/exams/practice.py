"""Practice (self-study): a collector answers random questions of a course and sees the key at once; never counted.

    start_practice(user, filter, now=…)  → a PracticeAnswer (question drawn, options shuffled unless the
                                          letter rule keeps them, app.banks.letters) or None
    answer_practice(practice, response, now=…) → graded at once (PRACTICE_POLICY), True if this call stored it

The question drawn is an active question of the course at its current version, matching the filters;
questions the collector never practised come first, then those last answered wrong, then the rest, and
the question just shown is not repeated while another one qualifies.

Practice shows keys, so it is closed while the collector has an exam attempt running (docs/security.md §19):
`has_open_attempt` (app.exams.attempts) is what the pages check before anything else.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select, update

from app.banks.models import Bank, Question, QuestionVersion, Topic, question_topics
from app.banks.registry import PARTIAL, kind_of
from app.courses.models import Course
from app.exams.assembly import option_order
from app.exams.models import PracticeAnswer
from app.exams.saving import storable
from app.extensions import db

# Multiple choice in practice: a correct but incomplete choice earns half the points (少选得半分), a wrong
# option earns nothing; the page says so.
PRACTICE_SHARE = Decimal("0.5")
PRACTICE_POLICY = PARTIAL(PRACTICE_SHARE)


# --- Overview -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseSummary:
    course: Course
    questions: int  # active questions with content
    answered: int  # my answered practice questions
    right: int
    graded: int  # answered questions graded automatically (short answers are self-checked)

    @property
    def rate(self) -> int | None:
        """Percentage right of the automatically graded answers; None before any."""
        return round(100 * self.right / self.graded) if self.graded else None


def course_overview(user) -> list[CourseSummary]:
    """Every course with its active questions and the collector's practice so far."""
    courses = db.session.scalars(select(Course).order_by(Course.position, Course.id)).all()
    sizes = dict(db.session.execute(
        select(Bank.course_id, func.count(Question.id))
        .join(Question, Question.bank_id == Bank.id)
        .where(Question.status == "active", Question.current_version_id.is_not(None))
        .group_by(Bank.course_id)
    ).all())
    stats = {row[0]: row[1:] for row in db.session.execute(
        select(PracticeAnswer.course_id, func.count(PracticeAnswer.id),
               func.sum(case((PracticeAnswer.correct.is_(True), 1), else_=0)),
               func.sum(case((PracticeAnswer.correct.is_not(None), 1), else_=0)))
        .where(PracticeAnswer.user_id == user.id, PracticeAnswer.answered_at.is_not(None))
        .group_by(PracticeAnswer.course_id)
    ).all()}
    summaries = []
    for course in courses:
        answered, right, graded = stats.get(course.id, (0, 0, 0))
        summaries.append(CourseSummary(course, sizes.get(course.id, 0), answered or 0, int(right or 0),
                                       int(graded or 0)))
    return summaries


def course_topics(course_ids: Sequence[int] | None = None) -> dict[int, list[Topic]]:
    """The topics of each course's active questions, by name."""
    query = (select(Bank.course_id, Topic).join(question_topics, question_topics.c.topic_id == Topic.id)
             .join(Question, Question.id == question_topics.c.question_id).join(Bank, Bank.id == Question.bank_id)
             .where(Question.status == "active", Question.current_version_id.is_not(None))
             .distinct().order_by(Bank.course_id, Topic.name))
    if course_ids is not None:
        query = query.where(Bank.course_id.in_(course_ids))
    found: dict[int, list[Topic]] = {}
    for course_id, topic in db.session.execute(query).all():
        found.setdefault(course_id, []).append(topic)
    return found


# --- Drawing a question ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PracticeFilter:
    course_id: int
    type: str | None = None
    topic_id: int | None = None
    wrong_only: bool = False


def matching_questions(user, wanted: PracticeFilter, *, now: datetime) -> list[tuple[int, int, str, int, bool]]:
    """(question id, current version id, type, option count, letter rule) of the questions the filter selects."""
    query = (select(Question.id, QuestionVersion.id, QuestionVersion.type, QuestionVersion.options,
                    QuestionVersion.keep_option_order)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .join(Bank, Bank.id == Question.bank_id)
             .where(Bank.course_id == wanted.course_id, Question.status == "active"))
    if wanted.type:
        query = query.where(QuestionVersion.type == wanted.type)
    if wanted.topic_id is not None:
        query = query.where(Question.id.in_(select(question_topics.c.question_id)
                                            .where(question_topics.c.topic_id == wanted.topic_id)))
    if wanted.wrong_only:
        from app.exams.mistakes import wrong_question_ids

        wrong = wrong_question_ids(user, now=now, course_id=wanted.course_id)
        if not wrong:
            return []
        query = query.where(Question.id.in_(wrong))
    return [(q, v, t, len(o or []), k) for q, v, t, o, k in db.session.execute(query.order_by(Question.id)).all()]


def _practice_rank(user, course_id: int) -> tuple[dict[int, int], int | None]:
    """Per question practised: 1 if its latest answer was not right, 2 if it was; and the last question shown."""
    rows = db.session.execute(
        select(PracticeAnswer.question_id, PracticeAnswer.correct, PracticeAnswer.answered_at)
        .where(PracticeAnswer.user_id == user.id, PracticeAnswer.course_id == course_id)
        .order_by(PracticeAnswer.shown_at, PracticeAnswer.id)
    ).all()
    rank: dict[int, int] = {}
    for question_id, correct, answered_at in rows:
        if answered_at is not None:
            rank[question_id] = 2 if correct is not False else 1
    return rank, (rows[-1][0] if rows else None)


def start_practice(user, wanted: PracticeFilter, *, now: datetime,
                   rng: random.Random | None = None) -> PracticeAnswer | None:
    """Show the collector a question matching the filter; None when no question matches."""
    rng = rng or random.SystemRandom()
    questions = matching_questions(user, wanted, now=now)
    if not questions:
        return None
    rank, last = _practice_rank(user, wanted.course_id)
    best = min(rank.get(q[0], 0) for q in questions)
    choices = [q for q in questions if rank.get(q[0], 0) == best]
    if len(choices) > 1:
        choices = [q for q in choices if q[0] != last]
    question_id, version_id, question_type, options, keep_order = rng.choice(choices)
    order = option_order(question_type, options, keep_order, rng)
    practice = PracticeAnswer(user_id=user.id, course_id=wanted.course_id, question_id=question_id,
                              version_id=version_id, option_order=order, shown_at=now)
    db.session.add(practice)
    db.session.flush()
    return practice


# --- Answering ----------------------------------------------------------------------------------

def answer_practice(practice: PracticeAnswer, response, *, now: datetime) -> bool:
    """Grade and store the answer; False (nothing changes) if the question was already answered.

    Short answers are not graded: score and correctness stay None and the page shows the reference
    answer for the collector to check themselves."""
    response = storable(response)
    version = practice.version
    kind = kind_of(version.type)
    score = correct = None
    if kind.auto_graded:
        grade = kind.grade(version, response, practice.option_order or None, PRACTICE_POLICY)
        score, correct = grade.score, grade.correct
    stored = db.session.execute(
        update(PracticeAnswer).where(PracticeAnswer.id == practice.id, PracticeAnswer.answered_at.is_(None))
        .values(response=response, score=score, correct=correct, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(practice)
    return bool(stored)
