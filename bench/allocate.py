"""Allocation speed: split N synthetic staff over the batches of a plan, first with the solver alone, then
end to end as HR's "Propose allocation" runs it (read the plan's scope and leave from the database, solve,
write the memberships, commit).

usage: python bench/allocate.py [--staff N] [--stations N] [--batches N] [--seed N] [--quick]
                                [--database-url postgresql+psycopg://…]   (that database is emptied)

The roster has random station sizes (at least 6) and 3–6 teams per station, about 5% of staff on leave
during one batch, batch capacities around staff/batches × 1.12 (or unlimited with --no-capacity) and
share 1/3. The result is verified with `check()`. The last line is JSON with every figure.
"""

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.training.allocation import BatchSpec, Person, Problem, check, counts, station_limit  # noqa: E402
from app.training.allocation_solver import solve  # noqa: E402
from bench.databases import fresh_app  # noqa: E402


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


def stored_plan(problem: Problem) -> int:
    """The roster as stations, teams, collectors (bulk inserted, no passwords), leave and a plan with its
    batches (one week apart); returns the plan id."""
    from app.accounts.actors import SYSTEM
    from app.accounts.models import User, UserRole
    from app.extensions import db
    from app.org.models import Office, Station, Team
    from app.training import batches as batch_services
    from app.training import plans
    from app.training.models import Unavailability

    now = datetime.now(UTC)
    office = Office(name="基准收费所")
    db.session.add(office)
    stations = {s: Station(office=office, name=f"站{s:03d}") for s in sorted({p.station for p in problem.people})}
    teams = {t: Team(station=stations[t // 10], name=f"{t % 10}班") for t in sorted({p.team for p in problem.people})}
    db.session.add_all([*stations.values(), *teams.values()])
    db.session.flush()
    db.session.execute(db.insert(User), [
        {"id": p.id, "staff_no": f"b{p.id:06d}", "name": f"员工{p.id}", "station_id": stations[p.station].id,
         "team_id": teams[p.team].id, "active": True, "created_at": now} for p in problem.people])
    db.session.execute(db.insert(UserRole), [{"user_id": p.id, "role": "collector"} for p in problem.people])
    start = date(2027, 3, 1)
    plan = plans.create_plan(SYSTEM, name="基准计划", share=problem.max_share, stations=list(stations.values()),
                             teams=[], now=now, ip="bench")
    made = {}
    for spec in problem.batches:
        first = start + timedelta(days=7 * (spec.id - 1))
        made[spec.id] = batch_services.create_batch(SYSTEM, name=f"基准第{spec.id}期", starts_on=first,
                                                    ends_on=first + timedelta(days=2), capacity=spec.capacity,
                                                    plan=plan, now=now, ip="bench")
    db.session.add_all([Unavailability(user_id=p.id, starts_on=made[b].starts_on, ends_on=made[b].starts_on,
                                       reason="年假", created_at=now)
                        for p in problem.people for b in p.blocked])
    db.session.commit()
    return plan.id


def timed_proposal(url: str | None, problem: Problem) -> dict:
    """Seconds for plan_allocation.propose (load + solve + write) and the commit, on a fresh database."""
    from app.accounts.actors import SYSTEM
    from app.extensions import db
    from app.training import plan_allocation
    from app.training.models import BatchMember, TrainingPlan

    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(url, Path(folder))
        with app.app_context():
            plan_id = stored_plan(problem)
            plan = db.session.get(TrainingPlan, plan_id)
            started = time.perf_counter()
            result = plan_allocation.propose(SYSTEM, plan, now=datetime.now(UTC), ip="bench")
            db.session.commit()
            seconds = time.perf_counter() - started
            stored = db.session.scalar(db.select(db.func.count()).select_from(BatchMember))
            db.session.remove()
            db.engine.dispose()
    return {"seconds": round(seconds, 3), "allocated": stored, "refused": result.assignment is None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--stations", type=int, default=60)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-capacity", action="store_true", help="batches without a capacity")
    parser.add_argument("--quick", action="store_true", help="1,000 staff")
    parser.add_argument("--database-url", help="also time the end-to-end proposal on this PostgreSQL database "
                                                "(it is emptied)")
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
    for backend, url in (("sqlite", None), ("postgresql", args.database_url)):
        if backend == "sqlite" or url:
            figures[f"propose_{backend}"] = timed = timed_proposal(url, problem)
            print(f"end to end on {backend} (read scope and leave, solve, write {timed['allocated']} memberships, "
                  f"commit): {timed['seconds']:.2f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
