"""Stations and teams. Services flush, never commit."""

from flask_babel import lazy_gettext as _l

from app.core.errors import Conflict, DomainError
from app.extensions import db
from app.org.models import STATION_KINDS, Office, Station, Team

DEFAULT_OFFICE_NAME = "收费所"


def the_office() -> Office:
    """The deployment serves one toll office; it is created on first use."""
    office = db.session.scalar(db.select(Office).order_by(Office.id).limit(1))
    if office is None:
        office = Office(name=DEFAULT_OFFICE_NAME)
        db.session.add(office)
        db.session.flush()
    return office


def find_station(name: str) -> Station | None:
    return db.session.scalar(db.select(Station).where(Station.name == name.strip()))


def find_team(station: Station, name: str) -> Team | None:
    return db.session.scalar(db.select(Team).where(Team.station_id == station.id, Team.name == name.strip()))


def create_station(name: str, kind: str = "station") -> Station:
    name = name.strip()
    if not name:
        raise DomainError(_l("The station name is required."), field="name")
    if kind not in STATION_KINDS:
        raise DomainError(_l("Unknown kind of station."), field="kind")
    if find_station(name) is not None:
        raise Conflict(_l("A station named %(name)s already exists.", name=name), field="name")
    station = Station(office=the_office(), name=name, kind=kind)
    db.session.add(station)
    db.session.flush()
    return station


def create_team(station: Station, name: str) -> Team:
    name = name.strip()
    if not name:
        raise DomainError(_l("The team name is required."), field="name")
    if find_team(station, name) is not None:
        raise Conflict(_l("Station %(station)s already has a team named %(name)s.", station=station.name,
                          name=name), field="name")
    team = Team(station=station, name=name)
    db.session.add(team)
    db.session.flush()
    return team
