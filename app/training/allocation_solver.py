"""Finding a valid, balanced allocation for a `Problem` (app.training.allocation), or saying why there is none
(pure; OR-Tools does the solving).

Batch sizes are balanced. A greedy method can miss a valid allocation or fail without saying why, so:

1. exact one-rule checks (Hall's condition over subsets of batches) refuse with the counts to quote;
2. when every team lies within one station (the org chart), the rules form a flow network: max flow
   decides exactly, its minimum cut names the limits that clash, and a convex min-cost flow gives the
   best balance (both fast for 5,000 staff);
3. otherwise CP-SAT decides and balances, and an unsatisfiable core of the limits names the culprits.

People with the same station, team and open batches are interchangeable, so the models count people
per (group, batch) and hand out individuals by id afterwards.

OR-Tools is imported by the functions that solve, not here: this module is loaded with the training pages,
and starting the app (or the `flask` command) should not pay for loading the solver's native library.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import combinations
from typing import TYPE_CHECKING

from app.training.allocation import RULES, Person, Problem, Result, Violation, check, sizes, station_limit, team_limit

if TYPE_CHECKING:
    from ortools.sat.python import cp_model


def _order(v: Violation) -> tuple:
    return RULES.index(v.rule), v.subject or 0, v.batch or 0


def _hall(allowed: list[frozenset[int]], ids: tuple[int, ...], per_batch: Callable[[int], int | None]):
    """The tightest Hall violation for one family of per-batch limits, as (batches, count, limit).

    A set S of batches must take at least the people whose allowed batches all lie in S; checking
    every S (at most 2^6) is exact for a single family. Prefers the smallest S, then the largest excess.
    """
    index = {b: i for i, b in enumerate(ids)}
    demand = Counter(sum(1 << index[b] for b in a) for a in allowed)
    for size in range(1, len(ids) + 1):
        best = None
        for chosen in combinations(range(len(ids)), size):
            limits = [per_batch(ids[i]) for i in chosen]
            if None in limits:
                continue
            mask = sum(1 << i for i in chosen)
            need = sum(n for m, n in demand.items() if m & ~mask == 0)
            if need > sum(limits) and (best is None or need - sum(limits) > best[1] - best[2]):
                best = ([ids[i] for i in chosen], need, sum(limits))
        if best is not None:
            return best
    return None


def _prechecks(problem: Problem, ids: tuple[int, ...]) -> list[Violation]:
    """Exact checks of one rule at a time; their refusals carry the counts to quote."""
    found: list[Violation] = []
    known = set(ids)
    for p in problem.people:
        if p.pinned is not None and p.pinned not in known:
            found.append(Violation("pinned", p.id))
        elif p.pinned is not None and p.pinned in p.blocked:
            found.append(Violation("leave", p.id, batch=p.pinned))
        elif p.pinned is None and not known - p.blocked:
            found.append(Violation("leave", p.id))
    if found or not problem.people:
        return found
    if not ids:
        return [Violation("capacity", None, count=len(problem.people), limit=0)]
    allowed = {p.id: frozenset({p.pinned}) if p.pinned is not None else known - p.blocked for p in problem.people}
    stations, teams = sizes(problem)
    by_station, by_team = defaultdict(list), defaultdict(list)
    for p in problem.people:
        by_station[p.station].append(allowed[p.id])
        if p.team is not None:
            by_team[p.team].append(allowed[p.id])
    families = [("station_share", s, by_station[s], station_limit(stations[s], problem.max_share))
                for s in sorted(by_station)]
    families += [("team_spread", t, by_team[t], team_limit(teams[t], len(ids))) for t in sorted(by_team)]
    for rule, subject, members, limit in families:
        hit = _hall(members, ids, lambda b, limit=limit: limit)
        if hit:
            found.append(Violation(rule, subject, batch=hit[0][0] if len(hit[0]) == 1 else None,
                                   count=hit[1], limit=hit[2]))
    capacity = {b.id: b.capacity for b in problem.batches}
    hit = _hall(list(allowed.values()), ids, capacity.get)
    if hit:
        single = hit[0][0] if len(hit[0]) == 1 else None
        found.append(Violation("capacity", single, batch=single, count=hit[1], limit=hit[2]))
    return found


def _groups(problem: Problem, ids: tuple[int, ...]) -> dict[tuple, list[Person]]:
    """Interchangeable people: same station, team and batches open to them (a pin is one open batch)."""
    groups: dict[tuple, list[Person]] = defaultdict(list)
    for p in sorted(problem.people, key=lambda p: p.id):
        open_ = (p.pinned,) if p.pinned is not None else tuple(b for b in ids if b not in p.blocked)
        groups[p.station, p.team, open_].append(p)
    return groups


def _hand_out(groups: dict[tuple, list[Person]], value: Callable[[tuple, int], int]) -> dict[int, int]:
    """Give each group's people, by id, to batches in the problem's order, as many as value(key, b)."""
    result = {}
    for key, members in groups.items():
        queue = iter(members)
        for b in key[2]:
            for _ in range(value(key, b)):
                result[next(queue).id] = b
    return result


def _limits(problem: Problem, ids: tuple[int, ...]):
    """Every per-batch limit as (rule, subject, batch, limit)."""
    stations, teams = sizes(problem)
    for b in ids:
        for s in sorted(stations):
            yield "station_share", s, b, station_limit(stations[s], problem.max_share)
        for t in sorted(teams):
            yield "team_spread", t, b, team_limit(teams[t], len(ids))
    for spec in problem.batches:
        if spec.capacity is not None:
            yield "capacity", spec.id, spec.id, spec.capacity


def _by_flow(problem: Problem, ids: tuple[int, ...], groups) -> tuple[dict[int, int] | None, list[Violation]]:
    """Exact and fast when every team lies within one station, as in the org chart.

    Per batch the limits then nest (team ⊂ station ⊂ batch): people → team×batch → station×batch →
    batch → sink is a network that places everybody iff an allocation exists; otherwise the limits
    crossing a minimum cut hold fewer places than the people behind them need, and are the refusal.
    Balance: the batch sizes a network can deliver form an M-convex set, where the least sum of
    squares (a min-cost flow with convex costs) also has the smallest largest and largest smallest batch.
    """
    from ortools.graph.python import max_flow, min_cost_flow

    home = {p.team: p.station for p in problem.people if p.team is not None}
    total, nodes, arcs = len(problem.people), {"source": 0, "sink": 1}, []

    def node(key) -> int:
        return nodes.setdefault(key, len(nodes))

    for rule, subject, b, limit in _limits(problem, ids):
        if rule == "team_spread":
            tail, head = node(("team", subject, b)), node(("station", home[subject], b))
        elif rule == "station_share":
            tail, head = node(("station", subject, b)), node(("batch", b))
        else:
            tail, head = node(("batch", b)), 1
        arcs.append((tail, head, limit, Violation(rule, subject, batch=b, limit=limit)))
    for b in ids:
        if problem.batches[ids.index(b)].capacity is None:
            arcs.append((node(("batch", b)), 1, total, None))
    for key, members in groups.items():
        station, team, open_ = key
        arcs.append((0, node(("group", key)), len(members), None))
        for b in open_:
            arcs.append((node(("group", key)), node(("team", team, b) if team is not None else ("station", station, b)),
                         len(members), (key, b)))
    graph = max_flow.SimpleMaxFlow()
    for tail, head, cap, _tag in arcs:
        graph.add_arc_with_capacity(tail, head, cap)
    if graph.solve(0, 1) != graph.OPTIMAL:
        raise RuntimeError("max flow failed")
    if graph.optimal_flow() < total:
        side = set(graph.get_source_side_min_cut())
        return None, sorted((tag for tail, head, _c, tag in arcs
                             if isinstance(tag, Violation) and tail in side and head not in side), key=_order)
    costs, index = min_cost_flow.SimpleMinCostFlow(), {}
    for tail, head, cap, tag in arcs:
        if head == 1:  # into the sink one place at a time, the k-th place costing k² − (k−1)²
            n = min(cap, total)
            costs.add_arcs_with_capacity_and_unit_cost([tail] * n, [1] * n, [1] * n, [2 * k + 1 for k in range(n)])
        else:
            index[tag] = costs.add_arc_with_capacity_and_unit_cost(tail, head, cap, 0)
    costs.set_node_supply(0, total)
    costs.set_node_supply(1, -total)
    if costs.solve() != costs.OPTIMAL:
        raise RuntimeError("min cost flow failed")
    placed = {tag: costs.flow(i) for tag, i in index.items() if isinstance(tag, tuple)}
    return _hand_out(groups, lambda key, b: placed[key, b]), []


def _model(problem: Problem, ids: tuple[int, ...], groups, explain: bool):
    """CP-SAT over x[group, batch] (for teams spanning stations); with explain, limits become assumptions."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = {(key, b): model.new_int_var(0, len(members), "") for key, members in groups.items() for b in key[2]}
    for key, members in groups.items():
        model.add(sum(x[key, b] for b in key[2]) == len(members))
    terms = defaultdict(list)
    for (key, b), var in x.items():
        terms["station_share", key[0], b].append(var)
        terms["team_spread", key[1], b].append(var)
        terms["capacity", b, b].append(var)
    assumptions = {}
    for rule, subject, b, limit in _limits(problem, ids):
        if terms[rule, subject, b]:
            constraint = model.add(sum(terms[rule, subject, b]) <= limit)
            if explain:
                lit = model.new_bool_var("")
                constraint.only_enforce_if(lit)
                assumptions[lit.index] = (lit, Violation(rule, subject, batch=b, limit=limit))
    if explain:
        model.add_assumptions([lit for lit, _v in assumptions.values()])
        return model, x, assumptions
    total = len(problem.people)
    hi = model.new_int_var(-(-total // len(ids)), total, "hi")
    lo = model.new_int_var(0, total // len(ids), "lo")
    for b in ids:
        model.add(sum(terms["capacity", b, b]) <= hi)
        model.add(sum(terms["capacity", b, b]) >= lo)
    model.minimize(hi - lo)
    return model, x, assumptions


def _cp_solver(seconds: float, workers: int) -> "cp_model.CpSolver":
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.linearization_level = 2  # the LP settles these flow-like problems quickly
    return solver


def _explain(problem: Problem, ids: tuple[int, ...], groups, deadline: float) -> list[Violation]:
    """Limits that cannot hold together: an unsatisfiable core, shrunk by deletion while time allows."""
    from ortools.sat.python import cp_model

    model, _x, assumptions = _model(problem, ids, groups, explain=True)

    def core_of(lits) -> list | None:
        model.clear_assumptions()
        model.add_assumptions(lits)
        solver = _cp_solver(deadline - time.monotonic(), 1)  # cores need a single worker
        if solver.solve(model) != cp_model.INFEASIBLE:
            return None
        return [assumptions[i][0] for i in solver.sufficient_assumptions_for_infeasibility() if i in assumptions]

    core = core_of([lit for lit, _v in assumptions.values()])
    if not core:
        return [Violation("unplaced", None, count=len(problem.people))]
    for lit in list(core):
        if time.monotonic() > deadline - 0.1:
            break
        if lit in core:
            core = core_of([other for other in core if other is not lit]) or core
    return sorted((assumptions[lit.index][1] for lit in core), key=_order)


def solve(problem: Problem, time_limit: float = 20.0, workers: int = 2) -> Result:
    """A valid, balanced allocation, or refusals naming what cannot be met (never both, never neither)."""
    started = time.monotonic()
    ids = tuple(b.id for b in problem.batches)

    def done(assignment, refusals, optimal=False):
        if assignment is not None and (broken := check(problem, assignment)):
            raise AssertionError(f"allocation broke its own rules: {broken[:5]}")
        return Result(assignment, refusals, optimal, time.monotonic() - started)

    refusals = _prechecks(problem, ids)
    if refusals or not problem.people:
        return done(None if refusals else {}, refusals, not refusals)
    groups = _groups(problem, ids)
    home: dict[int, set[int]] = defaultdict(set)
    for p in problem.people:
        if p.team is not None:
            home[p.team].add(p.station)
    if all(len(stations) == 1 for stations in home.values()):
        assignment, refusals = _by_flow(problem, ids, groups)
        return done(assignment, refusals, assignment is not None)
    from ortools.sat.python import cp_model

    model, x, _a = _model(problem, ids, groups, explain=False)
    solver = _cp_solver(time_limit, workers)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return done(_hand_out(groups, lambda key, b: solver.value(x[key, b])), [], status == cp_model.OPTIMAL)
    if status == cp_model.INFEASIBLE:
        return done(None, _explain(problem, ids, groups, started + time_limit))
    return done(None, [Violation("unplaced", None, count=len(problem.people))])
