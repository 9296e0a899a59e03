"""What the plan page shows: people per batch, per station and per team against their limits, who is not
placed yet, and which rules the current memberships break."""

from dataclasses import dataclass

from sqlalchemy.orm import contains_eager

from app.accounts.models import User
from app.extensions import db
from app.org.models import Station, Team
from app.training import allocation
from app.training.models import Batch, TrainingPlan
from app.training.plan_allocation import Scope, current_assignment, describe_all, load_scope, users_by_staff_no

SHOWN_UNPLACED = 30


@dataclass
class Cell:
    count: int
    limit: int | None
    over: bool = False


@dataclass
class Row:
    label: str
    size: int
    limit: int
    cells: list[Cell]


@dataclass
class AllocationTable:
    batches: list[Batch]
    totals: list[Cell]  # per batch, against its capacity
    stations: list[Row]  # station × batch, against the station limit
    teams: list[Row]  # team × batch, against the team limit
    unplaced: list[User]  # the first SHOWN_UNPLACED by staff no
    unplaced_count: int
    no_station: list[User]
    problems: list[str]  # rules the current memberships break
    allocated: int


def teams_in_order(team_ids) -> list[Team]:
    """Teams by station name, then in the order they were added (一班 before 二班)."""
    if not team_ids:
        return []
    return list(db.session.scalars(db.select(Team).join(Team.station).where(Team.id.in_(list(team_ids)))
                                   .options(contains_eager(Team.station)).order_by(Station.name, Station.id, Team.id)))


def allocation_table(plan: TrainingPlan, scope: Scope | None = None) -> AllocationTable:
    scope = scope or load_scope(plan)
    batches = list(plan.batches)
    assignment = current_assignment(scope)
    made = allocation.counts(scope.problem, assignment)
    totals = [Cell(made["batch"].get(b.id, 0), b.capacity,
                   b.capacity is not None and made["batch"].get(b.id, 0) > b.capacity) for b in batches]
    station_sizes: dict[int, int] = {}
    team_sizes: dict[int, int] = {}
    for p in scope.problem.people:
        station_sizes[p.station] = station_sizes.get(p.station, 0) + 1
        if p.team is not None:
            team_sizes[p.team] = team_sizes.get(p.team, 0) + 1

    def row(label, size, limit, key_of, counted):
        cells = [Cell(counted.get(key_of(b.id), 0), limit) for b in batches]
        for cell in cells:
            cell.over = cell.count > limit
        return Row(label, size, limit, cells)

    stations = list(db.session.scalars(db.select(Station).where(Station.id.in_(list(station_sizes)))
                                       .order_by(Station.name, Station.id)))
    station_rows = [row(s.name, station_sizes[s.id], allocation.station_limit(station_sizes[s.id], plan.max_share),
                        lambda b, s=s: (s.id, b), made["station"]) for s in stations]
    teams = teams_in_order(team_sizes)
    team_rows = [row(f"{t.station.name} {t.name}", team_sizes[t.id],
                     allocation.team_limit(team_sizes[t.id], max(len(batches), 1)), lambda b, t=t: (t.id, b),
                     made["team"]) for t in teams]
    unplaced = [p.id for p in scope.problem.people if p.id not in assignment]
    broken = [v for v in allocation.check(scope.problem, assignment) if v.rule != "unplaced"] if batches else []
    return AllocationTable(
        batches=batches, totals=totals, stations=station_rows, teams=team_rows,
        unplaced=users_by_staff_no(unplaced[:SHOWN_UNPLACED]),  # people are in staff no order
        unplaced_count=len(unplaced), no_station=scope.no_station, problems=describe_all(scope, broken),
        allocated=sum(1 for user_id in scope.members if user_id in scope.ids),
    )
