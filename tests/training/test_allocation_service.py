"""Putting the solver's allocation into memberships, and checked manual moves."""

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station
from app.training import allocation, allocation_table, plan_allocation
from app.training.models import BatchMember, Unavailability
from tests.factories import make_session, make_user
from tests.training.test_plans import NOW, START, make_plan_org

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", ALLOCATION_TIME_LIMIT=5)


def memberships(plan) -> dict[int, tuple[int, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(select(BatchMember).where(BatchMember.plan_id == plan.id))
    return {m.user_id: (m.batch_id, m.pinned) for m in rows}


def place(plan, user, batch, pinned=False):
    batch.members.append(BatchMember(user_id=user.id, plan_id=plan.id, pinned=pinned, added_at=NOW))
    db.session.flush()


def test_propose_places_everybody_within_every_rule_keeps_pins_and_respects_leave(app):
    setup = make_plan_org(per_team=3)  # 18 people, 6 per station → at most 2 per station per batch
    first, second, third = setup.batches
    on_leave, pinned = setup.people[0], setup.people[6]
    db.session.add(Unavailability(user_id=on_leave.id, starts_on=first.starts_on, ends_on=second.ends_on,
                                  created_at=NOW))
    place(setup.plan, pinned, second, pinned=True)
    outsider = make_user(roles=[Role.COLLECTOR])  # no station, not in scope
    north = Station(office=setup.org.office, name="北站")
    db.session.add(north)
    stale = make_user(roles=[Role.COLLECTOR], station=north)
    place(setup.plan, stale, first)  # a membership of somebody outside the scope is dropped
    db.session.commit()

    result = plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="test")
    db.session.commit()

    assert result.assignment is not None and result.refusals == []
    placed = memberships(setup.plan)
    assert set(placed) == {p.id for p in setup.people}
    assert outsider.id not in placed and stale.id not in placed
    assert placed[pinned.id] == (second.id, True)
    assert placed[on_leave.id] == (third.id, False)
    problem = plan_allocation.build_problem(setup.plan)
    assert allocation.check(problem, {u: b for u, (b, _pin) in placed.items()}) == []
    assert sorted(allocation.counts(problem, {u: b for u, (b, _p) in placed.items()})["batch"].values()) == [6, 6, 6]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.ALLOCATION_APPLIED))
    assert event.details["placed"] == 17 and event.details["pinned"] == 1 and event.details["removed"] == 1


def test_a_second_proposal_keeps_people_placed_by_hand(app):
    setup = make_plan_org(per_team=1, share=Fraction(1, 2))  # 2 per station, 1 per batch
    plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="t")
    person = setup.people[0]
    placed = memberships(setup.plan)
    taken = {placed[p.id][0] for p in setup.people if p.station_id == person.station_id}
    target = next(b for b in setup.batches if b.id not in taken)
    assert plan_allocation.check_move(setup.plan, person, target) == []
    plan_allocation.move(setup.hr, setup.plan, person, target, now=NOW, ip="t")
    plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="t")
    placed = memberships(setup.plan)
    assert placed[person.id] == (target.id, True)
    problem = plan_allocation.build_problem(setup.plan)
    assert allocation.check(problem, {u: b for u, (b, _pin) in placed.items()}) == []


def test_refused_proposal_changes_nothing_and_names_the_station(app):
    setup = make_plan_org(per_team=3, batches=2)  # 6 per station, 2 per batch → room for only 4
    place(setup.plan, setup.people[0], setup.batches[0])
    db.session.commit()
    before = memberships(setup.plan)
    result = plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="test")
    db.session.rollback()
    assert result.assignment is None and result.refusals
    assert memberships(setup.plan) == before
    text = " ".join(plan_allocation.describe_all(plan_allocation.load_scope(setup.plan), result.refusals))
    assert "Station" in text and any(s.name in text for s in setup.org.stations)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.ALLOCATION_APPLIED)) is None


def test_propose_needs_two_batches_all_in_planning(app):
    setup = make_plan_org(per_team=1, batches=1)
    with pytest.raises(DomainError, match="at least two batches"):
        plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="t")


def test_propose_is_refused_when_a_batch_left_planning_and_names_it(app):
    setup = make_plan_org(per_team=1)
    setup.batches[2].status = "scheduled"
    with pytest.raises(DomainError, match="第3期 is no longer in planning"):
        plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="t")


def test_check_move_reports_a_station_share_violation_and_allows_a_good_move(app):
    setup = make_plan_org(per_team=3)
    plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="t")
    db.session.commit()
    placed = memberships(setup.plan)
    person = setup.people[0]
    mine = placed[person.id][0]
    full = next(b for b in setup.batches if b.id != mine)  # two of the station there already (the limit)
    problems = plan_allocation.check_move(setup.plan, person, full)
    assert any("Station 东站 would have 3 collectors" in p and "at most 2" in p for p in problems)
    with pytest.raises(DomainError, match="东站"):
        plan_allocation.move(setup.hr, setup.plan, person, full, now=NOW, ip="t")
    db.session.rollback()
    assert memberships(setup.plan)[person.id] == (mine, False)
    assert plan_allocation.check_move(setup.plan, person, db.session.get(type(full), mine)) == []


def test_a_move_to_a_batch_with_room_is_pinned_and_audited(app):
    setup = make_plan_org(per_team=1, share=Fraction(1, 2))  # 2 per station: 1 per batch allowed … limit 1
    person = setup.people[0]
    first, second, _third = setup.batches
    place(setup.plan, person, first)
    db.session.commit()
    assert plan_allocation.check_move(setup.plan, person, second) == []
    plan_allocation.move(setup.hr, setup.plan, person, second, now=NOW, ip="t")
    db.session.commit()
    assert memberships(setup.plan)[person.id] == (second.id, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.MEMBER_MOVED))
    assert event.details["from"] == first.name and event.details["to"] == second.name


def test_check_move_reports_leave_in_the_target_batch(app):
    setup = make_plan_org(per_team=1)
    person, target = setup.people[0], setup.batches[1]
    db.session.add(Unavailability(user_id=person.id, starts_on=target.starts_on, ends_on=target.starts_on,
                                  created_at=NOW))
    db.session.flush()
    problems = plan_allocation.check_move(setup.plan, person, target)
    assert len(problems) == 1 and "on leave during batch 第2期" in problems[0]


def test_check_move_refuses_people_outside_the_scope(app):
    setup = make_plan_org(per_team=1)
    outsider = make_user(roles=[Role.COLLECTOR])
    assert "not among the staff" in plan_allocation.check_move(setup.plan, outsider, setup.batches[0])[0]


def test_moving_into_a_scheduled_batch_seats_the_person(app):
    setup = make_plan_org(per_team=1)
    person, target = setup.people[0], setup.batches[1]
    lecturer = make_user(roles=[Role.TRAINER])
    session = make_session(target, "law", lecturer, capacity=10)
    target.status = "scheduled"
    db.session.commit()
    plan_allocation.move(setup.hr, setup.plan, person, target, now=NOW, ip="t")
    db.session.commit()
    db.session.expire_all()
    assert [seat.user_id for seat in session.seats] == [person.id]


def test_allocation_table_flags_cells_over_the_limit(app):
    setup = make_plan_org(per_team=3)
    east = [p for p in setup.people if p.station_id == setup.org.stations[0].id]
    for person in east[:3]:
        place(setup.plan, person, setup.batches[0])
    table = allocation_table.allocation_table(setup.plan)
    row = next(r for r in table.stations if r.label == "东站")
    assert (row.size, row.limit) == (6, 2)
    assert [(c.count, c.over) for c in row.cells] == [(3, True), (0, False), (0, False)]
    assert [c.count for c in table.totals] == [3, 0, 0]
    assert any("东站" in p for p in table.problems)
    assert len(table.unplaced) == 15 and table.allocated == 3
    team_row = next(r for r in table.teams if r.label == "东站 一班")
    assert team_row.limit == 1 and team_row.cells[0].over


def test_leave_dates_are_a_range_that_overlaps_by_days(app):
    setup = make_plan_org(per_team=1)
    person = setup.people[0]
    db.session.add(Unavailability(user_id=person.id, starts_on=START - timedelta(days=3),
                                  ends_on=START - timedelta(days=1), created_at=NOW))
    db.session.flush()
    assert next(p for p in plan_allocation.build_problem(setup.plan).people if p.id == person.id).blocked == frozenset()
