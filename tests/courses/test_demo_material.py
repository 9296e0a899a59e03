"""`flask demo` loads the shipped lessons of every course and makes the demo trainer a lecturer; twice adds nothing."""

from pathlib import Path

import pytest

from app.courses.models import Course, Lesson
from app.extensions import db

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
MATERIAL = Path(__file__).resolve().parents[2] / "app" / "courses" / "material"


def test_demo_loads_the_shipped_lessons_once_and_the_trainer_teaches_every_course(loaded_demo, runner):
    shipped = {folder.name: len(list(folder.glob("*.md"))) for folder in MATERIAL.iterdir() if folder.is_dir()}
    first = loaded_demo
    assert first.exit_code == 0, first.output
    assert f"Course material: {sum(shipped.values())} lessons in 4 courses" in first.output
    courses = db.session.scalars(db.select(Course).order_by(Course.position)).all()
    for course in courses:
        assert len(course.lessons) == shipped.get(course.code, 0), course.code
        assert len(course.lessons) >= 3, course.code
        assert [lecturer.staff_no for lecturer in course.lecturers] == ["trainer01"]
    count = db.session.scalar(db.select(db.func.count(Lesson.id)))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert db.session.scalar(db.select(db.func.count(Lesson.id))) == count
