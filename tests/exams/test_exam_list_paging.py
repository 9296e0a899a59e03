"""The exam list at a province's size: 50 exams a page (page 2 shows the next ones, filters kept), and its SQL
statements the same whatever the number of candidates."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.core.roles import Role
from app.courses.catalog import ensure_courses
from app.exams.models import Attempt, AudienceEntry, Exam
from app.extensions import db
from tests import factories
from tests.statements import statements

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _exams(count: int, *, status="closed", station=None) -> list[Exam]:
    """`count` exams, the first opening latest (the list shows the newest first)."""
    course = ensure_courses()[0]
    made = [Exam(course=course, title=f"列表考试{n:03d}", status=status, opens_at=NOW - timedelta(days=n),
                 closes_at=NOW - timedelta(days=n) + timedelta(hours=2), duration_minutes=60, pass_mark=Decimal(60),
                 created_at=NOW) for n in range(count)]
    db.session.add_all(made)
    db.session.flush()
    if station is not None:
        db.session.add_all([AudienceEntry(exam_id=exam.id, station_id=station.id) for exam in made])
    db.session.commit()
    return made


def _titles(body: str) -> list[str]:
    return re.findall(r">(列表考试[0-9]{3})</a>", body)


def test_page_two_shows_the_next_exams_and_keeps_the_filter(client, login, users):
    _exams(55)
    _exams(3, status="draft")
    login(users[Role.HR])
    first = client.get("/exams/?status=closed").get_data(as_text=True)
    second = client.get("/exams/?status=closed&page=2").get_data(as_text=True)
    assert _titles(first) == [f"列表考试{n:03d}" for n in range(50)]
    assert _titles(second) == [f"列表考试{n:03d}" for n in range(50, 55)]
    [next_link] = set(re.findall(r'href="(/exams/\?[^"]*page=2[^"]*)"', first))
    assert "status=closed" in next_link
    assert client.get("/exams/?page=x").status_code == 200




def test_the_lists_statements_do_not_grow_with_the_candidates(client, login, users, org):
    station = org.stations[1]
    exams = _exams(3, station=station)
    login(users[Role.HR])
    few = statements(client, "/exams/")
    people = [factories.make_user(f"l{n:04d}", station=station, password=None) for n in range(60)]
    db.session.add_all([Attempt(exam_id=exams[0].id, user_id=person.id, number=1, status="submitted", seed=1,
                                started_at=NOW, deadline_at=NOW + timedelta(minutes=60), submitted_at=NOW,
                                max_score=Decimal(10), score=Decimal(7), passed=True) for person in people])
    db.session.commit()
    body = client.get("/exams/").get_data(as_text=True)
    assert ">60<" in body or ">61<" in body  # the counts did grow
    assert statements(client, "/exams/") == few
