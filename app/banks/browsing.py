"""Read-only queries behind the bank pages: banks per course with their counts, and the question
browser's filters (type, difficulty, topic, status, text in the current version's stem)."""

from dataclasses import dataclass

from sqlalchemy import func

from app.banks import permissions
from app.banks.models import Bank, Image, Question, QuestionVersion, Topic, question_topics
from app.courses.catalog import COURSES
from app.courses.models import Course
from app.extensions import db

STATUSES = ("active", "retired", "all")
SEARCH_MAX = 100


@dataclass(frozen=True)
class BankRow:
    bank: Bank
    active: int
    retired: int


@dataclass(frozen=True)
class CourseChoice:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class CourseBanks:
    course: CourseChoice
    banks: list[BankRow]


def course_choices() -> list[CourseChoice]:
    """The courses of the plan (app.courses.catalog) in order, then any other course in the database.
    Read from the catalog so a fresh database can offer them; `ensure_courses` creates them when a bank
    is created."""
    choices = {code: CourseChoice(code, name, name_en) for code, name, name_en, _days, _text in COURSES}
    for course in db.session.scalars(db.select(Course).order_by(Course.position, Course.id)):
        choices.setdefault(course.code, CourseChoice(course.code, course.name, course.name_en))
    return list(choices.values())


def visible_banks(user) -> list[Bank]:
    """Every bank for an administrator; a trainer's own banks otherwise."""
    banks = db.session.scalars(db.select(Bank).order_by(Bank.name)).unique().all()
    return [bank for bank in banks if permissions.can_manage_bank(user, bank)]


def counts_by_bank(bank_ids: list[int]) -> dict[tuple[int, str], int]:
    if not bank_ids:
        return {}
    rows = db.session.execute(
        db.select(Question.bank_id, Question.status, func.count(Question.id))
        .where(Question.bank_id.in_(bank_ids)).group_by(Question.bank_id, Question.status)
    ).all()
    return {(bank_id, status): count for bank_id, status, count in rows}


def banks_by_course(user) -> list[CourseBanks]:
    banks = visible_banks(user)
    counts = counts_by_bank([bank.id for bank in banks])
    return [
        CourseBanks(course, [BankRow(bank, counts.get((bank.id, "active"), 0), counts.get((bank.id, "retired"), 0))
                             for bank in banks if bank.course.code == course.code])
        for course in course_choices()
    ]


def bank_counts(bank: Bank) -> dict[str, int]:
    counts = counts_by_bank([bank.id])
    return {"active": counts.get((bank.id, "active"), 0), "retired": counts.get((bank.id, "retired"), 0)}


def topics_in_bank(bank: Bank) -> list[Topic]:
    return list(db.session.scalars(
        db.select(Topic).join(question_topics, question_topics.c.topic_id == Topic.id)
        .join(Question, Question.id == question_topics.c.question_id)
        .where(Question.bank_id == bank.id).distinct().order_by(Topic.name)
    ))


@dataclass(frozen=True)
class QuestionFilters:
    type: str = ""
    difficulty: int | None = None
    topic_id: int | None = None
    status: str = "active"
    q: str = ""


def question_query(bank: Bank, filters: QuestionFilters):
    """The bank's questions matching the filters, oldest first; text is searched (case-insensitively,
    `%` and `_` taken literally) in the current version's stem."""
    statement = (
        db.select(Question).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank.id)
    )
    if filters.status in ("active", "retired"):
        statement = statement.where(Question.status == filters.status)
    if filters.type:
        statement = statement.where(QuestionVersion.type == filters.type)
    if filters.difficulty:
        statement = statement.where(QuestionVersion.difficulty == filters.difficulty)
    if filters.topic_id:
        statement = statement.where(Question.id.in_(
            db.select(question_topics.c.question_id).where(question_topics.c.topic_id == filters.topic_id)
        ))
    text = " ".join((filters.q or "").split())[:SEARCH_MAX]
    if text:
        statement = statement.where(QuestionVersion.stem.icontains(text, autoescape=True))
    return statement.order_by(Question.id)


def banks_using_image(image: Image) -> list[Bank]:
    return list(db.session.scalars(
        db.select(Bank).join(Question, Question.bank_id == Bank.id)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.image_id == image.id).distinct()
    ).unique())
