"""Station and team services without HTTP: they flush, audit, and refuse with domain errors."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import Conflict, DomainError
from app.core.roles import Role
from app.extensions import db
from app.org import services
from app.org.models import Station
from tests import factories

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def request_context(app):
    """Domain errors carry translated messages; the locale is looked up in a request context."""
    with app.test_request_context():
        yield


@pytest.fixture
def admin(users):
    return users[Role.ADMIN]


def _kwargs():
    return {"ip": "10.0.0.9", "now": NOW}


def test_add_station_records_who_when_and_where(app, admin, org):
    station = services.add_station(admin, "新站", "station", **_kwargs())
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.STATION_CREATED)).one()
    assert (event.actor_id, event.ip, event.at, event.target_id) == (admin.id, "10.0.0.9", NOW, str(station.id))


def test_services_flush_but_do_not_commit(app, admin, org):
    services.add_station(admin, "临时站", "point", **_kwargs())
    db.session.rollback()
    assert services.find_station("临时站") is None


def test_blank_names_are_refused_on_the_name_field(app, admin, org):
    with pytest.raises(DomainError) as refused:
        services.add_station(admin, "   ", "station", **_kwargs())
    assert refused.value.field == "name"
    with pytest.raises(DomainError) as refused:
        services.rename_team(admin, org.stations[0].teams[0], "", **_kwargs())
    assert refused.value.field == "name"


def test_renaming_onto_a_taken_name_is_a_conflict(app, admin, org):
    east, west = org.stations
    with pytest.raises(Conflict) as refused:
        services.update_station(admin, east, "西站", "station", **_kwargs())
    assert refused.value.field == "name"
    with pytest.raises(Conflict):
        services.rename_team(admin, east.teams[0], "二班", **_kwargs())
    assert services.rename_team(admin, west.teams[0], "一班", **_kwargs()) is False


def test_deactivating_a_station_counts_what_still_depends_on_it(app, admin, org, users):
    east = org.stations[0]
    with pytest.raises(Conflict) as refused, force_locale("en"):
        services.deactivate_station(admin, east, **_kwargs())
    with force_locale("en"):
        message = str(refused.value.message)
    assert "2 active teams" in message and "1 active staff member" in message
    assert east.active


def test_deactivating_a_team_with_one_active_member_names_one(app, admin, org, users):
    team = org.stations[0].teams[0]
    with pytest.raises(Conflict) as refused:
        services.deactivate_team(admin, team, **_kwargs())
    with force_locale("en"):
        assert "1 active staff member is still assigned" in str(refused.value.message)


def test_adding_a_team_to_a_deactivated_station_is_refused(app, admin, org):
    station = Station(office=org.office, name="停用站", kind="station", active=False)
    db.session.add(station)
    db.session.flush()
    with pytest.raises(DomainError):
        services.add_team(admin, station, "一班", **_kwargs())


def test_deactivate_and_reactivate_are_idempotent(app, admin, org):
    west = org.stations[1]
    for team in west.teams:
        services.deactivate_team(admin, team, **_kwargs())
        services.deactivate_team(admin, team, **_kwargs())
    services.deactivate_station(admin, west, **_kwargs())
    services.deactivate_station(admin, west, **_kwargs())
    services.reactivate_station(admin, west, **_kwargs())
    services.reactivate_station(admin, west, **_kwargs())
    counted = {
        action: db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == action))
        for action in (actions.TEAM_DEACTIVATED, actions.STATION_DEACTIVATED, actions.STATION_REACTIVATED)
    }
    assert counted == {actions.TEAM_DEACTIVATED: 2, actions.STATION_DEACTIVATED: 1, actions.STATION_REACTIVATED: 1}


def test_staff_query_combines_search_and_filters(app, org, users):
    west = org.stations[1]
    factories.make_user("q100", name="甲乙", team=west.teams[0], password=None)
    factories.make_user("q200", name="丙丁", team=west.teams[0], password=None, active=False)
    found = db.session.scalars(services.staff_query(services.StaffFilters(q="Q", station_id=west.id))).all()
    assert [u.staff_no for u in found] == ["q100"]
    everyone = services.StaffFilters(q="q", station_id=west.id, status="all", role=Role.COLLECTOR)
    assert [u.staff_no for u in db.session.scalars(services.staff_query(everyone))] == ["q100", "q200"]
