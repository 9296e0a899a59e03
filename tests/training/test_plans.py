"""Training plans: parsing the share, creating and editing plans, who is in scope, the solver's problem."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.org.models import Office, Station, Team
from app.training import plan_allocation, plans
from app.training.models import TrainingPlan, Unavailability
from tests.factories import make_batch, make_user

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
START = date(2026, 5, 4)


def make_plan_org(*, per_team=3, batches=3, share=Fraction(1, 3), capacity=None, hr=None):
    """Three stations × two teams with `per_team` collectors each, a plan over all stations and
    `batches` two-day batches a week apart (all in planning)."""
    office = Office(name="计划测试收费所")
    stations = [Station(office=office, name=name) for name in ("东站", "西站", "南站")]
    for station in stations:
        station.teams = [Team(name="一班"), Team(name="二班")]
    db.session.add(office)
    db.session.flush()
    org = SimpleNamespace(office=office, stations=stations)
    hr = hr or make_user(roles=[Role.HR])
    people = [make_user(roles=[Role.COLLECTOR], team=team)
              for station in org.stations for team in station.teams for _ in range(per_team)]
    plan = plans.create_plan(hr, name="2026年春季培训", share=share, stations=org.stations, teams=[], now=NOW,
                             ip="test")
    made = [make_batch(f"第{n + 1}期", plan=plan, starts_on=START + timedelta(days=7 * n), capacity=capacity)
            for n in range(batches)]
    db.session.commit()
    return SimpleNamespace(org=org, hr=hr, people=people, plan=plan, batches=made)


@pytest.mark.parametrize("text, expected", [
    ("1/3", Fraction(1, 3)), ("0.3", Fraction(3, 10)), ("30%", Fraction(3, 10)), ("33.3%", Fraction(333, 1000)),
    ("１／３", Fraction(1, 3)), ("３０％", Fraction(3, 10)), (" 1 / 4 ", Fraction(1, 4)), ("1", Fraction(1)),
    ("100%", Fraction(1)), (".5", Fraction(1, 2)),
])
def test_parse_share_accepts_fractions_decimals_and_percentages(app, text, expected):
    assert plans.parse_share(text) == expected


@pytest.mark.parametrize("text", ["0", "0%", "0/3", "4/3", "1.5", "120%", "-1/3", "abc", "", "1/0", "1/3/4",
                                  "三分之一", "0.0000001"])
def test_parse_share_refuses_out_of_range_and_junk(app, text):
    with pytest.raises(DomainError) as caught:
        plans.parse_share(text)
    assert caught.value.field == "share"
    assert str(caught.value.message)


def test_share_text_shows_fraction_and_percent():
    assert plans.share_text(Fraction(1, 3)) == "1/3 (33.3%)"
    assert plans.share_text(Fraction(1)) == "100%"


def test_create_plan_is_audited_and_a_duplicate_name_is_refused(app, org, users):
    hr = users[Role.HR]
    plan = plans.create_plan(hr, name=" 春训 ", share=Fraction(1, 4), stations=[org.stations[0]], teams=[],
                             now=NOW, ip="test")
    assert plan.name == "春训" and plan.max_share == Fraction(1, 4)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.PLAN_CREATED))
    assert event.target_id == str(plan.id) and event.details["share"] == "1/4"
    with pytest.raises(DomainError, match="春训 already exists") as caught:
        plans.create_plan(hr, name="春训", share=Fraction(1, 3), stations=[org.stations[1]], teams=[], now=NOW,
                          ip="test")
    assert caught.value.field == "name"


def test_a_plan_needs_a_station_or_a_team(app, users):
    with pytest.raises(DomainError, match="at least one station or team"):
        plans.create_plan(users[Role.HR], name="空", share=Fraction(1, 3), stations=[], teams=[], now=NOW, ip="t")


def test_scope_is_active_collectors_of_the_stations_and_teams_by_staff_no(app, org, users):
    east, west = org.stations
    inside = [make_user("c0200", team=east.teams[1]), make_user("c0100", team=west.teams[0])]
    make_user("c0300", team=west.teams[1])  # other team of the other station
    make_user("c0400", team=east.teams[0], active=False)
    make_user("t0500", roles=[Role.TRAINER], team=east.teams[0])
    plan = plans.create_plan(users[Role.HR], name="范围", share=Fraction(1, 3), stations=[east],
                             teams=[west.teams[0]], now=NOW, ip="t")
    scope = plans.scope_users(plan)
    assert [u.staff_no for u in scope] == ["c0001", "c0100", "c0200"]
    assert users[Role.COLLECTOR] in scope and all(u in scope for u in inside)


def test_plan_counts_agree_with_each_plans_scope_and_members_in_two_queries(app, org, users):
    from sqlalchemy import event

    east, west = org.stations
    make_user("c0100", team=west.teams[0])
    make_user("c0200", team=east.teams[1])
    make_user("c0400", team=east.teams[0], active=False)
    both = plans.create_plan(users[Role.HR], name="站和班组", share=Fraction(1, 3), stations=[east],
                             teams=[east.teams[0], west.teams[0]], now=NOW, ip="t")  # east's team counted once
    team_only = plans.create_plan(users[Role.HR], name="班组", share=Fraction(1, 3), stations=[],
                                  teams=[west.teams[0]], now=NOW, ip="t")
    empty = plans.create_plan(users[Role.HR], name="无人", share=Fraction(1, 3), stations=[],
                              teams=[west.teams[1]], now=NOW, ip="t")
    make_batch("第1期", plan=both, starts_on=START, members=[users[Role.COLLECTOR]])
    db.session.commit()
    expected = {plan.id: (len(plans.scope_users(plan)), len(plans.plan_members(plan)))
                for plan in (both, team_only, empty)}  # also loads the plans again after the commit
    statements = []

    def counted(_connection, _cursor, statement, *_rest):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        counts = plans.plan_counts([both, team_only, empty])
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert counts == expected
    assert counts == {both.id: (3, 1), team_only.id: (1, 0), empty.id: (0, 0)}
    assert len(statements) == 2
    assert plans.plan_counts([]) == {}


def test_update_plan_changes_the_scope_while_every_batch_is_in_planning(app):
    setup = make_plan_org(per_team=1)
    plan = setup.plan
    changed = plans.update_plan(setup.hr, plan, name="改名", share=Fraction(1, 2), stations=setup.org.stations[:1],
                                teams=[], now=NOW, ip="t")
    assert changed and plan.name == "改名" and plan.max_share == Fraction(1, 2)
    assert len(plans.scope_users(plan)) == 2
    assert not plans.update_plan(setup.hr, plan, name="改名", share=Fraction(1, 2),
                                 stations=setup.org.stations[:1], teams=[], now=NOW, ip="t")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.PLAN_UPDATED)) is not None


def test_scope_change_is_refused_once_a_batch_is_scheduled_and_names_it(app):
    setup = make_plan_org(per_team=1)
    setup.batches[1].status = "scheduled"
    with pytest.raises(DomainError, match="第2期 is no longer in planning"):
        plans.update_plan(setup.hr, setup.plan, name=setup.plan.name, share=Fraction(1, 3),
                          stations=setup.org.stations[:1], teams=[], now=NOW, ip="t")
    # The name and share may still change.
    assert plans.update_plan(setup.hr, setup.plan, name="新名", share=Fraction(1, 2),
                             stations=setup.org.stations, teams=[], now=NOW, ip="t")


def test_build_problem_blocks_batches_during_leave_and_keeps_pins(app):
    setup = make_plan_org(per_team=1)
    person, pinned = setup.people[0], setup.people[1]
    db.session.add(Unavailability(user_id=person.id, starts_on=START + timedelta(days=1),
                                  ends_on=START + timedelta(days=8), created_at=NOW))
    from app.training.models import BatchMember

    setup.batches[2].members.append(BatchMember(user_id=pinned.id, plan_id=setup.plan.id, pinned=True,
                                                added_at=NOW))
    nowhere = make_user(roles=[Role.COLLECTOR])
    setup.plan.teams = []
    db.session.flush()
    problem = plan_allocation.build_problem(setup.plan)
    by_id = {p.id: p for p in problem.people}
    assert by_id[person.id].blocked == {setup.batches[0].id, setup.batches[1].id}
    assert by_id[pinned.id].pinned == setup.batches[2].id
    assert by_id[person.id].station == person.station_id and by_id[person.id].team == person.team_id
    assert nowhere.id not in by_id
    assert [b.id for b in problem.batches] == [b.id for b in setup.batches]
    assert problem.max_share == Fraction(1, 3)
    assert isinstance(db.session.get(TrainingPlan, setup.plan.id), TrainingPlan)
