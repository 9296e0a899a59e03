"""A batch's evaluation sheet at a province's size: paged by staff number (page 2 shows the next people), the
station and team figures counted in SQL equal to the sums over every evaluation, and the page's SQL statements
the same for 5 people as for 60."""

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from app.core.roles import Role
from app.evaluation.figures import group_figures
from app.evaluation.models import Evaluation
from app.evaluation.states import Rating
from app.extensions import db
from tests import factories
from tests.evaluation.support import batch_of, exams_for, results
from tests.statements import statements

PAGE = 50


def _computed_batch(client, login, users, org, people: int, prefix: str):
    """`people` members over both stations and their teams with varied scores, computed over HTTP."""
    teams = [team for station in org.stations for team in station.teams]
    members = [factories.make_user(f"{prefix}{n:04d}", team=teams[n % len(teams)], password=None)
               for n in range(1, people + 1)]
    batch = batch_of(members, name=f"{prefix}期")
    exams = exams_for(batch)
    for n, person in enumerate(members):
        results(person, exams, 40 + n * 7 % 60, 55 + n % 45, 60 + n * 3 % 40, 50 + n * 11 % 50)
    db.session.commit()
    login(users[Role.HR])
    assert client.post(f"/evaluation/batches/{batch.id}/compute").status_code == 302
    return batch


def _staff_numbers(body: str, prefix: str) -> list[str]:
    return re.findall(rf'<tr id="evaluation-({prefix}[0-9]{{4}})">', body)


def test_page_two_shows_the_next_people(client, login, users, org):
    batch = _computed_batch(client, login, users, org, PAGE + 10, "e")
    first = client.get(f"/evaluation/batches/{batch.id}").get_data(as_text=True)
    second = client.get(f"/evaluation/batches/{batch.id}?page=2").get_data(as_text=True)
    assert _staff_numbers(first, "e") == [f"e{n:04d}" for n in range(1, PAGE + 1)]
    assert _staff_numbers(second, "e") == [f"e{n:04d}" for n in range(PAGE + 1, PAGE + 11)]
    assert "page=2" in first
    assert client.get(f"/evaluation/batches/{batch.id}?page=x").status_code == 200


def test_station_and_team_figures_equal_the_sums_over_every_evaluation(client, login, users, org):
    batch = _computed_batch(client, login, users, org, PAGE + 10, "e")
    evaluations = db.session.scalars(db.select(Evaluation).where(Evaluation.batch_id == batch.id)).all()
    for kind in ("station", "team"):
        groups = defaultdict(list)
        for evaluation in evaluations:
            groups[getattr(evaluation.user, f"{kind}_id")].append(evaluation)
        expected = {key: (len(members), (sum(e.total for e in members) / len(members)).quantize(
            Decimal("0.01"), ROUND_HALF_UP), sum(1 for e in members if e.rating != Rating.FAIL))
            for key, members in groups.items()}
        found = {f.key: (f.people, f.mean, f.passed) for f in group_figures(batch.id, kind)}
        assert found == expected and len(found) == (2 if kind == "station" else 4)
    assert {e.rating for e in evaluations} - {Rating.FAIL} and Rating.FAIL in {e.rating for e in evaluations}




def test_the_sheets_statements_do_not_grow_with_the_batch(client, login, users, org):
    small = _computed_batch(client, login, users, org, 5, "s")
    big = _computed_batch(client, login, users, org, 60, "b")
    assert statements(client, f"/evaluation/batches/{big.id}") == statements(client, f"/evaluation/batches/{small.id}")
