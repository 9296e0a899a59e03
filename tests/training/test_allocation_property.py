"""Random rosters: the solver either returns a valid allocation or names existing culprits, and on
small rosters it agrees exactly with brute force (refuses iff nothing is valid, balance optimal)."""

import random
from fractions import Fraction
from itertools import product

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.training.allocation import RULES, BatchSpec, Person, Problem, check, counts
from app.training.allocation_solver import solve

SHARES = (Fraction(1, 4), Fraction(1, 3), Fraction(1, 2))


SIZES = ((1, 50), (51, 500), (501, 1500), (1501, 2000))


def roster(seed: int, staff: int, batch_count: int, share: Fraction) -> Problem:
    """Sizes from a seeded Random, so hypothesis only draws a few integers."""
    rng = random.Random(seed)
    ids = list(range(10, 10 + batch_count))
    stations = rng.randint(1, max(1, staff // rng.choice((5, 20, 60, 120))))
    teams = {s: rng.randint(0, 6) for s in range(1, stations + 1)}
    leave_rate = rng.choice((0, 0.02, 0.05, 0.2))
    pin_rate = rng.choice((0, 0, 0.01, 0.05))
    people = []
    for i in range(1, staff + 1):
        s = rng.randint(1, stations)
        team = 100 * s + rng.randint(1, teams[s]) if teams[s] else None
        blocked = frozenset(b for b in ids if rng.random() < leave_rate)
        pinned = rng.choice([b for b in ids if b not in blocked] or ids) if rng.random() < pin_rate else None
        people.append(Person(i, s, team, blocked, pinned))
    mode = rng.choice(("none", "roomy", "tight", "mixed"))
    per = -(-staff // batch_count)
    capacity = {"none": lambda: None, "roomy": lambda: per + rng.randint(0, per),
                "tight": lambda: max(0, per - rng.randint(0, 3)),
                "mixed": lambda: rng.choice((None, per, per // 2))}[mode]
    return Problem(tuple(people), tuple(BatchSpec(b, capacity()) for b in ids), share)


def subjects(problem: Problem) -> dict:
    people = {p.id for p in problem.people}
    return {
        "leave": people, "pinned": people, "unplaced": people | {None},
        "station_share": {p.station for p in problem.people},
        "team_spread": {p.team for p in problem.people if p.team is not None},
        "capacity": {b.id for b in problem.batches} | {None},
    }


def assert_valid_or_explained(problem: Problem, result) -> None:
    if result.assignment is not None:
        assert result.refusals == []
        assert set(result.assignment) == {p.id for p in problem.people}
        assert check(problem, result.assignment) == []
        return
    assert result.refusals
    known = subjects(problem)
    batch_ids = {b.id for b in problem.batches} | {None}
    for violation in result.refusals:
        assert violation.rule in RULES
        assert violation.subject in known[violation.rule]
        assert violation.batch in batch_ids


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), size=st.sampled_from(SIZES), batch_count=st.integers(2, 6),
       share=st.sampled_from(SHARES))
def test_random_rosters_are_allocated_validly_or_refused_with_named_culprits(seed, size, batch_count, share):
    staff = random.Random(seed).randint(*size)
    problem = roster(seed, staff, batch_count, share)
    result = solve(problem, time_limit=20)
    event("allocated" if result.assignment is not None else f"refused: {result.refusals[0].rule}")
    event(f"staff {staff // 500 * 500}+")
    assert_valid_or_explained(problem, result)


def small_problem(data) -> Problem:
    batch_count = data.draw(st.integers(2, 3))
    ids = list(range(1, batch_count + 1))
    size = data.draw(st.integers(1, 7))
    nested = data.draw(st.booleans())  # teams within stations (the flow path) or across them (CP-SAT)
    people = []
    for i in range(1, size + 1):
        blocked = data.draw(st.frozensets(st.sampled_from(ids), max_size=batch_count))
        pinned = data.draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(ids + [99])))
        station = data.draw(st.integers(1, 3))
        team = data.draw(st.sampled_from((None, 7, 8)))
        if nested and team is not None:
            team += 10 * station
        people.append(Person(i, station, team, blocked, pinned))
    capacities = [data.draw(st.one_of(st.none(), st.integers(0, size))) for _ in ids]
    return Problem(tuple(people), tuple(BatchSpec(b, c) for b, c in zip(ids, capacities, strict=True)),
                   data.draw(st.sampled_from(SHARES)))


def brute_force(problem: Problem) -> int | None:
    """Smallest (largest − smallest batch) over every valid assignment; None when none is valid."""
    best = None
    ids = [b.id for b in problem.batches]
    for choice in product(ids, repeat=len(problem.people)):
        assignment = {p.id: b for p, b in zip(problem.people, choice, strict=True)}
        if check(problem, assignment):
            continue
        sizes = counts(problem, assignment)["batch"].values()
        spread = max(sizes) - min(sizes)
        best = spread if best is None else min(best, spread)
    return best


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_small_rosters_match_brute_force_exactly(data):
    problem = small_problem(data)
    result = solve(problem, time_limit=10, workers=1)
    best = brute_force(problem)
    assert_valid_or_explained(problem, result)
    if best is None:
        assert result.assignment is None
    else:
        assert result.assignment is not None, result.refusals
        assert result.optimal
        sizes = counts(problem, result.assignment)["batch"].values()
        assert max(sizes) - min(sizes) == best
