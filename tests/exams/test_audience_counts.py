"""The exam list counts every listed exam's candidates in a few queries (`audience_counts`), and each count is what
the exam's own audience says (`len(audience_users(exam))`): stations, teams, batches and people, overlapping,
inactive staff left out, no audience at all, and make-up exams (who failed or was absent)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

from app.core.roles import Role
from app.exams.audience import audience_counts, audience_users
from app.exams.models import Attempt
from app.exams.states import AttemptState
from app.extensions import db
from tests import factories

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _result(exam, user, score):
    db.session.add(Attempt(exam_id=exam.id, user_id=user.id, number=1, status=AttemptState.SUBMITTED, seed=1,
                           started_at=NOW, deadline_at=NOW + timedelta(minutes=30), submitted_at=NOW,
                           max_score=Decimal(10), score=Decimal(score), passed=Decimal(score) >= exam.pass_mark))


def _exams(users, org):
    trainer = users[Role.TRAINER]
    east, west = org.stations
    east_team = east.teams[0]
    people = [factories.make_user(station=east, team=east_team) for _ in range(3)]
    people += [factories.make_user(station=west, team=west.teams[1]) for _ in range(2)]
    factories.make_user(station=east, team=east_team, active=False)  # never a candidate
    loner = factories.make_user()
    batch = factories.make_batch(members=[people[3], loner])
    bank = factories.make_exam_bank(trainer).bank

    def exam(audience=(), batches=()):
        made = factories.make_exam(trainer, bank, audience=audience, status="draft", now=NOW)
        if batches:
            from app.exams.services import set_audience

            set_audience(trainer, made, station_ids=[a.id for a in audience if a in org.stations],
                         team_ids=[], user_ids=[], batch_ids=[b.id for b in batches], now=NOW, ip="test")
        return made

    exams = [
        exam([east]),  # a station: its three active people
        exam([east_team, people[4]]),  # a team and a person of another station
        exam([east, people[0], loner]),  # overlapping: a person already in the station counts once
        exam([west], batches=[batch]),  # a station and a batch sharing a member
        exam(),  # nobody yet
    ]
    original = exams[0]
    _result(original, people[0], 3)  # failed: needs the make-up exam
    _result(original, people[1], 9)  # passed: does not
    makeup = exam()  # people[2] was absent: needs it
    makeup.makeup_of_id = original.id
    db.session.commit()
    return [*exams, makeup]


def test_audience_counts_equal_each_exams_audience(users, org):
    exams = _exams(users, org)
    expected = {exam.id: len(audience_users(exam)) for exam in exams}
    # The `users` fixture's collector belongs to the east station's first team (and is absent from the original).
    assert list(expected.values()) == [4, 5, 5, 3, 0, 3]
    assert audience_counts(exams) == expected
    assert audience_counts([]) == {}


def test_audience_counts_reads_a_fixed_number_of_queries(users, org):
    exams = _exams(users, org)
    for exam in exams:
        db.session.refresh(exam)  # loaded, as the list page's exams are: only the counting is measured
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        audience_counts(exams)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 3  # the regular exams, the make-up's original audience, its results
