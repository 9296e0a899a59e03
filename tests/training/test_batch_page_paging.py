"""The training batch page at a province's size: members paged by staff number (page 2 shows the next people,
the badge counts everyone), seats counted per session, and the page's SQL statements the same for 5 members as
for 60."""

import re

from app.core.roles import Role
from app.extensions import db
from tests import factories
from tests.statements import statements

PAGE = 50


def _batch(users, people: int, prefix: str):
    members = [factories.make_user(f"{prefix}{n:04d}", password=None) for n in range(1, people + 1)]
    batch = factories.make_batch(f"{prefix}期", members=members)
    factories.make_session(batch, "law", users[Role.TRAINER], capacity=people, seats=members[: people - 1])
    db.session.commit()
    return batch


def _staff_numbers(body: str, prefix: str) -> list[str]:
    return re.findall(rf"<td>({prefix}[0-9]{{4}})</td>", body)


def test_page_two_shows_the_next_members_and_the_counts_are_of_everyone(client, login, users):
    batch = _batch(users, PAGE + 10, "m")
    login(users[Role.HR])
    first = client.get(f"/training/batches/{batch.id}").get_data(as_text=True)
    second = client.get(f"/training/batches/{batch.id}?page=2").get_data(as_text=True)
    assert _staff_numbers(first, "m") == [f"m{n:04d}" for n in range(1, PAGE + 1)]
    assert _staff_numbers(second, "m") == [f"m{n:04d}" for n in range(PAGE + 1, PAGE + 11)]
    assert f'<span class="badge text-bg-secondary">{PAGE + 10}</span>' in first
    assert f"{PAGE + 9} / {PAGE + 10}" in first  # seats taken of the session's capacity
    assert client.get(f"/training/batches/{batch.id}?page=x").status_code == 200




def test_the_pages_statements_do_not_grow_with_the_members(client, login, users):
    small, big = _batch(users, 5, "s"), _batch(users, 60, "b")
    login(users[Role.HR])
    assert statements(client, f"/training/batches/{big.id}") == statements(client, f"/training/batches/{small.id}")
