"""Past results never change silently: over the demo data (last year's submitted attempts), what this change does
to existing questions — migration 0010 recomputing identities and the letter rule, a re-import of the shipped
banks, a new version that only sets the letter rule — leaves every stored score exactly as it was, grading every
submitted paper again gives its stored scores, and a regrade onto such a version changes nobody's score."""

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select, update

from app.accounts.actors import SYSTEM
from app.banks.importing import import_bank, read_bank_file
from app.banks.models import Question, QuestionVersion
from app.banks.registry import kind_of
from app.banks.services import draft_of, revise_question
from app.core.clock import utcnow
from app.courses.models import Course
from app.demo_data import demo_bank_name
from app.extensions import db
from tests.migration_scripts import migration

ROOT = Path(__file__).resolve().parents[2]


def _stored():
    from app.exams.models import Attempt, PaperItem

    attempts = {a.id: (a.score, a.passed, a.max_score) for a in db.session.scalars(
        select(Attempt).where(Attempt.status == "submitted").execution_options(populate_existing=True))}
    items = {i.id: (i.score, i.correct, i.version_id, tuple(i.option_order)) for i in db.session.scalars(
        select(PaperItem).where(PaperItem.attempt_id.in_(attempts)).execution_options(populate_existing=True))}
    return attempts, items


def test_the_demo_results_are_unchanged_by_identities_the_letter_rule_and_re_imports(loaded_demo):
    from app.exams.grading import grade_item, regrades_of
    from app.exams.marking import versions_on_papers
    from app.exams.models import Attempt, Exam, PaperItem
    from app.exams.policies import multiple_policy
    from app.exams.regrades import REKEY, plan_regrade

    assert loaded_demo.exit_code == 0
    attempts, items = _stored()
    assert len(attempts) > 100 and all(score is not None for score, _passed, _max in attempts.values())

    # An install from before this change: no letter rule, fingerprints of the old kind, and explanations that
    # name letters on choice questions already on shuffled papers (as 9 shipped ones did: "E即…"). Then 0010.
    lettered = db.session.scalars(select(QuestionVersion.id).where(
        QuestionVersion.type == "multiple", QuestionVersion.id.in_(select(PaperItem.version_id))).limit(9)).all()
    db.session.execute(update(QuestionVersion).values(keep_option_order=False, fingerprint="old"))
    db.session.execute(update(QuestionVersion).where(QuestionVersion.id.in_(lettered))
                       .values(explanation="B即第二项；其余各项均不符合规定。"))
    migration("0010_question_identity").recompute_versions(db.session.connection())
    flagged = set(db.session.scalars(select(QuestionVersion.id).where(QuestionVersion.keep_option_order.is_(True))))
    assert len(lettered) == 9 and set(lettered) <= flagged
    shuffled = db.session.scalars(select(PaperItem).where(PaperItem.version_id.in_(lettered))).all()
    shuffled = [item for item in shuffled if item.option_order != sorted(item.option_order)]
    assert shuffled and all("letter-legend" in kind_of("multiple").present_review(
        item.version, item.option_order, item.response).explanation_html for item in shuffled)
    assert db.session.scalar(select(db.func.count()).where(QuestionVersion.fingerprint == "old")) == 0

    # The shipped banks imported again into their banks: nothing new; the files' IDs name their questions, so
    # the nine explanations rewritten above come back as the files word them, as new versions.
    imported = updated = 0
    for course in db.session.scalars(select(Course)):
        for path in sorted((ROOT / "question_banks" / course.code).glob("*.csv")):
            again = import_bank(SYSTEM, course, demo_bank_name(course, path.stem),
                                read_bank_file(path.read_bytes(), path.name), now=utcnow(), ip="t",
                                create_bank_if_missing=False)
            assert again.created == 0
            imported, updated = imported + 1, updated + again.updated
    assert imported >= 4 and updated == len(lettered)
    db.session.commit()
    assert _stored() == (attempts, items)

    # Every submitted paper graded again from what is stored: the stored scores.
    for attempt in db.session.scalars(select(Attempt).where(Attempt.status == "submitted")):
        policy, regrades = multiple_policy(attempt.exam), regrades_of(attempt.exam_id)
        for item in db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)):
            grade = grade_item(item, policy, regrades.get(item.version_id))
            assert (grade.score, grade.correct) == (item.score, item.correct), (attempt.id, item.position)

    # A new version of every question on a paper that only changes the letter rule: a regrade onto it changes
    # no one's score, and the papers keep their versions and option orders.
    on_papers = db.session.scalars(select(Question).where(Question.id.in_(select(PaperItem.question_id)))).all()
    for question in on_papers:
        draft = draft_of(question.current)
        assert revise_question(SYSTEM, question, replace(draft, keep_order=not question.current.keep_option_order),
                               now=utcnow(), ip="t") is not None or question.current.keep_option_order
    db.session.commit()
    regrades = 0
    for exam in db.session.scalars(select(Exam)):
        for version in versions_on_papers(exam):
            if version.question.current_version_id == version.id:
                continue  # kept the rule either way (its text names letters): no newer version to regrade onto
            plan = plan_regrade(exam, version, REKEY)
            regrades += plan.attempts
            assert plan.changes == [], (exam.id, version.id)
    assert regrades > 0
    assert _stored() == (attempts, items)
