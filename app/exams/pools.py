"""Which questions a blueprint rule may draw: active questions of the course (or one bank), current version.

A rule filters by bank, type, topics (any of them) and a difficulty range. The pool feedback the
exam editor shows, publishing and paper assembly all read pools from here, so they agree.

Each pool question carries its identity (app.banks.identity): copies of one question in several banks of
the course count once in a pool's size and are never drawn twice for a paper (app.exams.assembly), and a
question an earlier exam used is "exposed" in every bank that has a copy of it.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from app.banks.models import Bank, Question, QuestionVersion, question_topics
from app.exams.models import Attempt, Exam, PaperItem
from app.extensions import db


@dataclass(frozen=True)
class PoolQuestion:
    question_id: int
    version_id: int
    type: str
    difficulty: int
    points: Decimal
    options: int  # how many options (0 for types without options)
    identity: str  # the version's content identity: equal for the same question in any bank
    keep_order: bool = False  # the letter rule: options shown in the order written


@dataclass(frozen=True)
class RuleFilter:
    """What a rule selects; the editor's live feedback builds one from the form before saving."""

    bank_id: int | None = None
    type: str | None = None
    topic_ids: tuple[int, ...] = ()
    difficulty_min: int = 1
    difficulty_max: int = 5

    @classmethod
    def of(cls, rule) -> "RuleFilter":
        return cls(bank_id=rule.bank_id, type=rule.type, topic_ids=tuple(rule.topic_ids or ()),
                   difficulty_min=rule.difficulty_min, difficulty_max=rule.difficulty_max)


def _base_query(course_id: int):
    return (
        select(Question.id, QuestionVersion.id, QuestionVersion.type, QuestionVersion.difficulty,
               QuestionVersion.points, QuestionVersion.options, QuestionVersion.fingerprint,
               QuestionVersion.keep_option_order)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Bank.course_id == course_id, Question.status == "active")
    )


def pool(course_id: int, rule: RuleFilter) -> list[PoolQuestion]:
    """The questions `rule` may draw, ordered by question id (so a seeded draw is reproducible)."""
    query = _base_query(course_id).where(
        QuestionVersion.difficulty >= rule.difficulty_min, QuestionVersion.difficulty <= rule.difficulty_max
    )
    if rule.bank_id is not None:
        query = query.where(Question.bank_id == rule.bank_id)
    if rule.type:
        query = query.where(QuestionVersion.type == rule.type)
    if rule.topic_ids:
        tagged = select(question_topics.c.question_id).where(question_topics.c.topic_id.in_(rule.topic_ids))
        query = query.where(Question.id.in_(tagged))
    rows = db.session.execute(query.order_by(Question.id)).all()
    return [PoolQuestion(q, v, t, d, p, len(o or []), i, k) for q, v, t, d, p, o, i, k in rows]


def fixed_questions(exam: Exam) -> list[tuple[PoolQuestion, Decimal | None]]:
    """The exam's fixed questions at their current versions, with the points the exam gives them.

    Retired questions and questions without a version are left out (publishing refuses them)."""
    found = []
    for fixed in exam.fixed:
        question = fixed.question
        version = question.current
        if question.status != "active" or version is None:
            continue
        found.append((PoolQuestion(question.id, version.id, version.type, version.difficulty, version.points,
                                   len(version.options or []), version.fingerprint, version.keep_option_order),
                      fixed.points))
    return found


def exposed_question_ids(exam: Exam) -> set[int]:
    """Questions already on papers of other exams of the same course that opened before this one, and the
    questions of the course whose current content is one of those (a copy in another bank is exposed too)."""
    earlier = select(Exam.id).where(Exam.course_id == exam.course_id, Exam.id != exam.id,
                                    Exam.opens_at < exam.opens_at)
    on_papers = (select(PaperItem.question_id, PaperItem.version_id).join(Attempt, Attempt.id == PaperItem.attempt_id)
                 .where(Attempt.exam_id.in_(earlier)).distinct().subquery())
    shown = select(QuestionVersion.fingerprint).where(QuestionVersion.id.in_(select(on_papers.c.version_id)))
    copies = (select(Question.id).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
              .join(Bank, Bank.id == Question.bank_id)
              .where(Bank.course_id == exam.course_id, QuestionVersion.fingerprint.in_(shown)))
    return set(db.session.scalars(select(on_papers.c.question_id))) | set(db.session.scalars(copies))


@dataclass(frozen=True)
class RuleReport:
    """Live feedback for one rule: how many questions match, how many are unexposed, what is missing."""

    size: int
    unexposed: int
    count: int

    @property
    def short_by(self) -> int:
        return max(0, self.count - self.size)


def rule_report(exam: Exam, rule: RuleFilter, count: int, exposed: set[int] | None = None) -> RuleReport:
    """Sizes in distinct questions: copies of one question in several banks count once."""
    questions = pool(exam.course_id, rule)
    exposed = exposed if exposed is not None else set()
    return RuleReport(size=len({q.identity for q in questions}),
                      unexposed=len({q.identity for q in questions if q.question_id not in exposed}), count=count)
