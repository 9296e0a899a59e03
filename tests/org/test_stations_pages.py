"""Stations (收费站 / 收费点) and teams: list, create, rename, deactivate and reactivate."""

import re

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station, Team
from tests import factories


@pytest.fixture(autouse=True)
def english(users):
    """Pages in English, so assertions can read the messages."""
    for user in users.values():
        user.locale = "en"
    db.session.commit()


@pytest.fixture(params=[Role.ADMIN, Role.HR])
def manager(request, client, users, login):
    """Admins and HR both manage stations and teams."""
    login(users[request.param])
    return users[request.param]


@pytest.fixture
def admin(client, users, login):
    login(users[Role.ADMIN])
    return users[Role.ADMIN]


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _station(name: str) -> Station | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Station).where(Station.name == name))


def test_list_shows_stations_kinds_teams_and_active_staff_counts(client, admin, org, users):
    east, west = org.stations
    point = Station(office=org.office, name="南收费点", kind="point")
    db.session.add(point)
    factories.make_user("s1", team=east.teams[0])
    factories.make_user("s2", team=east.teams[1], active=False)
    db.session.commit()
    html = client.get("/stations").get_data(as_text=True)
    assert "东站" in html and "西站" in html and "南收费点" in html
    assert "Toll station" in html and "Branch toll point" in html
    assert "一班" in html and "二班" in html
    east_card = html[html.index(f'id="station-{east.id}"'):html.index(f'id="station-{west.id}"')]
    assert "2 active staff members" in east_card  # c0001 and s1; s2 is deactivated


def test_list_searches_by_name_and_filters_by_kind_and_status(client, admin, org):
    db.session.add(Station(office=org.office, name="南收费点", kind="point"))
    db.session.add(Station(office=org.office, name="北站", kind="station", active=False))
    db.session.commit()

    def names(query):
        html = client.get(f"/stations?{query}").get_data(as_text=True)
        return [name for name in ("东站", "西站", "南收费点", "北站") if f">{name}</h2>" in html]

    assert names("") == ["东站", "西站", "南收费点", "北站"]
    assert names("q=东") == ["东站"]
    assert names("kind=point") == ["南收费点"]
    assert names("status=inactive") == ["北站"]
    assert names("status=active&kind=station") == ["东站", "西站"]
    assert names("kind=bogus&status=bogus") == ["东站", "西站", "南收费点", "北站"]


def test_manager_creates_a_station_and_it_is_audited(client, manager):
    response = client.post("/stations/new", data={"name": " 北收费点 ", "kind": "point"})
    assert response.status_code == 302
    station = _station("北收费点")
    assert station.kind == "point" and station.active
    event = _events(actions.STATION_CREATED)[0]
    assert event.details == {"name": "北收费点", "kind": "point"} and event.actor_staff_no == manager.staff_no


def test_station_with_an_existing_name_is_refused_on_the_name_field(client, admin, org):
    response = client.post("/stations/new", data={"name": "东站", "kind": "station"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A station named 东站 already exists." in html and "is-invalid" in html
    assert db.session.scalar(db.select(db.func.count(Station.id))) == 2
    assert not _events(actions.STATION_CREATED)


def test_unknown_kind_is_refused(client, admin):
    response = client.post("/stations/new", data={"name": "怪站", "kind": "airport"})
    assert response.status_code == 200
    assert _station("怪站") is None


def test_manager_renames_a_station_and_changes_its_kind(client, manager, org):
    east = org.stations[0]
    response = client.post(f"/stations/{east.id}/edit", data={"name": "东收费点", "kind": "point"})
    assert response.status_code == 302
    renamed = _station("东收费点")
    assert renamed.id == east.id and renamed.kind == "point"
    event = _events(actions.STATION_UPDATED)[0]
    assert event.details == {"name": ["东站", "东收费点"], "kind": ["station", "point"]}


def test_renaming_a_station_to_another_stations_name_is_refused(client, admin, org):
    east = org.stations[0]
    response = client.post(f"/stations/{east.id}/edit", data={"name": "西站", "kind": "station"})
    assert response.status_code == 200
    assert "A station named 西站 already exists." in response.get_data(as_text=True)
    assert _station("东站").id == east.id
    assert not _events(actions.STATION_UPDATED)


def test_saving_a_station_unchanged_records_nothing(client, admin, org):
    east = org.stations[0]
    client.post(f"/stations/{east.id}/edit", data={"name": "东站", "kind": "station"})
    assert not _events(actions.STATION_UPDATED)


def test_manager_adds_and_renames_a_team(client, manager, org):
    west = org.stations[1]
    assert client.post(f"/stations/{west.id}/teams/new", data={"name": "三班"}).status_code == 302
    team = db.session.scalar(db.select(Team).where(Team.station_id == west.id, Team.name == "三班"))
    assert team is not None
    assert client.post(f"/teams/{team.id}/edit", data={"name": "夜班"}).status_code == 302
    db.session.refresh(team)
    assert team.name == "夜班"
    assert _events(actions.TEAM_CREATED)[0].details == {"station": "西站", "name": "三班"}
    assert _events(actions.TEAM_UPDATED)[0].details == {"station": "西站", "name": ["三班", "夜班"]}


def test_team_name_must_be_unique_within_its_station_only(client, admin, org):
    east, west = org.stations
    refused = client.post(f"/stations/{west.id}/teams/new", data={"name": "一班"})
    assert refused.status_code == 200
    assert "Station 西站 already has a team named 一班." in refused.get_data(as_text=True)
    renamed = client.post(f"/teams/{west.teams[1].id}/edit", data={"name": "一班"})
    assert renamed.status_code == 200
    assert client.post(f"/stations/{east.id}/teams/new", data={"name": "三班"}).status_code == 302
    assert client.post(f"/stations/{west.id}/teams/new", data={"name": "三班"}).status_code == 302


def test_station_with_active_teams_or_staff_cannot_be_deactivated_and_the_message_says_how_many(
    client, admin, org, users
):
    east = org.stations[0]
    response = client.post(f"/stations/{east.id}/deactivate", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Station 东站 cannot be deactivated." in html
    assert "2 active teams still belong to it" in html
    assert "1 active staff member is still assigned to it" in html
    assert _station("东站").active
    assert not _events(actions.STATION_DEACTIVATED)


def test_team_with_active_staff_cannot_be_deactivated(client, admin, org, users):
    team = org.stations[0].teams[0]  # c0001's team
    factories.make_user("s9", team=team)
    db.session.commit()
    html = client.post(f"/teams/{team.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "Team 一班 cannot be deactivated." in html
    assert "2 active staff members are still assigned to it" in html
    db.session.refresh(team)
    assert team.active


def test_empty_teams_then_the_station_can_be_deactivated_and_reactivated(client, manager, org):
    west = org.stations[1]
    factories.make_user("gone", team=west.teams[0], active=False)  # deactivated staff do not block
    db.session.commit()
    for team in west.teams:
        assert client.post(f"/teams/{team.id}/deactivate").status_code == 302
    assert client.post(f"/stations/{west.id}/deactivate").status_code == 302
    assert not _station("西站").active
    assert len(_events(actions.TEAM_DEACTIVATED)) == 2
    assert len(_events(actions.STATION_DEACTIVATED)) == 1

    # A team of a deactivated station stays off until the station is back.
    team = west.teams[0]
    html = client.post(f"/teams/{team.id}/reactivate", follow_redirects=True).get_data(as_text=True)
    assert "Station 西站 is deactivated; reactivate it first." in html
    assert client.post(f"/stations/{west.id}/teams/new", data={"name": "新班"}).status_code == 200
    assert client.post(f"/stations/{west.id}/reactivate").status_code == 302
    assert client.post(f"/teams/{team.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert _station("西站").active and db.session.get(Team, team.id).active
    assert len(_events(actions.STATION_REACTIVATED)) == 1 and len(_events(actions.TEAM_REACTIVATED)) == 1


def test_deactivated_station_is_not_offered_on_the_staff_form(client, admin, org):
    west = org.stations[1]
    for team in west.teams:
        client.post(f"/teams/{team.id}/deactivate")
    client.post(f"/stations/{west.id}/deactivate")
    page = client.get("/staff/new").get_data(as_text=True)
    station_select = re.search(r'<select[^>]*name="station".*?</select>', page, re.S).group(0)
    team_select = re.search(r'<select[^>]*name="team".*?</select>', page, re.S).group(0)
    assert "东站" in station_select and "西站" not in station_select
    assert 'label="西站"' not in team_select


def test_state_changes_are_post_only(client, admin, org):
    east = org.stations[0]
    assert client.get(f"/stations/{east.id}/deactivate").status_code == 405
    assert client.get(f"/teams/{east.teams[0].id}/deactivate").status_code == 405
    assert _station("东站").active


def test_unknown_station_or_team_is_404(client, admin):
    assert client.get("/stations/9999/edit").status_code == 404
    assert client.post("/stations/9999/deactivate").status_code == 404
    assert client.get("/teams/9999/edit").status_code == 404
    assert client.get("/stations/9999/teams/new").status_code == 404


def test_pages_render_for_hr(client, users, login, org):
    login(users[Role.HR])
    east = org.stations[0]
    for url in ("/stations", "/stations/new", f"/stations/{east.id}/edit", f"/stations/{east.id}/teams/new",
                f"/teams/{east.teams[0].id}/edit"):
        assert client.get(url).status_code == 200, url
