"""Computing a batch's evaluations from results and attendance; overrides, sign-off lock and reopen."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.errors import Conflict, DomainError
from app.core.roles import Role
from app.evaluation import computing, review, schemes
from app.evaluation.figures import group_figures
from app.evaluation.models import Evaluation, EvaluationScheme
from app.extensions import db
from app.training.models import Attendance, TrainingPlan
from tests import factories
from tests.evaluation.support import NOW, batch_of, exam_for, exams_for, result, results


@pytest.fixture
def people(app, org):
    a, b = org.stations
    made = {
        "hr": factories.make_user("hr01", roles=[Role.HR]),
        "trainer": factories.make_user("t01", roles=[Role.TRAINER]),
        "ann": factories.make_user("c001", name="安", station=a, team=a.teams[0]),
        "bo": factories.make_user("c002", name="博", station=a, team=a.teams[1]),
        "cy": factories.make_user("c003", name="慈", station=b, team=b.teams[0]),
    }
    db.session.commit()
    return made


def compute(hr, batch):
    return {e.user.staff_no: e for e in computing.compute_batch(hr, batch, now=NOW, ip="test")}


def events(action):
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def test_evaluations_follow_the_default_scheme(people):
    batch = batch_of([people["ann"], people["bo"], people["cy"]])
    exams = exams_for(batch)
    results(people["ann"], exams, 95, 90, 85, 80)  # 89.00 良好
    results(people["bo"], exams, 92, 95, 90, 88)  # 91.40 优秀, award
    results(people["cy"], exams, 55, 90, 90, 90)  # 76.00, law failed → make-up
    got = compute(people["hr"], batch)
    assert (got["c001"].total, got["c001"].rating, got["c001"].outcome) == (D("89.00"), "good", "none")
    assert (got["c002"].total, got["c002"].rating, got["c002"].outcome) == (D("91.40"), "excellent", "award")
    assert (got["c003"].total, got["c003"].outcome) == (D("76.00"), "makeup_required")
    assert got["c003"].courses["law"]["status"] == "failed"
    scheme = db.session.scalar(db.select(EvaluationScheme))
    assert scheme.version == 1 and all(e.scheme_id == scheme.id for e in got.values())


def test_best_regular_attempt_counts_and_makeup_is_capped(people):
    batch = batch_of([people["ann"]])
    exams = exams_for(batch)
    results(people["ann"], exams, 40, 80, 80, 80)
    result(people["ann"], exams["law"], 50, number=2)
    makeup = exam_for(batch, "law", makeup_of=exams["law"])
    result(people["ann"], makeup, 97)
    got = compute(people["hr"], batch)["c001"]
    assert got.courses["law"] == {"status": "passed_makeup", "regular": "50.00", "makeup": "97.00",
                                  "counted": "60.00", "attempt_id": got.courses["law"]["attempt_id"]}
    assert got.total == D("72.00")  # 0.4*60 + 0.2*240


def test_exams_not_admitting_the_batch_and_drafts_do_not_count(people):
    batch = batch_of([people["ann"]])
    other = batch_of([people["bo"]], name="别的期")
    results(people["ann"], exams_for(other), 100, 100, 100, 100)
    draft = exam_for(batch, "law", status="draft")
    result(people["ann"], draft, 100)
    got = compute(people["hr"], batch)["c001"]
    assert got.total == D("0.00") and got.outcome == "makeup_required"
    assert {c["status"] for c in got.courses.values()} == {"missing"}


def _two_sessions(people, batch, first_status, second_status=None):
    """bo seated in two ended sessions of `batch`, with these statuses (None: nobody recorded the second)."""
    first = factories.make_session(batch, "law", people["trainer"], seats=[people["bo"]])
    second = factories.make_session(batch, "integrity", people["trainer"], day=batch.starts_on + timedelta(days=1),
                                    seats=[people["bo"]])
    for session, status in ((first, first_status), (second, second_status)):
        if status is not None:
            db.session.add(Attendance(session_id=session.id, user_id=people["bo"].id, status=status, recorded_at=NOW,
                                      via="roll"))
    db.session.flush()


def test_attendance_below_the_minimum_blocks_the_award(people):
    batch = batch_of([people["bo"]], starts_on=date.today() - timedelta(days=10))
    results(people["bo"], exams_for(batch), 100, 100, 100, 100)
    _two_sessions(people, batch, "present", "absent")
    got = computing.compute_batch(people["hr"], batch, now=utcnow(), ip="test")[0]
    assert got.attendance == D("50.00") and not got.attendance_met
    assert got.outcome == "none"


def test_a_session_nobody_recorded_is_no_absence_in_the_evaluation(people):
    # As on the batch attendance page: attended of recorded; the unrecorded session counts neither way.
    batch = batch_of([people["bo"]], starts_on=date.today() - timedelta(days=10))
    results(people["bo"], exams_for(batch), 100, 100, 100, 100)
    _two_sessions(people, batch, "present")
    got = computing.compute_batch(people["hr"], batch, now=utcnow(), ip="test")[0]
    assert got.attendance == D("100.00") and got.attendance_met
    assert got.outcome == "award"


def test_a_second_failed_plan_in_a_row_calls_for_an_employment_review(people):
    plans = [TrainingPlan(name=f"计划{n}", created_at=NOW) for n in (1, 2)]
    db.session.add_all(plans)
    db.session.flush()
    earlier = batch_of([people["ann"]], starts_on=date(2025, 5, 1), plan=plans[0], name="2025第一期")
    results(people["ann"], exams_for(earlier), 30, 40, 40, 40)
    later = batch_of([people["ann"]], starts_on=date(2026, 5, 1), plan=plans[1], name="2026第一期")
    results(people["ann"], exams_for(later), 30, 40, 40, 40)
    assert compute(people["hr"], earlier)["c001"].outcome == "makeup_required"
    assert compute(people["hr"], later)["c001"].outcome == "employment_review"


def test_a_passed_period_in_between_resets_the_count(people):
    batches = []
    for year, scores in ((2024, (30, 40, 40, 40)), (2025, (90, 90, 90, 90)), (2026, (30, 40, 40, 40))):
        batch = batch_of([people["ann"]], starts_on=date(year, 5, 1), name=f"{year}期")
        results(people["ann"], exams_for(batch), *scores)
        batches.append(batch)
    outcomes = [compute(people["hr"], batch)["c001"].outcome for batch in batches]
    assert outcomes == ["makeup_required", "award", "makeup_required"]


def test_override_needs_a_reason_and_is_audited(people):
    batch = batch_of([people["cy"]])
    results(people["cy"], exams_for(batch), 55, 90, 90, 90)
    evaluation = compute(people["hr"], batch)["c003"]
    with pytest.raises(DomainError):
        review.override(people["hr"], evaluation, "none", "  ", now=NOW, ip="test")
    review.override(people["hr"], evaluation, "none", "病假后已补训", now=NOW, ip="test")
    assert evaluation.final_outcome == "none" and evaluation.outcome == "makeup_required"
    [event] = events("evaluation.overridden")
    assert event.details["old"] == "makeup_required" and event.details["new"] == "none"
    assert event.details["reason"] == "病假后已补训"


def test_recomputing_keeps_an_override(people):
    batch = batch_of([people["cy"]])
    results(people["cy"], exams_for(batch), 55, 90, 90, 90)
    evaluation = compute(people["hr"], batch)["c003"]
    review.override(people["hr"], evaluation, "none", "reason", now=NOW, ip="test")
    again = compute(people["hr"], batch)["c003"]
    assert again.id == evaluation.id and again.final_outcome == "none"


def test_sign_off_locks_until_reopened(people):
    batch = batch_of([people["ann"]])
    results(people["ann"], exams_for(batch), 95, 90, 85, 80)
    evaluation = compute(people["hr"], batch)["c001"]
    review.sign_off(people["hr"], batch, now=NOW, ip="test")
    with pytest.raises(Conflict):
        computing.compute_batch(people["hr"], batch, now=NOW, ip="test")
    with pytest.raises(Conflict):
        review.override(people["hr"], evaluation, "award", "reason", now=NOW, ip="test")
    with pytest.raises(Conflict):
        review.sign_off(people["hr"], batch, now=NOW, ip="test")
    with pytest.raises(DomainError):
        review.reopen(people["hr"], batch, "", now=NOW, ip="test")
    review.reopen(people["hr"], batch, "成绩复核", now=NOW, ip="test")
    compute(people["hr"], batch)
    assert [e.details["reason"] for e in events("evaluation.reopened")] == ["成绩复核"]
    assert len(events("evaluation.signed_off")) == 1


def test_sign_off_is_refused_while_answers_wait_for_grading(people):
    batch = batch_of([people["ann"]])
    exams = exams_for(batch)
    results(people["ann"], {**exams}, 95, 90, 85, 80)
    result(people["ann"], exams["law"], None, number=2, graded=False)
    db.session.execute(db.delete(Evaluation))
    # the graded law attempt passed, so the ungraded retake does not hold anything up
    assert compute(people["hr"], batch)["c001"].outcome == "none"
    other = batch_of([people["bo"]], name="另一期")
    more = exams_for(other)
    results(people["bo"], more, 95, 90, 85, 80)
    db.session.execute(db.delete(db.metadata.tables["attempts"]).where(
        db.metadata.tables["attempts"].c.user_id == people["bo"].id,
        db.metadata.tables["attempts"].c.exam_id == more["etiquette"].id))
    result(people["bo"], more["etiquette"], None, graded=False)
    assert compute(people["hr"], other)["c002"].outcome == "pending"
    with pytest.raises(Conflict):
        review.sign_off(people["hr"], other, now=NOW, ip="test")


def test_a_new_scheme_version_applies_on_recompute(people):
    batch = batch_of([people["ann"]])
    results(people["ann"], exams_for(batch), 100, 50, 50, 50)
    assert compute(people["hr"], batch)["c001"].total == D("70.00")
    data = schemes.SchemeData(weights={"law": D(70), "integrity": D(10), "etiquette": D(10), "procedures": D(10)})
    schemes.save_scheme(people["hr"], data, now=NOW, ip="test")
    again = compute(people["hr"], batch)["c001"]
    assert again.total == D("85.00") and again.scheme.version == 2


@pytest.mark.parametrize("change, field", [
    ({"weights": {"law": D(50), "integrity": D(20)}}, "weights"),
    ({"excellent_min": D(70)}, "good_min"),
    ({"attendance_mode": "weight", "attendance_weight": D(0)}, "attendance_weight"),
    ({"award_min": D(101)}, "award_min"),
    ({"review_periods": 0}, "review_periods"),
])
def test_scheme_errors_name_the_field_and_store_nothing(people, change, field):
    data = schemes.SchemeData(**{**schemes.DEFAULTS.__dict__, **change})
    with pytest.raises(DomainError) as raised:
        schemes.save_scheme(people["hr"], data, now=NOW, ip="test")
    assert raised.value.field == field
    assert db.session.scalar(db.select(EvaluationScheme)) is None


def test_station_and_team_figures_rank_by_mean(people):
    batch = batch_of([people["ann"], people["bo"], people["cy"]])
    exams = exams_for(batch)
    results(people["ann"], exams, 50, 50, 50, 50)  # 50.00 fail
    results(people["bo"], exams, 90, 90, 90, 90)  # 90.00
    results(people["cy"], exams, 80, 80, 80, 80)  # 80.00
    compute(people["hr"], batch)
    stations = group_figures(batch.id, "station")
    assert [(s.label, s.people, s.mean, s.pass_rate, s.rank) for s in stations] == [
        ("西站", 1, D("80.00"), D("100.00"), 1), ("东站", 2, D("70.00"), D("50.00"), 2)]
    teams = group_figures(batch.id, "team")
    assert [t.rank for t in teams] == [1, 2, 3] and teams[0].mean == D("90.00")


def test_people_leaving_the_batch_lose_their_evaluation(people):
    batch = batch_of([people["ann"], people["bo"]])
    compute(people["hr"], batch)
    db.session.delete(batch.members[0])
    db.session.flush()
    assert set(compute(people["hr"], batch)) == {"c002"}
