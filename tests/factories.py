"""Plain functions that build rows for tests; they flush, the caller commits when it needs to."""

import itertools
from types import SimpleNamespace

from app.accounts.models import User, UserRole
from app.accounts.passwords import hash_password
from app.accounts.roles import Role
from app.extensions import db
from app.org.models import Office, Station, Team

PASSWORD = "Test@2026pw"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hashed(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_org(stations=("东站", "西站"), teams=("一班", "二班")) -> SimpleNamespace:
    office = Office(name="测试收费所")
    db.session.add(office)
    made = []
    for station_name in stations:
        station = Station(office=office, name=station_name, kind="station")
        db.session.add(station)
        for team_name in teams:
            db.session.add(Team(station=station, name=team_name))
        made.append(station)
    db.session.flush()
    return SimpleNamespace(office=office, stations=made)


def make_user(
    staff_no: str | None = None,
    *,
    roles=(Role.COLLECTOR,),
    name: str | None = None,
    password: str | None = PASSWORD,
    station: Station | None = None,
    team: Team | None = None,
    active: bool = True,
    must_change_password: bool = False,
    **fields,
) -> User:
    number = next(_counter)
    user = User(
        staff_no=(staff_no or f"t{number:05d}").casefold(),
        name=name or f"测试员{number}",
        password_hash=_hashed(password) if password else None,
        station=station or (team.station if team else None),
        team=team,
        active=active,
        must_change_password=must_change_password,
        **fields,
    )
    user.role_rows = [UserRole(role=Role(role).value) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user
