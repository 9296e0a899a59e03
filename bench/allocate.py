"""Allocation speed: split N synthetic staff over the batches of a plan with the CP-SAT solver.

usage: python bench/allocate.py [--staff N] [--stations N] [--batches N] [--seed N] [--quick]

The roster has random station sizes (at least 6) and 3–6 teams per station, about 5% of staff on leave
during one batch, batch capacities around staff/batches × 1.12 (or unlimited with --no-capacity) and
share 1/3. The result is verified with `check()`. The last line is JSON with every figure.
"""

import argparse
import json
import random
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.training.allocation import BatchSpec, Person, Problem, check, counts, solve, station_limit  # noqa: E402


def roster(staff: int, stations: int, batches: int, seed: int, capacity: bool) -> Problem:
    rng = random.Random(seed)
    weights = [rng.uniform(0.5, 1.5) for _ in range(stations)]
    base = min(6, staff // stations)  # at least 6 a station, so a third per batch can work with 4 batches
    station_of = [s for s in range(1, stations + 1) for _ in range(base)]
    station_of += rng.choices(range(1, stations + 1), weights=weights, k=staff - len(station_of))
    teams = {s: rng.randint(3, 6) for s in range(1, stations + 1)}
    ids = list(range(1, batches + 1))
    people = []
    for i, s in enumerate(station_of, start=1):
        team = s * 10 + rng.randint(1, teams[s])
        blocked = frozenset({rng.choice(ids)}) if rng.random() < 0.05 else frozenset()
        people.append(Person(id=i, station=s, team=team, blocked=blocked))
    cap = round(staff / batches * 1.12) if capacity else None
    return Problem(tuple(people), tuple(BatchSpec(b, cap) for b in ids), Fraction(1, 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--stations", type=int, default=60)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-capacity", action="store_true", help="batches without a capacity")
    parser.add_argument("--quick", action="store_true", help="1,000 staff")
    args = parser.parse_args()
    staff = 1000 if args.quick else args.staff
    problem = roster(staff, args.stations, args.batches, args.seed, not args.no_capacity)

    started = time.perf_counter()
    result = solve(problem, workers=args.workers)
    seconds = time.perf_counter() - started
    figures = {"staff": staff, "stations": args.stations, "batches": args.batches, "seed": args.seed,
               "capacity": problem.batches[0].capacity, "seconds": round(seconds, 3),
               "solver_seconds": round(result.seconds, 3), "optimal": result.optimal}
    if result.assignment is None:
        figures["refusals"] = [r.__dict__ for r in result.refusals]
        print(f"{staff} staff refused in {seconds:.2f} s: {result.refusals}")
    else:
        problems = check(problem, result.assignment)
        made = counts(problem, result.assignment)
        sizes = Counter(p.station for p in problem.people)
        share = max(n / sizes[s] for (s, _b), n in made["station"].items())
        tight = max(n / station_limit(sizes[s], problem.max_share) for (s, _b), n in made["station"].items())
        figures.update(check_ok=not problems, batch_sizes=list(made["batch"].values()),
                       largest_station_share=round(share, 3), largest_station_limit_used=round(tight, 3))
        print(f"{staff} staff, {args.stations} stations, {args.batches} batches: solved in {seconds:.2f} s "
              f"(optimal={result.optimal}), check {'OK' if not problems else problems[:3]}")
        print(f"batch sizes {figures['batch_sizes']}, largest station share in one batch {share:.1%} "
              f"(limit use {tight:.0%})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
