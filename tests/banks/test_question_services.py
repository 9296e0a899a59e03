"""Questions keep every version; editing adds one, retiring hides without deleting."""

from datetime import UTC, datetime
from pathlib import Path

from app.banks.formats.table import parse_table
from app.banks.models import Question, QuestionVersion, Topic
from app.banks.services import add_questions, create_bank, draft_of, revise_question, set_status
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LAW = Path(__file__).resolve().parents[2] / "question_banks" / "law" / "law.csv"


def _bank(users):
    ensure_courses()
    return create_bank(users[Role.TRAINER], find_course("law"), "法规题库", now=NOW, ip="t")


def test_a_shipped_bank_is_stored_with_its_topics_and_first_versions(users):
    drafts, issues = parse_table(LAW.read_bytes(), LAW.name)
    assert issues == []
    questions = add_questions(users[Role.TRAINER], _bank(users), drafts, now=NOW)
    db.session.commit()
    assert len(questions) == len(drafts) >= 60
    assert all(q.current.number == 1 and q.topics for q in questions)
    stored = db.session.scalars(db.select(Question)).all()
    assert {q.current_version_id for q in stored} == {v.id for v in db.session.scalars(db.select(QuestionVersion))}
    assert db.session.scalar(db.select(db.func.count(Topic.id))) >= 5


def test_editing_adds_a_version_and_keeps_the_old_one(users):
    drafts, _ = parse_table(LAW.read_bytes(), LAW.name)
    question = add_questions(users[Role.TRAINER], _bank(users), drafts[:1], now=NOW)[0]
    first = question.current
    draft = draft_of(first)
    assert revise_question(users[Role.TRAINER], question, draft, now=NOW, ip="t") is None  # nothing changed
    draft.stem = draft.stem + "（修订）"
    second = revise_question(users[Role.TRAINER], question, draft, now=NOW, ip="t")
    db.session.commit()
    assert (second.number, question.current_version_id) == (2, second.id)
    assert db.session.get(QuestionVersion, first.id).stem == drafts[0].stem


def test_retiring_and_restoring_a_question(users):
    drafts, _ = parse_table(LAW.read_bytes(), LAW.name)
    question = add_questions(users[Role.TRAINER], _bank(users), drafts[:1], now=NOW)[0]
    assert set_status(users[Role.TRAINER], question, "retired", now=NOW, ip="t")
    assert not set_status(users[Role.TRAINER], question, "retired", now=NOW, ip="t")
    assert set_status(users[Role.TRAINER], question, "active", now=NOW, ip="t")
    db.session.commit()
    assert question.status == "active" and len(question.versions) == 1
