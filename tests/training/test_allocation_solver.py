"""Hand-made allocation cases: each rule holds, and each refusal names what to fix."""

import re
from fractions import Fraction

import pytest
from flask_babel import force_locale

from app.training.allocation import (
    RULES,
    BatchSpec,
    Person,
    Problem,
    Violation,
    check,
    counts,
    describe,
    station_limit,
    team_limit,
)
from app.training.allocation_solver import solve

THIRD = Fraction(1, 3)


def batches(n, capacity=None):
    return tuple(BatchSpec(b, capacity) for b in range(1, n + 1))


def station(station_id, size, first_id=1):
    return [Person(first_id + i, station_id, None) for i in range(size)]


def solved(problem, **kwargs):
    result = solve(problem, time_limit=10, **kwargs)
    assert result.refusals == []
    assert check(problem, result.assignment) == []
    assert set(result.assignment) == {p.id for p in problem.people}
    return result


def refused(problem):
    result = solve(problem, time_limit=10)
    assert result.assignment is None
    assert result.refusals
    return result.refusals


def test_limits_use_exact_fractions():
    assert station_limit(9, THIRD) == 3
    assert station_limit(2, THIRD) == 1
    assert station_limit(0, THIRD) == 1
    assert station_limit(300, Fraction(1, 3)) == 100
    assert station_limit(7, Fraction(1, 2)) == 3
    assert team_limit(4, 2) == 2
    assert team_limit(5, 2) == 3
    assert team_limit(1, 4) == 1


def test_station_of_nine_with_a_third_over_three_batches_puts_three_in_each():
    problem = Problem(tuple(station(1, 9)), batches(3), THIRD)
    result = solved(problem)
    assert counts(problem, result.assignment)["station"] == {(1, 1): 3, (1, 2): 3, (1, 3): 3}
    assert result.optimal


def test_station_of_two_allows_one_per_batch():
    problem = Problem(tuple(station(1, 2)), batches(2), THIRD)
    assert sorted(solved(problem).assignment.values()) == [1, 2]


def test_station_too_big_for_the_batches_is_refused_naming_the_station():
    problem = Problem(tuple(station(1, 8) + station(7, 5, first_id=100)), batches(4), THIRD)
    assert refused(problem) == [Violation("station_share", 7, count=5, limit=4)]


def test_leave_keeps_a_person_out_of_that_batch():
    people = [Person(1, 1, None, blocked=frozenset({1})), Person(2, 2, None), Person(3, 3, None)]
    problem = Problem(tuple(people), batches(2), THIRD)
    for _ in range(3):
        assert solved(problem).assignment[1] == 2


def test_person_on_leave_during_every_batch_is_refused_by_name():
    people = [Person(1, 1, None, blocked=frozenset({1, 2})), Person(2, 2, None)]
    assert refused(Problem(tuple(people), batches(2), THIRD)) == [Violation("leave", 1)]


def test_pinned_person_stays_in_their_batch():
    people = [Person(i, i, None) for i in range(1, 7)] + [Person(7, 7, None, pinned=3)]
    problem = Problem(tuple(people), batches(3), THIRD)
    result = solved(problem)
    assert result.assignment[7] == 3
    assert sorted(counts(problem, result.assignment)["batch"].values()) == [2, 2, 3]


def test_pinned_into_an_unknown_batch_or_during_leave_is_refused():
    people = [Person(1, 1, None, pinned=9), Person(2, 2, None, blocked=frozenset({2}), pinned=2)]
    assert refused(Problem(tuple(people), batches(2), THIRD)) == [
        Violation("pinned", 1), Violation("leave", 2, batch=2)]


def test_pinned_people_beyond_the_station_share_are_refused_naming_station_and_batch():
    people = [Person(i, 1, None, pinned=1 if i <= 3 else None) for i in range(1, 7)]
    assert refused(Problem(tuple(people), batches(3), THIRD)) == [
        Violation("station_share", 1, batch=1, count=3, limit=2)]


def test_capacity_refusal_names_the_batch():
    people = [Person(i, i, None, blocked=frozenset({2}) if i <= 2 else frozenset()) for i in range(1, 5)]
    problem = Problem(tuple(people), (BatchSpec(1, 1), BatchSpec(2, None)), THIRD)
    assert refused(problem) == [Violation("capacity", 1, batch=1, count=2, limit=1)]


def test_total_capacity_too_small_is_refused():
    problem = Problem(tuple(Person(i, i, None) for i in range(1, 6)), batches(2, capacity=2), THIRD)
    assert refused(problem) == [Violation("capacity", None, count=5, limit=4)]


def test_team_is_spread_across_batches():
    people = [Person(i, i, 50) for i in range(1, 5)] + [Person(i, i, 60) for i in range(5, 11)]
    problem = Problem(tuple(people), batches(2), THIRD)
    made = counts(problem, solved(problem).assignment)["team"]
    assert made == {(50, 1): 2, (50, 2): 2, (60, 1): 3, (60, 2): 3}


def test_team_forced_together_by_leave_is_refused_naming_the_team_and_batch():
    people = [Person(i, i, 50, blocked=frozenset({2}) if i <= 3 else frozenset()) for i in range(1, 5)]
    assert refused(Problem(tuple(people), batches(2), THIRD)) == [
        Violation("team_spread", 50, batch=1, count=3, limit=2)]


def test_batch_sizes_are_balanced():
    people = [Person(i, i, None, blocked=frozenset({1}) if i <= 3 else frozenset()) for i in range(1, 11)]
    problem = Problem(tuple(people), batches(3), THIRD)
    result = solved(problem)
    assert sorted(counts(problem, result.assignment)["batch"].values()) == [3, 3, 4]
    assert result.optimal


def test_balance_yields_to_leave_when_it_must():
    people = [Person(i, i, None, blocked=frozenset({1}) if i <= 4 else frozenset()) for i in range(1, 6)]
    problem = Problem(tuple(people), batches(2), THIRD)
    assert counts(problem, solved(problem).assignment)["batch"] == {1: 1, 2: 4}


def clashing(team_of_person_2=None):
    # Person 1 can only join batch 1, which holds one; station 2 needs a place in each batch.
    people = [Person(1, 1, 9, blocked=frozenset({2})), Person(2, 2, team_of_person_2), Person(3, 2, None)]
    return Problem(tuple(people), (BatchSpec(1, 1), BatchSpec(2, None)), THIRD)


def test_limits_that_only_clash_together_are_all_named():
    assert refused(clashing()) == [Violation("station_share", 2, batch=2, limit=1),
                                   Violation("capacity", 1, batch=1, limit=1)]


def test_teams_spanning_stations_are_solved_and_explained_by_cp_sat():
    refusals = refused(clashing(team_of_person_2=9))
    assert Violation("capacity", 1, batch=1, limit=1) in refusals
    assert {v.rule for v in refusals} <= {"capacity", "station_share", "team_spread"}
    assert all(v.count is None for v in refusals)
    people = [Person(i, i % 2, 9 if i <= 6 else None) for i in range(1, 13)]
    problem = Problem(tuple(people), batches(3), THIRD)
    result = solved(problem)
    assert result.optimal
    assert counts(problem, result.assignment)["batch"] == {1: 4, 2: 4, 3: 4}


def test_check_reports_every_rule():
    people = [Person(1, 1, 5, blocked=frozenset({1})), Person(2, 1, 5), Person(3, 1, 5, pinned=2),
              Person(4, 2, None)]
    problem = Problem(tuple(people), (BatchSpec(1, 2), BatchSpec(2, None)), THIRD)
    found = check(problem, {1: 1, 2: 1, 3: 1, 4: 7})
    assert set(found) == {
        Violation("unplaced", 4, batch=7),
        Violation("leave", 1, batch=1),
        Violation("pinned", 3, batch=2),
        Violation("capacity", 1, batch=1, count=3, limit=2),
        Violation("station_share", 1, batch=1, count=3, limit=1),
        Violation("team_spread", 5, batch=1, count=3, limit=2),
    }
    assert {v.rule for v in found} == set(RULES)


def test_empty_roster_gets_an_empty_allocation():
    result = solve(Problem((), batches(2), THIRD))
    assert result.assignment == {} and result.refusals == [] and result.optimal


def _name(kind, ident):
    return {"person": "张三", "station": "第一收费站", "team": "一班", "batch": "第1期"}[kind]


EXAMPLES = [
    Violation("leave", 1), Violation("leave", 1, batch=2), Violation("pinned", 1), Violation("pinned", 1, batch=2),
    Violation("unplaced", None, count=40), Violation("unplaced", 1),
    Violation("station_share", 1, count=5, limit=4), Violation("station_share", 1, batch=1, limit=2),
    Violation("station_share", 1, batch=1, count=3, limit=2),
    Violation("team_spread", 1, count=5, limit=4), Violation("team_spread", 1, batch=1, limit=2),
    Violation("team_spread", 1, batch=1, count=3, limit=2),
    Violation("capacity", None, count=5, limit=4), Violation("capacity", 1, batch=1, limit=2),
    Violation("capacity", 1, batch=1, count=3, limit=2),
]


def test_describe_says_what_to_fix_in_english(app):
    with force_locale("en"):
        text = describe(Violation("station_share", 7, count=5, limit=4), _name)
        assert text.startswith("Station 第一收费站 has 5 collectors to place")
        assert "at most 4" in text and "add a batch" in text
        assert describe(Violation("capacity", 1, batch=1, count=3, limit=2), _name).startswith(
            "Batch 第1期 can take 2 people but 3")
        for violation in EXAMPLES:
            assert describe(violation, _name).endswith(".")


def test_describe_speaks_chinese(app):
    with force_locale("zh_Hans"):
        for violation in EXAMPLES:
            text = describe(violation, _name)
            ascii_words = re.findall(r"[A-Za-z]{3,}", text)
            assert not ascii_words, f"untranslated: {text}"
        assert "第一收费站" in describe(Violation("station_share", 7, count=5, limit=4), _name)


def test_describe_rejects_an_unknown_rule(app):
    with pytest.raises(ValueError):
        describe(Violation("weather", None), _name)
