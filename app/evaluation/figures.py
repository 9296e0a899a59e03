"""Team (班组) and station figures over a set of evaluations: people, mean total, pass rate and rank.

A person counts in the team and station they belong to now (the roster), so a summary answers "how is
this team doing" rather than reconstructing past transfers. Passed = rated 合格 or better.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.evaluation.models import Evaluation
from app.evaluation.scoring import CENT
from app.evaluation.states import Rating


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


def _label_of(kind: str, user) -> tuple[int | None, str]:
    if kind == "team":
        team = user.team
        if team is None:
            return None, ""
        return team.id, f"{team.station.name} · {team.name}" if team.station else team.name
    station = user.station
    return (station.id, station.name) if station is not None else (None, "")


def group_figures(evaluations: list[Evaluation], kind: str) -> list[GroupFigures]:
    """By station (`kind="station"`) or team (`"team"`), best mean first; equal means share a rank."""
    groups: dict[int | None, list[Evaluation]] = defaultdict(list)
    labels: dict[int | None, str] = {}
    for evaluation in evaluations:
        key, label = _label_of(kind, evaluation.user)
        groups[key].append(evaluation)
        labels[key] = label
    rows = []
    for key, members in groups.items():
        mean = (sum((e.total for e in members), Decimal(0)) / len(members)).quantize(CENT, ROUND_HALF_UP)
        rows.append((key, labels[key], len(members), mean, sum(1 for e in members if e.rating != Rating.FAIL)))
    rows.sort(key=lambda row: (-row[3], row[1]))
    ranked, rank, previous = [], 0, None
    for position, (key, label, people, mean, passed) in enumerate(rows, start=1):
        if mean != previous:
            rank, previous = position, mean
        ranked.append(GroupFigures(key, label, people, mean, passed, rank))
    return ranked
