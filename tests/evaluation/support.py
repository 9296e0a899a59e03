"""Exams admitting a batch and submitted results, written straight to the tables (delivery and grading are
tested elsewhere); each result is a score out of 100 so percentages read as written."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.courses.catalog import ensure_courses, find_course
from app.exams.models import Attempt, AudienceEntry, Exam
from app.extensions import db
from tests import factories

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
COURSES = ("law", "integrity", "etiquette", "procedures")


def exam_for(batch, course_code: str, *, pass_mark=60, makeup_of: Exam | None = None, status="published") -> Exam:
    ensure_courses()
    exam = Exam(course_id=find_course(course_code).id, title=f"{course_code} {batch.name}", status=status,
                opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=1), duration_minutes=30,
                pass_mark=Decimal(pass_mark), makeup_of_id=makeup_of.id if makeup_of else None, created_at=NOW)
    db.session.add(exam)
    db.session.flush()
    if makeup_of is None:
        db.session.add(AudienceEntry(exam_id=exam.id, batch_id=batch.id))
        db.session.flush()
    return exam


def exams_for(batch) -> dict[str, Exam]:
    return {code: exam_for(batch, code) for code in COURSES}


def result(user, exam: Exam, score, *, number: int = 1, graded: bool = True) -> Attempt:
    score = None if score is None else Decimal(score)
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, status="submitted", seed=1,
                      started_at=NOW, deadline_at=NOW + timedelta(minutes=30), submitted_at=NOW,
                      submitted_how="candidate", max_score=Decimal(100), score=score if graded else None,
                      passed=(score >= exam.pass_mark) if graded and score is not None else None)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def results(user, exams: dict[str, Exam], law, integrity, etiquette, procedures) -> None:
    for code, score in zip(COURSES, (law, integrity, etiquette, procedures), strict=True):
        result(user, exams[code], score)


def batch_of(members, *, starts_on: date = date(2026, 5, 25), plan=None, name=None):
    return factories.make_batch(name, starts_on=starts_on, days=3, members=members, plan=plan, now=NOW)
