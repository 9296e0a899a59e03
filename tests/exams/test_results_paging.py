"""An exam's results and candidates pages at a province's size: paged by staff number (page 2 shows the next
people), the summary counted in SQL equal to the sums over every person's result (app/exams/results.py), and a
page's SQL statements the same for 5 candidates as for 60."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.core.roles import Role
from app.exams import results_reading
from app.exams.audience import audience_users, needing_makeup
from app.exams.models import Attempt
from app.exams.results import results_of
from app.exams.states import AttemptState
from app.extensions import db
from app.org.models import Station
from tests import factories
from tests.statements import statements

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
PAGE = results_reading.PAGE_SIZE


def _attempt(exam, user, number, score):
    db.session.add(Attempt(exam_id=exam.id, user_id=user.id, number=number, status=AttemptState.SUBMITTED, seed=1,
                           started_at=NOW, deadline_at=NOW + timedelta(minutes=30), submitted_at=NOW,
                           max_score=Decimal(10), score=None if score is None else Decimal(score),
                           passed=None if score is None else Decimal(score) >= exam.pass_mark))


def _exam(users, org, people: int, prefix: str = "p"):
    """An exam whose audience is a new station of `people` collectors (p0001 …): each sat once with scores
    from 0 to 9.75, the third twice (a better second attempt), the fifth waits for grading; and one person of
    another station who sat without being a candidate (z…)."""
    trainer = users[Role.TRAINER]
    station = Station(office=org.office, name=f"{prefix}站", kind="station")
    db.session.add(station)
    exam = factories.make_exam(trainer, factories.make_exam_bank(trainer).bank, audience=[station], now=NOW)
    staff = [factories.make_user(f"{prefix}{n:04d}", station=station, password=None) for n in range(1, people + 1)]
    for n, person in enumerate(staff, start=1):
        _attempt(exam, person, 1, None if n == 5 else Decimal(n * 13 % 40) / 4)
    _attempt(exam, staff[2], 2, "9.5")
    _attempt(exam, factories.make_user(f"z{prefix}01", station=org.stations[1], password=None), 1, "7")
    db.session.commit()
    return exam, staff


def _staff_numbers(body: str, prefix: str) -> list[str]:
    return re.findall(rf"<td>({prefix}[0-9]{{4}})</td>", body)


def test_results_page_two_shows_the_next_attempts(client, login, users, org):
    exam, staff = _exam(users, org, PAGE + 10)
    login(users[Role.HR])
    first = client.get(f"/exams/{exam.id}/results").get_data(as_text=True)
    second = client.get(f"/exams/{exam.id}/results?page=2").get_data(as_text=True)
    # By staff number and attempt number: p0003 holds two rows, so page 1 ends one person early.
    assert _staff_numbers(first, "p") == ["p0001", "p0002", "p0003", "p0003"] + [f"p{n:04d}" for n in range(4, PAGE)]
    assert _staff_numbers(second, "p") == [f"p{n:04d}" for n in range(PAGE, PAGE + 11)]
    assert "zp01" in second and "zp01" not in first
    assert "page=2" in first and "page=1" in second
    assert client.get(f"/exams/{exam.id}/results?page=x").status_code == 200  # unreadable: the first page
    assert "p0001" not in client.get(f"/exams/{exam.id}/results?page=99").get_data(as_text=True)


def test_results_filters_are_kept_across_pages(client, login, users, org):
    exam, _staff = _exam(users, org, PAGE + 10)
    station = org.stations[0].id
    login(users[Role.HR])
    body = client.get(f"/exams/{exam.id}/results?status=graded&station={station}").get_data(as_text=True)
    assert f"status=graded&amp;station={station}" in body or f"station={station}&amp;status=graded" in body


def test_summary_counted_in_sql_equals_the_sums_over_each_result(users, org):
    exam, staff = _exam(users, org, PAGE + 10)
    summary = results_reading.results_summary(exam)
    found = list(results_of(exam_ids=[exam.id]).values())
    graded = [r for r in found if not r.pending]
    mean = (sum(r.score for r in graded) / len(graded)).quantize(Decimal("0.01"))
    assert summary.candidates == len(audience_users(exam)) == len(staff)
    assert (summary.started, summary.submitted) == (len(staff) + 1, len(found)) == (len(staff) + 1, len(staff) + 1)
    assert (summary.graded, summary.passed) == (len(graded), sum(1 for r in graded if r.passed))
    assert summary.mean_score == mean
    assert summary.passed < summary.graded < summary.submitted  # the cases differ, so the test can fail


def test_candidates_page_two_shows_the_next_people_and_those_who_sat_outside_the_audience(client, login, users, org):
    exam, staff = _exam(users, org, PAGE + 10)
    login(users[Role.TRAINER])
    first = client.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    second = client.get(f"/exams/{exam.id}/candidates?page=2").get_data(as_text=True)
    assert [f"p{n:04d}" for n in range(1, PAGE + 1)] == _staff_numbers(first, "p")
    assert [f"p{n:04d}" for n in range(PAGE + 1, PAGE + 11)] == _staff_numbers(second, "p")
    assert "zp01" in second and "已不是考生" in second and "已不是考生" not in first  # "no longer a candidate"
    assert f'id="candidate-{staff[0].id}"' not in second


def test_extra_time_refused_input_shows_the_persons_page_again(client, login, users, org):
    exam, staff = _exam(users, org, PAGE + 10)
    login(users[Role.TRAINER])
    last = staff[-1]
    response = client.post(f"/exams/{exam.id}/candidates/{last.id}/extra-time", data={"minutes": "-5", "reason": "x"})
    assert response.status_code == 400
    assert f'id="candidate-{last.id}"' in response.get_data(as_text=True)




@pytest.mark.parametrize("page", ["results", "candidates"])
def test_a_pages_statements_do_not_grow_with_the_candidates(client, login, users, org, page):
    small, _staff = _exam(users, org, 5, prefix="p")
    big, _staff = _exam(users, org, 60, prefix="q")
    login(users[Role.HR])
    assert statements(client, f"/exams/{big.id}/{page}") == statements(client, f"/exams/{small.id}/{page}")


def test_a_make_up_exams_audience_in_sql_is_who_the_python_rule_admits(users, org):
    """audience_where (SQL, for counting and paging) and needing_makeup (Python, over results_of) agree: failed
    and absent people sit the make-up exam; passed and pending ones do not."""
    original, staff = _exam(users, org, 8)  # the fifth is pending; scores n*13%40/4 against a pass mark of 6
    trainer = users[Role.TRAINER]
    makeup = factories.make_exam(trainer, factories.make_exam_bank(trainer).bank, status="draft", now=NOW)
    makeup.makeup_of_id = original.id
    absent = factories.make_user("p0100", station=staff[0].station, password=None)
    db.session.commit()
    admitted = [user.staff_no for user in audience_users(makeup)]
    candidates = audience_users(original)
    assert admitted == [user.staff_no for user in needing_makeup(candidates, original)]
    assert absent.staff_no in admitted and "p0005" not in admitted  # pending: not yet
    assert 0 < len(admitted) - 1 < len(staff) - 1  # some failed, some passed
