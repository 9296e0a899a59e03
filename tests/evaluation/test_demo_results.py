"""The demo's last-year training: finished batches with attendance, exams sat through the real services,
evaluations computed, the first batch signed off, and nothing added on a second run."""

from sqlalchemy import func

from app.demo_results import PAST_PLAN
from app.evaluation.models import Evaluation, EvaluationSignoff
from app.exams.models import Attempt, PaperItem
from app.extensions import db
from app.training.models import Attendance, Batch, TrainingPlan


def counts():
    return {model.__name__: db.session.scalar(db.select(func.count()).select_from(model))
            for model in (Attempt, PaperItem, Evaluation, EvaluationSignoff, Attendance)}


def test_demo_has_last_years_results_and_evaluations(loaded_demo, runner):
    result = loaded_demo
    assert result.exit_code == 0, result.output
    plan = db.session.scalar(db.select(TrainingPlan).where(TrainingPlan.name == PAST_PLAN))
    batches = db.session.scalars(db.select(Batch).where(Batch.plan_id == plan.id).order_by(Batch.starts_on)).all()
    assert [b.status for b in batches] == ["finished", "finished"]
    evaluations = db.session.scalars(db.select(Evaluation)).all()
    assert len(evaluations) == 90
    assert {e.rating for e in evaluations} >= {"excellent", "good", "pass", "fail"}
    assert {e.outcome for e in evaluations} >= {"award", "makeup_required", "none"}
    signed = db.session.scalars(db.select(EvaluationSignoff.batch_id)).all()
    assert signed == [batches[0].id]
    submitted = db.session.scalars(db.select(Attempt).where(Attempt.status == "submitted")).all()
    assert len(submitted) > 300 and all(a.score is not None for a in submitted)
    before = counts()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and counts() == before
