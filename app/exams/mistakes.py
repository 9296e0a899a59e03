"""The wrong-answer book (错题本): a collector's wrong answers across exams and practice.

Exam questions come from the collector's submitted attempts whose review is released
(app.exams.policies.review_released): an item counts as wrong when it is marked incorrect or scored
below its points. Practice answers count when they were graded wrong (a partly right multiple choice
included). Short answers in practice are self-checked and never listed. An exam whose review is not
released yet adds nothing: its keys stay hidden until the trainer's policy releases them.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.banks.registry import ReviewView, kind_of
from app.courses.models import Course
from app.exams.grading import as_graded, regrades_of
from app.exams.models import Attempt, Exam, PaperItem, PracticeAnswer
from app.exams.policies import review_released
from app.exams.states import AttemptState
from app.extensions import db


@dataclass(frozen=True)
class Mistake:
    course: Course
    question_id: int
    version: object  # QuestionVersion (with the key the grading used)
    option_order: list
    response: object
    when: datetime
    exam: Exam | None  # None: practice
    score: object = None
    points: object = None

    @property
    def from_practice(self) -> bool:
        return self.exam is None

    def review(self, image_url: str | None = None) -> ReviewView:
        return kind_of(self.version.type).present_review(self.version, self.option_order or None, self.response,
                                                         image_url=image_url)


def _exam_mistakes(user, now: datetime, course_id: int | None) -> list[Mistake]:
    query = (select(PaperItem, Attempt).join(Attempt, Attempt.id == PaperItem.attempt_id)
             .where(Attempt.user_id == user.id, Attempt.status == AttemptState.SUBMITTED))
    if course_id is not None:
        query = query.join(Exam, Exam.id == Attempt.exam_id).where(Exam.course_id == course_id)
    found = []
    released: dict[int, bool] = {}
    regrades: dict[int, dict] = {}
    for item, attempt in db.session.execute(query).all():
        if attempt.id not in released:
            released[attempt.id] = review_released(attempt.exam, attempt, now)
        if not released[attempt.id]:
            continue
        wrong = item.correct is False or (item.score is not None and item.score < item.points)
        if not wrong:
            continue
        if attempt.exam_id not in regrades:
            regrades[attempt.exam_id] = regrades_of(attempt.exam_id)
        regrade = regrades[attempt.exam_id].get(item.version_id)
        version = as_graded(item, regrade)
        found.append(Mistake(course=attempt.exam.course, question_id=item.question_id, version=version,
                             option_order=item.option_order, response=item.response,
                             when=attempt.submitted_at or attempt.started_at, exam=attempt.exam,
                             score=item.score, points=item.points))
    return found


def _practice_mistakes(user, course_id: int | None) -> list[Mistake]:
    query = select(PracticeAnswer).where(PracticeAnswer.user_id == user.id, PracticeAnswer.correct.is_(False),
                                         PracticeAnswer.answered_at.is_not(None))
    if course_id is not None:
        query = query.where(PracticeAnswer.course_id == course_id)
    return [Mistake(course=answer.course, question_id=answer.question_id, version=answer.version,
                    option_order=answer.option_order, response=answer.response, when=answer.answered_at,
                    exam=None, score=answer.score, points=answer.version.points)
            for answer in db.session.scalars(query)]


def mistakes_of(user, *, now: datetime, course_id: int | None = None) -> list[Mistake]:
    """The collector's wrong answers, newest first."""
    found = _exam_mistakes(user, now, course_id) + _practice_mistakes(user, course_id)
    return sorted(found, key=lambda m: m.when, reverse=True)


@dataclass(frozen=True)
class CourseMistakes:
    course: Course
    mistakes: list[Mistake]


def mistake_book(user, *, now: datetime, course_id: int | None = None) -> list[CourseMistakes]:
    """The wrong answers grouped by course (in the courses' order), newest first within each."""
    groups: dict[int, list[Mistake]] = {}
    courses: dict[int, Course] = {}
    for mistake in mistakes_of(user, now=now, course_id=course_id):
        groups.setdefault(mistake.course.id, []).append(mistake)
        courses[mistake.course.id] = mistake.course
    ordered = sorted(courses.values(), key=lambda c: (c.position, c.id))
    return [CourseMistakes(course, groups[course.id]) for course in ordered]


def wrong_question_ids(user, *, now: datetime, course_id: int | None = None) -> set[int]:
    """The questions the wrong-answer book lists for the collector (practice's "only my wrong ones")."""
    return {mistake.question_id for mistake in mistakes_of(user, now=now, course_id=course_id)}
