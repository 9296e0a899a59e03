"""Stations and teams, and the staff list query. Services flush, never commit."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel.speaklater import LazyString
from sqlalchemy import Select, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User, UserRole
from app.accounts.services import normalise_staff_no
from app.audit import actions
from app.audit.models import AuditEvent
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.i18n import lazy_ngettext
from app.core.roles import Role
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
    _flush_unique(_l("A station named %(name)s already exists.", name=name))
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
    _flush_unique(_l("Station %(station)s already has a team named %(name)s.", station=station.name, name=name))
    return team


# --- Staff search (read-only) -------------------------------------------------------------------

STAFF_STATUSES = ("active", "inactive", "all")


@dataclass(frozen=True)
class StaffFilters:
    """What the staff list is narrowed to; empty values mean "any"."""

    q: str = ""
    station_id: int | None = None
    team_id: int | None = None
    role: Role | None = None
    status: str = "active"


def staff_query(filters: StaffFilters) -> Select:
    """Staff matching `filters`, sorted by staff number; the caller paginates."""
    statement = db.select(User).order_by(User.staff_no)
    text = unicodedata.normalize("NFKC", filters.q or "").strip()
    if text:
        statement = statement.where(
            or_(
                User.staff_no.contains(normalise_staff_no(text), autoescape=True),
                func.lower(User.name).contains(text.lower(), autoescape=True),
            )
        )
    if filters.station_id is not None:
        statement = statement.where(User.station_id == filters.station_id)
    if filters.team_id is not None:
        statement = statement.where(User.team_id == filters.team_id)
    if filters.role is not None:
        statement = statement.where(User.role_rows.any(UserRole.role == filters.role.value))
    if filters.status == "active":
        statement = statement.where(User.active.is_(True))
    elif filters.status == "inactive":
        statement = statement.where(User.active.is_(False))
    return statement


def all_stations() -> list[Station]:
    return list(db.session.scalars(db.select(Station).order_by(Station.name)))


def teams_of(station_ids=None) -> list[Team]:
    """Teams of the given stations (all stations when None), by station name, then in the order they were
    added (一班, 二班, 三班 — sorting Chinese numerals by name would put 三 before 二)."""
    statement = db.select(Team).join(Team.station).order_by(Station.name, Team.id)
    if station_ids is not None:
        statement = statement.where(Team.station_id.in_(list(station_ids)))
    return list(db.session.scalars(statement))


def assignable_stations(keep: Station | None = None) -> list[Station]:
    """Active stations a person can be placed in, plus `keep` (their current one) even if inactive."""
    return [s for s in all_stations() if s.active or (keep is not None and s.id == keep.id)]


def assignable_teams(keep: Team | None = None) -> list[Team]:
    """Active teams of active stations, plus `keep` (the person's current team) even if inactive."""
    return [
        t for t in teams_of()
        if (t.active and t.station.active) or (keep is not None and t.id == keep.id)
    ]


# --- Counts -------------------------------------------------------------------------------------

def active_staff_by_station() -> dict[int, int]:
    rows = db.session.execute(
        db.select(User.station_id, func.count(User.id))
        .where(User.active.is_(True), User.station_id.is_not(None))
        .group_by(User.station_id)
    ).all()
    return dict(rows)


def active_staff_by_team() -> dict[int, int]:
    rows = db.session.execute(
        db.select(User.team_id, func.count(User.id))
        .where(User.active.is_(True), User.team_id.is_not(None))
        .group_by(User.team_id)
    ).all()
    return dict(rows)


def _active_staff_count(*conditions) -> int:
    return db.session.scalar(db.select(func.count(User.id)).where(User.active.is_(True), *conditions)) or 0


def _active_team_count(station: Station) -> int:
    return db.session.scalar(
        db.select(func.count(Team.id)).where(Team.station_id == station.id, Team.active.is_(True))
    ) or 0


# --- Station list -------------------------------------------------------------------------------

STATION_STATUSES = ("active", "inactive", "all")


def station_query(q: str = "", kind: str = "", status: str = "all") -> Select:
    """Stations whose name contains `q`, of `kind` ("" = any) and status, sorted by name."""
    statement = db.select(Station).options(selectinload(Station.teams)).order_by(Station.name)
    text = unicodedata.normalize("NFKC", q or "").strip()
    if text:
        statement = statement.where(func.lower(Station.name).contains(text.lower(), autoescape=True))
    if kind in STATION_KINDS:
        statement = statement.where(Station.kind == kind)
    if status == "active":
        statement = statement.where(Station.active.is_(True))
    elif status == "inactive":
        statement = statement.where(Station.active.is_(False))
    return statement


# --- Audited changes from the stations pages ----------------------------------------------------
# create_station / create_team above are the bare building blocks (the roster import audits the
# import as a whole); the functions below are what an admin or HR does by hand, one audit row each.

def _flush_unique(message) -> None:
    """Flush; a unique constraint hit by a concurrent request becomes a Conflict on the name."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Conflict(message, field="name") from error


def add_station(actor: User, name: str, kind: str, *, ip: str, now: datetime) -> Station:
    station = create_station(name, kind)
    record(actions.STATION_CREATED, actor=actor, ip=ip, now=now, target=station,
           details={"name": station.name, "kind": station.kind})
    return station


def update_station(actor: User, station: Station, name: str, kind: str, *, ip: str, now: datetime) -> bool:
    """Rename and/or change the kind; True if anything changed."""
    name = name.strip()
    if not name:
        raise DomainError(_l("The station name is required."), field="name")
    if kind not in STATION_KINDS:
        raise DomainError(_l("Unknown kind of station."), field="kind")
    other = find_station(name)
    if other is not None and other.id != station.id:
        raise Conflict(_l("A station named %(name)s already exists.", name=name), field="name")
    changed = {}
    if station.name != name:
        changed["name"] = [station.name, name]
        station.name = name
    if station.kind != kind:
        changed["kind"] = [station.kind, kind]
        station.kind = kind
    if not changed:
        return False
    _flush_unique(_l("A station named %(name)s already exists.", name=name))
    record(actions.STATION_UPDATED, actor=actor, ip=ip, now=now, target=station, details=changed)
    return True


def _still_in_use(teams: int, staff: int):
    """One message naming what still depends on the station or team."""
    parts = []
    if teams:
        parts.append(lazy_ngettext(
            "%(num)d active team still belongs to it; deactivate the team first.",
            "%(num)d active teams still belong to it; deactivate the teams first.", teams))
    if staff:
        parts.append(lazy_ngettext(
            "%(num)d active staff member is still assigned to it; move or deactivate them first.",
            "%(num)d active staff members are still assigned to it; move or deactivate them first.", staff))
    return LazyString(lambda: " ".join(str(part) for part in parts))


def deactivate_station(actor: User, station: Station, *, ip: str, now: datetime) -> None:
    """Refused while the station has active teams or active staff."""
    if not station.active:
        return
    teams = _active_team_count(station)
    staff = _active_staff_count(User.station_id == station.id)
    if teams or staff:
        raise Conflict(LazyString(lambda: "{} {}".format(
            _l("Station %(name)s cannot be deactivated.", name=station.name), _still_in_use(teams, staff))))
    station.active = False
    db.session.flush()
    record(actions.STATION_DEACTIVATED, actor=actor, ip=ip, now=now, target=station,
           details={"name": station.name})


def reactivate_station(actor: User, station: Station, *, ip: str, now: datetime) -> None:
    if station.active:
        return
    station.active = True
    db.session.flush()
    record(actions.STATION_REACTIVATED, actor=actor, ip=ip, now=now, target=station,
           details={"name": station.name})


def add_team(actor: User, station: Station, name: str, *, ip: str, now: datetime) -> Team:
    if not station.active:
        raise DomainError(_l("Station %(station)s is deactivated; reactivate it before adding teams.",
                             station=station.name))
    team = create_team(station, name)
    record(actions.TEAM_CREATED, actor=actor, ip=ip, now=now, target=team,
           details={"station": station.name, "name": team.name})
    return team


def rename_team(actor: User, team: Team, name: str, *, ip: str, now: datetime) -> bool:
    name = name.strip()
    if not name:
        raise DomainError(_l("The team name is required."), field="name")
    message = _l("Station %(station)s already has a team named %(name)s.", station=team.station.name, name=name)
    other = find_team(team.station, name)
    if other is not None and other.id != team.id:
        raise Conflict(message, field="name")
    if team.name == name:
        return False
    old = team.name
    team.name = name
    _flush_unique(message)
    record(actions.TEAM_UPDATED, actor=actor, ip=ip, now=now, target=team,
           details={"station": team.station.name, "name": [old, name]})
    return True


def deactivate_team(actor: User, team: Team, *, ip: str, now: datetime) -> None:
    """Refused while active staff are in the team."""
    if not team.active:
        return
    staff = _active_staff_count(User.team_id == team.id)
    if staff:
        raise Conflict(LazyString(lambda: "{} {}".format(
            _l("Team %(name)s cannot be deactivated.", name=team.name), _still_in_use(0, staff))))
    team.active = False
    db.session.flush()
    record(actions.TEAM_DEACTIVATED, actor=actor, ip=ip, now=now, target=team,
           details={"station": team.station.name, "name": team.name})


def reactivate_team(actor: User, team: Team, *, ip: str, now: datetime) -> None:
    if team.active:
        return
    if not team.station.active:
        raise DomainError(_l("Station %(station)s is deactivated; reactivate it first.",
                             station=team.station.name))
    team.active = True
    db.session.flush()
    record(actions.TEAM_REACTIVATED, actor=actor, ip=ip, now=now, target=team,
           details={"station": team.station.name, "name": team.name})


def staff_history(user: User, limit: int = 20) -> list[AuditEvent]:
    """The latest audit events about this person (created, updated, roles, passwords, activation)."""
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.target_type == User.__tablename__, AuditEvent.target_id == str(user.id))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
