"""`flask demo` also plans the training: two published batches with the four courses scheduled and every demo
collector allocated within the limits; once."""

from sqlalchemy import func, select

from app import demo
from app.extensions import db
from app.training import plan_allocation
from app.training.allocation import check
from app.training.models import Batch, BatchMember, Seat, TrainingPlan, TrainingSession


def test_demo_plans_two_published_batches_with_every_collector_seated_once(loaded_demo, runner):
    first = loaded_demo
    assert first.exit_code == 0, first.output
    plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.name == demo.DEMO_PLAN))
    assert plan is not None and len(plan.batches) == 2
    for batch in plan.batches:
        assert batch.status == "scheduled"
        assert sorted(s.course.code for s in batch.sessions) == ["etiquette", "integrity", "law", "procedures"]
        assert {s.slot for s in batch.sessions if s.course.code == "law"} == {"full"}
        assert all(batch.starts_on <= s.day <= batch.ends_on for s in batch.sessions)
        members = {m.user_id for m in batch.members}
        for session in batch.sessions:
            assert {seat.user_id for seat in session.seats} == members
    assert plan.batches[0].starts_on.weekday() == 0 and plan.batches[0].starts_on < plan.batches[1].starts_on

    scope = plan_allocation.load_scope(plan)
    assignment = {m.user_id: m.batch_id for m in db.session.scalars(select(BatchMember).where(BatchMember.plan_id == plan.id))}
    assert len(assignment) == 90 and check(scope.problem, assignment) == []
    assert sorted(len(b.members) for b in plan.batches) == [45, 45]

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count()).select_from(Batch).where(Batch.plan_id == plan.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Seat).join(Seat.session).join(TrainingSession.batch)
                             .where(Batch.plan_id == plan.id)) == 90 * 4


def test_demo_collectors_can_still_start_the_demo_exams_before_training(loaded_demo):
    """The demo sessions lie ahead, so attendance does not yet decide who may sit."""
    from app.accounts import services as account_services
    from app.core.clock import utcnow
    from app.exams.audience import refusal
    from app.exams.models import Exam

    assert loaded_demo.exit_code == 0
    collector = account_services.find_by_staff_no(demo.collector_staff_no(0))
    for exam in db.session.scalars(select(Exam).where(Exam.status == "published")):  # not last year's, closed
        assert refusal(collector, exam, utcnow()) is None
