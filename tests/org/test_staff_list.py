"""The staff list: search, filters, pagination, and who may open the staff pages."""

import re

import pytest

from app.core.roles import Role
from app.extensions import db
from tests import factories


@pytest.fixture(autouse=True)
def english(users):
    """Pages in English, so assertions can read the messages."""
    for user in users.values():
        user.locale = "en"
    db.session.commit()


def _staff_numbers(html: str) -> list[str]:
    """Staff numbers in the list, in page order (they are the links in the first column)."""
    return re.findall(r'<td class="text-nowrap"><a href="/staff/\d+">([^<]+)</a></td>', html)


@pytest.fixture
def admin(client, users, login):
    login(users[Role.ADMIN])
    return users[Role.ADMIN]


def test_list_shows_active_staff_sorted_by_staff_number_with_translated_roles(client, admin, users, org):
    factories.make_user("b0002", name="李四", team=org.stations[1].teams[1], position="收费员")
    factories.make_user("b0001", name="王五", active=False)
    db.session.commit()
    response = client.get("/staff?status=active")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    numbers = _staff_numbers(html)
    assert numbers == sorted(numbers)
    assert "b0002" in numbers and "b0001" not in numbers
    assert "西站" in html and "二班" in html and "收费员" in html
    assert "Toll collector" in html


def test_default_list_hides_deactivated_staff_and_status_all_shows_them(client, admin):
    factories.make_user("z0001", name="离职者", active=False)
    db.session.commit()
    assert "z0001" not in _staff_numbers(client.get("/staff").get_data(as_text=True))
    assert "z0001" in _staff_numbers(client.get("/staff?status=inactive").get_data(as_text=True))
    assert "z0001" in _staff_numbers(client.get("/staff?status=all").get_data(as_text=True))


def test_search_matches_a_substring_of_staff_number_or_name(client, admin):
    factories.make_user("k1234", name="赵六")
    factories.make_user("k9999", name="孙七赵")
    factories.make_user("m5555", name="周八")
    db.session.commit()
    assert _staff_numbers(client.get("/staff?q=123").get_data(as_text=True)) == ["k1234"]
    assert _staff_numbers(client.get("/staff?q=赵").get_data(as_text=True)) == ["k1234", "k9999"]
    # Full-width characters typed on a Chinese keyboard, and capitals, match the plain staff number.
    assert _staff_numbers(client.get("/staff?q=Ｋ１２").get_data(as_text=True)) == ["k1234"]


def test_search_treats_percent_and_underscore_literally(client, admin):
    factories.make_user("x_001", name="下划线")
    factories.make_user("xa001", name="字母")
    db.session.commit()
    assert _staff_numbers(client.get("/staff?q=x_0").get_data(as_text=True)) == ["x_001"]
    assert _staff_numbers(client.get("/staff?q=%25").get_data(as_text=True)) == []


def test_filters_by_station_team_and_role(client, admin, org, users):
    east, west = org.stations
    factories.make_user("f0001", team=east.teams[1])
    factories.make_user("f0002", team=west.teams[0])
    factories.make_user("f0003", team=west.teams[1], roles=[Role.COLLECTOR, Role.TRAINER])
    db.session.commit()
    by_station = _staff_numbers(client.get(f"/staff?station={west.id}").get_data(as_text=True))
    assert by_station == ["f0002", "f0003"]
    by_team = _staff_numbers(client.get(f"/staff?station={west.id}&team={west.teams[1].id}").get_data(as_text=True))
    assert by_team == ["f0003"]
    by_role = _staff_numbers(client.get("/staff?role=trainer").get_data(as_text=True))
    assert by_role == ["f0003", "trainer01"]


def test_team_filter_offers_only_the_chosen_stations_teams(client, admin, org):
    east, west = org.stations
    html = client.get(f"/staff?station={west.id}").get_data(as_text=True)
    team_select = re.search(r'<select[^>]*name="team".*?</select>', html, re.S).group(0)
    assert f'value="{west.teams[0].id}"' in team_select
    assert f'value="{east.teams[0].id}"' not in team_select


def test_a_team_of_another_station_or_a_bad_value_is_ignored_not_an_error(client, admin, org, users):
    east, west = org.stations
    response = client.get(f"/staff?station={west.id}&team={east.teams[0].id}&role=boss&status=x&page=abc")
    assert response.status_code == 200
    assert _staff_numbers(response.get_data(as_text=True)) == []  # nobody in west; the east team was dropped
    assert "c0001" in _staff_numbers(client.get("/staff?station=nonsense").get_data(as_text=True))


def test_list_is_paginated_fifty_per_page_and_keeps_the_filters(client, admin):
    for number in range(1, 121):
        factories.make_user(f"p{number:04d}", password=None)
    db.session.commit()
    first = client.get("/staff?q=p0").get_data(as_text=True)
    assert _staff_numbers(first) == [f"p{n:04d}" for n in range(1, 51)]
    assert "120" in first
    assert 'href="/staff?page=2&amp;q=p0&amp;status=active"' in first
    third = client.get("/staff?q=p0&page=3").get_data(as_text=True)
    assert _staff_numbers(third) == [f"p{n:04d}" for n in range(101, 121)]
    beyond = client.get("/staff?q=p0&page=9")
    assert beyond.status_code == 200 and _staff_numbers(beyond.get_data(as_text=True)) == []


def test_hr_sees_the_staff_list(client, users, login):
    login(users[Role.HR])
    response = client.get("/staff")
    assert response.status_code == 200
    assert "c0001" in _staff_numbers(response.get_data(as_text=True))


def test_list_needs_a_login(client, users):
    response = client.get("/staff")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
