"""`flask demo` also creates one published exam per course, open now, for the demo collectors; once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import demo
from app.accounts import services as account_services
from app.core.clock import utcnow
from app.courses.models import Course
from app.exams.attempts import start_attempt
from app.exams.audience import refusal
from app.exams.models import Exam
from app.exams.services import blueprint_problems, total_points
from app.extensions import db

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def test_demo_twice_leaves_four_publishable_exams_the_collectors_can_start(loaded_demo, runner):
    first = loaded_demo
    assert first.exit_code == 0, first.output
    assert "exams: 4" in first.stdout and "Demo exams for the collectors" in first.stdout
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already in place" in second.stdout and "Demo exams for the collectors" in second.stdout
    exams = db.session.scalars(select(Exam).join(Course).where(Exam.title.endswith("·演示考试"))  # not last year's
                               .order_by(Course.position)).all()
    assert [exam.course.code for exam in exams] == ["law", "integrity", "etiquette", "procedures"]
    now = utcnow()
    collector = account_services.find_by_staff_no(demo.collector_staff_no(0))
    last = account_services.find_by_staff_no(demo.collector_staff_no(89))
    for exam in exams:
        assert exam.status == "published" and blueprint_problems(exam) == []
        assert exam.opens_at < now < exam.closes_at and exam.closes_at > now + timedelta(days=29)
        assert [owner.staff_no for owner in exam.owners] == ["trainer01"]
        assert total_points(exam) == 100 and exam.pass_mark == 60
        assert exam.partial_share == 0.5 and exam.release_score == "at_submit"
        assert exam.release_review == "after_close"
        assert exam.duration_minutes == (45 if exam.course.code == "law" else 30)
        assert refusal(collector, exam, now) is None and refusal(last, exam, now) is None
        attempt = start_attempt(collector, exam, now=now, ip="t")
        assert len(attempt.items) == (30 if exam.course.code == "law" else 20)
        assert attempt.max_score == 100
    db.session.commit()


def test_a_course_whose_bank_cannot_fill_the_paper_gets_no_exam(runner, app):
    from app.accounts.actors import SYSTEM
    from app.banks.services import create_bank
    from app.courses.catalog import ensure_courses

    law = ensure_courses()[0]
    create_bank(SYSTEM, law, demo.demo_bank_name(law, "law"), now=utcnow(), ip="t")  # empty: kept as it is
    db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    codes = db.session.scalars(select(Course.code).join(Exam, Exam.course_id == Course.id).order_by(Course.position))
    assert list(codes) == ["integrity", "etiquette", "procedures"]
    assert db.session.scalar(select(func.count()).select_from(Exam).where(Exam.status == "published")) == 3
