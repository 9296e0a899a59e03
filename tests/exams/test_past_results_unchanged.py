"""Past results never change silently: over the demo's sittings, the upgrade to per-question answer changes
(migration 0009) keeps every stored answer and score, and reading the submitted papers again with today's
code gives exactly the scores stored when they were graded."""

import shutil

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app import create_app
from app.exams.grading import grade_item, multiple_policy, regrades_of
from app.exams.models import Attempt, PaperItem
from app.extensions import db
from tests.conftest import BASE_TEST_CONFIG


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """A SQLite file with the demo (its past sittings included), built once for this module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def demo_app(demo_database, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_database, copy)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _results():
    db.session.expire_all()
    attempts = db.session.execute(select(Attempt.id, Attempt.status, Attempt.score, Attempt.passed,
                                         Attempt.max_score).order_by(Attempt.id)).all()
    items = db.session.execute(select(PaperItem.attempt_id, PaperItem.position, PaperItem.response,
                                      PaperItem.option_order, PaperItem.score, PaperItem.correct)
                               .order_by(PaperItem.attempt_id, PaperItem.position)).all()
    return [tuple(row) for row in attempts], [tuple(row) for row in items]


def test_the_answer_changes_migration_keeps_every_stored_answer_and_score(demo_app):
    before = _results()
    assert sum(status == "submitted" for _id, status, *_rest in before[0]) >= 50, "the demo has past results"
    db.session.remove()
    downgrade(revision="0008_api_clients")
    upgrade()
    assert _results() == before
    answered = db.session.scalars(select(PaperItem).where(PaperItem.answered_at.is_not(None))).all()
    assert answered and all((item.changed_by, item.change_seq, item.rev) == ("migrated", 1, 1) for item in answered)


def test_regrading_every_demo_paper_with_todays_code_gives_the_stored_scores(demo_app):
    submitted = db.session.scalars(select(Attempt).where(Attempt.status == "submitted")).all()
    assert submitted
    checked = 0
    for attempt in submitted:
        policy, regrades = multiple_policy(attempt.exam), regrades_of(attempt.exam_id)
        for item in attempt.items:
            if item.graded_by_id is not None:
                continue  # a trainer's grade is not recomputed
            assert grade_item(item, policy, regrades.get(item.version_id)).score == item.score, (
                f"attempt {attempt.id} question {item.position}")
            checked += 1
    assert checked > 1000
