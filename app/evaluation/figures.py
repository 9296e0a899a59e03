"""Team (班组) and station figures over a set of evaluations: people, mean total, pass rate and rank.

A person counts in the team and station they belong to now (the roster), so a summary answers "how is
this team doing" rather than reconstructing past transfers. Passed = rated 合格 or better.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.evaluation.models import Evaluation
from app.evaluation.scoring import CENT
from app.evaluation.states import Rating
from app.extensions import db
from app.org.models import Station, Team


@dataclass(frozen=True)
class GroupFigures:
    key: int | None  # station or team id (None: people without one)
    label: str
    people: int
    mean: Decimal
    passed: int
    rank: int

    @property
    def pass_rate(self) -> Decimal:
        return (Decimal(self.passed) * 100 / self.people).quantize(CENT, ROUND_HALF_UP)


def group_figures(batch_id: int, kind: str) -> list[GroupFigures]:
    """A batch's figures by station (`kind="station"`) or team (`"team"`), best mean first; equal means share a
    rank. Counted and summed in the database (a batch of 5,000 is a few dozen rows here)."""
    cents = func.sum(func.round(Evaluation.total * 100))  # totals hold cents: exact sums on SQLite's floats too
    passed = func.count(case((Evaluation.rating != Rating.FAIL, 1)))
    query = (select(func.count(), cents, passed).select_from(Evaluation)
             .join(User, User.id == Evaluation.user_id).where(Evaluation.batch_id == batch_id))
    if kind == "team":
        team_station = aliased(Station)
        query = (query.add_columns(Team.id, Team.name, team_station.name)
                 .outerjoin(Team, Team.id == User.team_id).outerjoin(team_station, team_station.id == Team.station_id)
                 .group_by(Team.id, Team.name, team_station.name))
    else:
        query = (query.add_columns(Station.id, Station.name, literal(None))
                 .outerjoin(Station, Station.id == User.station_id).group_by(Station.id, Station.name))
    rows = []
    for people, total, passing, key, name, station_name in db.session.execute(query):
        label = "" if key is None else f"{station_name} · {name}" if station_name else name
        mean = (Decimal(round(total)) / 100 / people).quantize(CENT, ROUND_HALF_UP)
        rows.append((key, label, people, mean, passing))
    rows.sort(key=lambda row: (-row[3], row[1]))
    ranked, rank, previous = [], 0, None
    for position, (key, label, people, mean, passed_count) in enumerate(rows, start=1):
        if mean != previous:
            rank, previous = position, mean
        ranked.append(GroupFigures(key, label, people, mean, passed_count, rank))
    return ranked
