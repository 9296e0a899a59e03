"""The allocation problem of a training plan and its rules (pure: no Flask app, no database).

Every station must keep running, so at most a share of its in-scope collectors may sit in the same
batch; teams are spread, capacities, leave and hand placements ("pinned") are respected. `check` says which
rules an assignment breaks, `describe` puts a broken rule into words (it alone needs an app context, for
gettext). Callers translate their models into `Problem` and back (app.training.plan_allocation); finding an
assignment is app.training.allocation_solver.
"""

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

RULES = ("leave", "station_share", "team_spread", "capacity", "unplaced", "pinned")


@dataclass(frozen=True)
class Person:
    id: int
    station: int
    team: int | None
    blocked: frozenset[int] = frozenset()
    pinned: int | None = None


@dataclass(frozen=True)
class BatchSpec:
    id: int
    capacity: int | None


@dataclass(frozen=True)
class Problem:
    people: tuple[Person, ...]
    batches: tuple[BatchSpec, ...]
    max_share: Fraction


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: int | None
    batch: int | None = None
    count: int | None = None
    limit: int | None = None


@dataclass
class Result:
    assignment: dict[int, int] | None
    refusals: list[Violation]
    optimal: bool
    seconds: float


def station_limit(station_size: int, share: Fraction) -> int:
    """Most collectors of a station that may be away in one batch (never below one)."""
    return max(1, math.floor(station_size * Fraction(share)))


def team_limit(team_size: int, batch_count: int) -> int:
    """Most members of a team in one batch: the team spread as evenly as possible."""
    return -(-team_size // batch_count)


def sizes(problem: Problem) -> tuple[Counter, Counter]:
    stations = Counter(p.station for p in problem.people)
    teams = Counter(p.team for p in problem.people if p.team is not None)
    return stations, teams


def counts(problem: Problem, assignment: dict[int, int]) -> dict:
    """People per batch (every batch, zeros included), per (station, batch) and (team, batch) that occur."""
    batch = {b.id: 0 for b in problem.batches}
    station: Counter = Counter()
    team: Counter = Counter()
    for p in problem.people:
        b = assignment.get(p.id)
        if b is None:
            continue
        batch[b] = batch.get(b, 0) + 1
        station[p.station, b] += 1
        if p.team is not None:
            team[p.team, b] += 1
    return {"batch": batch, "station": dict(station), "team": dict(team)}


def check(problem: Problem, assignment: dict[int, int]) -> list[Violation]:
    """Every rule broken by a complete assignment (person id -> batch id); [] when it is valid."""
    known = {b.id for b in problem.batches}
    found: list[Violation] = []
    for p in problem.people:
        b = assignment.get(p.id)
        if b not in known:
            found.append(Violation("unplaced", p.id, batch=b))
            continue
        if b in p.blocked:
            found.append(Violation("leave", p.id, batch=b))
        if p.pinned is not None and b != p.pinned:
            found.append(Violation("pinned", p.id, batch=p.pinned))
    made = counts(problem, assignment)
    for spec in problem.batches:
        n = made["batch"][spec.id]
        if spec.capacity is not None and n > spec.capacity:
            found.append(Violation("capacity", spec.id, batch=spec.id, count=n, limit=spec.capacity))
    stations, teams = sizes(problem)
    for (s, b), n in sorted(made["station"].items()):
        limit = station_limit(stations[s], problem.max_share)
        if b in known and n > limit:
            found.append(Violation("station_share", s, batch=b, count=n, limit=limit))
    for (t, b), n in sorted(made["team"].items()):
        limit = team_limit(teams[t], len(problem.batches))
        if b in known and n > limit:
            found.append(Violation("team_spread", t, batch=b, count=n, limit=limit))
    return found


def describe(violation: Violation, name: Callable[[str, int], str]) -> str:
    """One translated sentence: which rule cannot be met, for whom, and what to change."""
    from flask_babel import gettext as _

    v = violation
    args = {"count": v.count or 0, "limit": v.limit or 0}
    if v.batch is not None and v.rule != "unplaced":  # an unplaced person may name an unknown batch
        args["batch"] = name("batch", v.batch)
    if v.rule == "leave":
        args["person"] = name("person", v.subject)
        if v.batch is None:
            return _("%(person)s is on leave during every batch, so they cannot be placed: add a batch or "
                     "review their leave.", **args)
        return _("%(person)s is on leave during batch %(batch)s, so they cannot be in it: move them to another "
                 "batch or review their leave.", **args)
    if v.rule == "pinned":
        args["person"] = name("person", v.subject)
        if v.batch is None:
            return _("%(person)s was placed by hand in a batch that is not part of this allocation: place them "
                     "again.", **args)
        return _("%(person)s was placed by hand in batch %(batch)s and must stay there.", **args)
    if v.rule == "unplaced":
        if v.subject is None:
            return _("No allocation was found within the time limit for %(count)d people: try again, or split "
                     "them into smaller groups.", **args)
        args["person"] = name("person", v.subject)
        return _("%(person)s is not placed in any batch of this allocation.", **args)
    if v.rule == "station_share":
        args["station"] = name("station", v.subject)
        if v.batch is None:
            return _("Station %(station)s has %(count)d collectors to place but the batches open to them can "
                     "take at most %(limit)d (each batch takes only a share of the station, leave and hand "
                     "placements included): add a batch, raise the share or review the leave.", **args)
        if v.count is None:
            return _("Station %(station)s may have at most %(limit)d collectors in batch %(batch)s; together "
                     "with the other limits listed, no allocation fits: add a batch, raise the share or the "
                     "capacities, or review the leave.", **args)
        return _("Station %(station)s would have %(count)d collectors in batch %(batch)s but at most "
                 "%(limit)d may be away at the same time: move some to another batch or raise the share.", **args)
    if v.rule == "team_spread":
        args["team"] = name("team", v.subject)
        if v.batch is None:
            return _("Team %(team)s has %(count)d members to place but the batches open to them can take at "
                     "most %(limit)d while the team stays spread (leave and hand placements included): add a "
                     "batch or review the leave.", **args)
        if v.count is None:
            return _("Team %(team)s may have at most %(limit)d members in batch %(batch)s; together with the "
                     "other limits listed, no allocation fits: add a batch, raise the share or the "
                     "capacities, or review the leave.", **args)
        return _("Team %(team)s would have %(count)d members in batch %(batch)s but at most %(limit)d so that "
                 "the team is spread across the batches: move some to another batch.", **args)
    if v.rule == "capacity":
        if v.batch is None:
            return _("%(count)d people must be placed but the batches open to them can take only %(limit)d in "
                     "all (leave and hand placements included): raise the capacities or add a batch.", **args)
        if v.count is None:
            return _("Batch %(batch)s can take at most %(limit)d people; together with the other limits listed, "
                     "no allocation fits: raise its capacity, add a batch or raise the share.", **args)
        return _("Batch %(batch)s can take %(limit)d people but %(count)d would have to go there: raise its "
                 "capacity or move some to another batch.", **args)
    raise ValueError(f"unknown rule {v.rule!r}")
