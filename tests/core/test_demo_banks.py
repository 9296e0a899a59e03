"""`flask demo` loads the four shipped banks, owned by the demo trainer; running it again adds nothing."""

from collections import Counter

import pytest
from sqlalchemy import func

from app import demo
from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.models import Bank, Question, QuestionVersion, Topic
from app.courses.models import Course
from app.extensions import db

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

COURSES = ("law", "integrity", "etiquette", "procedures")
TYPES = {"single", "multiple", "true_false", "fill_blank", "short_answer"}


def _counts() -> dict:
    return {model.__name__: db.session.scalar(db.select(func.count()).select_from(model))
            for model in (Course, Bank, Question, QuestionVersion, Topic, AuditEvent)}


def test_demo_loads_one_bank_per_course_with_every_type_owned_by_the_trainer(loaded_demo):
    result = loaded_demo
    assert result.exit_code == 0, result.output
    assert "question banks: 4" in result.stdout and "courses: 4" in result.stdout
    banks = db.session.scalars(db.select(Bank).join(Course).order_by(Course.position)).all()
    assert [bank.course.code for bank in banks] == list(COURSES)
    assert [bank.name for bank in banks] == [f"{bank.course.name}题库" for bank in banks]
    assert all([owner.staff_no for owner in bank.owners] == ["trainer01"] for bank in banks)
    for bank in banks:
        types = Counter(db.session.scalars(
            db.select(QuestionVersion.type).join(Question, Question.current_version_id == QuestionVersion.id)
            .where(Question.bank_id == bank.id)))
        assert set(types) == TYPES and sum(types.values()) >= 60, bank.name
    imported = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED)).all()
    assert len(imported) == 4 and {event.ip for event in imported} == {demo.DEMO_IP}
    questions = db.session.scalar(db.select(func.count(Question.id)))
    assert f"questions: {questions}" in result.stdout


def test_demo_twice_is_idempotent(loaded_demo, runner):
    assert loaded_demo.exit_code == 0
    after_first = _counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already in place" in second.stdout
    assert _counts() == after_first


def test_an_existing_bank_of_the_same_name_is_left_alone(runner, app):
    from app.accounts.actors import SYSTEM
    from app.banks.services import create_bank
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses

    law = ensure_courses()[0]
    create_bank(SYSTEM, law, demo.demo_bank_name(law, "law"), now=utcnow(), ip="t")
    db.session.commit()
    assert runner.invoke(args=["demo"]).exit_code == 0
    bank = db.session.scalars(db.select(Bank).where(Bank.course_id == law.id)).one()
    assert db.session.scalar(db.select(func.count(Question.id)).where(Question.bank_id == bank.id)) == 0
    assert db.session.scalar(db.select(func.count(Bank.id))) == 4


def test_bank_names_follow_the_course_and_the_file():
    course = Course(code="law", name="相关法律、法规知识")
    assert demo.demo_bank_name(course, "law") == "相关法律、法规知识题库"
    assert demo.demo_bank_name(course, "extra") == "相关法律、法规知识题库（extra）"
