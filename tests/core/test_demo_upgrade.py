"""`flask demo` on a database an earlier release loaded: tests/fixtures/shipped-2025 holds the shipped banks and
lessons as they were before the curriculum rework (`git show 4421ef7^:…`). With last year's results sat on those
questions and a trainer's edits and regrade, the upgrade brings the current files in — IDs adopted, corrected
questions as new versions, new questions and lessons, the dropped ones retired — keeps what the trainer changed,
leaves every stored score, item score and regrade as it was, and a second run changes nothing."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import demo
from app.accounts import services as account_services
from app.accounts.actors import SYSTEM
from app.audit.models import AuditEvent
from app.banks.formats.table import parse_table
from app.banks.importing import import_bank, read_bank_file
from app.banks.models import Bank, Question, QuestionVersion
from app.banks.services import content_of, draft_of, find_bank, revise_question, set_status
from app.core.clock import utcnow
from app.courses.catalog import ensure_courses, find_course
from app.courses.lessons import create_lesson, update_lesson
from app.courses.models import Lesson
from app.courses.shipped import read_lesson_file
from app.extensions import db
from tests.migration_scripts import migration

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "tests" / "fixtures" / "shipped-2025"


def _old_demo(now) -> None:
    """What `flask demo` did before the files had IDs: each bank file imported once by the system into a new
    bank, each lesson created once by the demo trainer; the other steps as they still are (exams, training,
    last year's results sat through the exam services)."""
    run = demo.DemoRun(now=now)
    for step in (demo.organisation, demo.staff_accounts, demo.collectors):
        step(run)
    trainer = account_services.find_by_staff_no(demo.BANK_OWNER)
    for course in ensure_courses():
        path = OLD / "question_banks" / course.code / f"{course.code}.csv"
        bank = import_bank(SYSTEM, course, demo.demo_bank_name(course, course.code),
                           read_bank_file(path.read_bytes(), path.name), now=now, ip=demo.DEMO_IP).bank
        bank.owners.append(trainer)
        for lesson in sorted((OLD / "material" / course.code).glob("*.md")):
            create_lesson(trainer, course, *read_lesson_file(lesson), now=now, ip=demo.DEMO_IP)
        course.lecturers.append(trainer)
    for step in (demo.exams, demo.training, demo.past_results):
        step(run)
    db.session.commit()


def _rows(code: str) -> dict:
    path = ROOT / "question_banks" / code / f"{code}.csv"
    drafts, issues = parse_table(path.read_bytes(), path.name)
    assert not issues
    return {draft.external_id: draft for draft in drafts}


def _shipped_bank(code: str) -> Bank:
    course = find_course(code)
    return find_bank(course, demo.demo_bank_name(course, code))


def _old_question(code: str, external_id: str) -> Question:
    """The question an earlier release loaded that reads like this row of the current file."""
    identity = content_of(_rows(code)[external_id], None)["fingerprint"]
    return db.session.scalars(
        select(Question).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == _shipped_bank(code).id, QuestionVersion.fingerprint == identity)).one()


def _stored() -> dict:
    """Every stored score: attempts, paper items, regrades and evaluations."""
    from app.evaluation.models import Evaluation
    from app.exams.models import Attempt, PaperItem, Regrade

    fresh = {"populate_existing": True}
    return {
        "attempts": {a.id: (a.status, a.score, a.passed, a.max_score) for a in db.session.scalars(
            select(Attempt).execution_options(**fresh))},
        "items": {i.id: (i.score, i.correct, i.version_id, tuple(i.option_order), i.points) for i in db.session.scalars(
            select(PaperItem).execution_options(**fresh))},
        "regrades": {r.id: (r.exam_id, r.version_id, r.action, r.key_version_id) for r in db.session.scalars(
            select(Regrade).execution_options(**fresh))},
        "evaluations": {e.id: (e.total, e.rating, e.outcome, e.courses) for e in db.session.scalars(
            select(Evaluation).execution_options(**fresh))},
    }


def _graded_again_as_stored() -> None:
    from app.exams.grading import grade_item, regrades_of
    from app.exams.models import Attempt, PaperItem
    from app.exams.policies import multiple_policy

    for attempt in db.session.scalars(select(Attempt).where(Attempt.status == "submitted")):
        policy, regrades = multiple_policy(attempt.exam), regrades_of(attempt.exam_id)
        for item in db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)):
            grade = grade_item(item, policy, regrades.get(item.version_id))
            assert (grade.score, grade.correct) == (item.score, item.correct), (attempt.id, item.position)


def _state() -> dict:
    return {
        "questions": {q.id: (q.status, q.current_version_id) for q in db.session.scalars(select(Question))},
        "versions": db.session.scalar(select(func.count(QuestionVersion.id))),
        "lessons": {lesson.id: (lesson.title, lesson.body, lesson.shipped_sha256)
                    for lesson in db.session.scalars(select(Lesson))},
        "events": db.session.scalar(select(func.count(AuditEvent.id))),
    }


def test_flask_demo_upgrades_a_database_an_earlier_release_loaded(runner):
    from app.exams.models import Attempt, Exam, PaperItem
    from app.exams.regrades import REKEY, apply_regrade

    _old_demo(utcnow() - timedelta(days=60))
    trainer = account_services.find_by_staff_no(demo.BANK_OWNER)
    now = utcnow() - timedelta(days=30)

    # Before the upgrade, the trainer fixes a law fill-in on last year's papers (the curriculum corrected it too,
    # differently) and regrades the exam onto the fix; retires an etiquette question; edits one the curriculum
    # dropped; and adds a paragraph to the first law lesson.
    fixed = _old_question("law", "law-0090")
    on_paper = db.session.scalars(select(PaperItem).where(PaperItem.version_id == fixed.current_version_id)).first()
    assert on_paper is not None
    fixed_old_version = fixed.current
    mine = revise_question(trainer, fixed, replace(draft_of(fixed.current), explanation="讲师补充：月、日可写01。"),
                           now=now, ip="t")
    apply_regrade(trainer, db.session.get(Exam, on_paper.attempt.exam_id), fixed_old_version, REKEY,
                  reason="补充解析", now=now, ip="t")
    retired = _old_question("etiquette", "etiquette-0019")
    set_status(trainer, retired, "retired", now=now, ip="t")
    identities = {content_of(row, None)["fingerprint"] for row in _rows("law").values()}
    dropped = db.session.scalars(
        select(Question).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == _shipped_bank("law").id, QuestionVersion.fingerprint.not_in(identities))
        .order_by(Question.id)).first()
    dropped_mine = revise_question(trainer, dropped, replace(draft_of(dropped.current), difficulty=5), now=now,
                                   ip="t")
    overview = db.session.scalar(select(Lesson).where(Lesson.title.like("%收费公路管理条例%"),
                                                      Lesson.course_id == find_course("law").id))
    update_lesson(trainer, overview, overview.title, overview.body + "\n\n本站补充：站内公示栏位置见值班室。", now=now,
                  ip="t")
    db.session.commit()
    migration("0011_shipped_upgrades").mark_demo_content(db.session.connection())  # the upgrade to this release (flask db upgrade)
    db.session.commit()
    marked = set(db.session.scalars(select(QuestionVersion.id).where(QuestionVersion.shipped.is_(True))))
    assert fixed_old_version.id in marked and not {mine.id, dropped_mine.id} & marked
    assert len(marked) == db.session.scalar(select(func.count(Question.id)))  # every first version, only those
    lessons_before = db.session.scalar(select(func.count(Lesson.id)))
    db.session.refresh(overview)
    assert overview.shipped_sha256 is None
    assert db.session.scalar(select(func.count(Lesson.id)).where(Lesson.shipped_sha256.is_not(None))) == (
        lessons_before - 1)
    overview_body = overview.body
    stored, questions_before = _stored(), set(db.session.scalars(select(Question.id)))
    assert len(stored["attempts"]) > 100 and stored["regrades"]

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Shipped questions and lessons brought up to date" in output

    # Every ID of the current files names exactly one question of its shipped bank; all active but the one the
    # trainer retired; no course shows the same question twice.
    for course in ensure_courses():
        bank, rows = _shipped_bank(course.code), _rows(course.code)
        held = {q.external_id: q for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id))
                if q.external_id}
        assert set(held) == set(rows), course.code
        inactive = {external_id for external_id, q in held.items() if q.status != "active"}
        assert inactive == ({"etiquette-0019"} if course.code == "etiquette" else set()), course.code
        active = db.session.scalars(
            select(QuestionVersion.fingerprint).join(Question, Question.current_version_id == QuestionVersion.id)
            .join(Bank, Bank.id == Question.bank_id)
            .where(Bank.course_id == course.id, Question.status == "active")).all()
        assert len(active) == len(set(active)), course.code
        # What the earlier release had and the current one dropped is retired (the trainer's edit aside).
        gone = [q for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id))
                if not q.external_id]
        assert gone and all(q.status == "retired" for q in gone if q.id != dropped.id), course.code

    # A question the curriculum corrected without changing how it reads: the next version, the loader's.
    corrected = _old_question("procedures", "procedures-0048")
    assert corrected.external_id == "procedures-0048" and corrected.current.number == 2 and corrected.current.shipped
    assert corrected.current.key == content_of(_rows("procedures")["procedures-0048"], None)["key"]
    # The trainer's changes stay, and the summary says so.
    assert (fixed.external_id, fixed.current_version_id, fixed.status) == ("law-0090", mine.id, "active")
    assert (dropped.current_version_id, dropped.status) == (dropped_mine.id, "active")
    assert retired.status == "retired" and retired.external_id == "etiquette-0019"
    for label in (f"law-0090 (#{fixed.id})", f"#{dropped.id}", f"etiquette-0019 (#{retired.id})",
                  "law/01-toll-road-regulations-overview.md"):
        assert label in output
    assert set(db.session.scalars(select(Question.id))) >= questions_before  # nothing deleted

    # Lessons: the edited one kept, every other one as its file says, the new ones added.
    material = sorted((ROOT / "app" / "courses" / "material").glob("*/*.md"))
    assert db.session.scalar(select(func.count(Lesson.id))) == lessons_before + 7 == len(material)
    assert overview.body == overview_body
    for path in material:
        title, body = read_lesson_file(path)
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == title))
        assert lesson.body == body or lesson.id == overview.id, path.name

    # Past results: every stored score as it was, and grading every paper again gives it.
    assert _stored() == stored
    _graded_again_as_stored()
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.status == "submitted")) > 100

    state = _state()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "already in place; nothing changed" in again.output
    assert _state() == state
