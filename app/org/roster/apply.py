"""Applying a roster: all or nothing. The file is checked again here, against the database as it is
now; one error and nothing is written. Services flush; the caller commits once, or rolls back.
"""

from dataclasses import dataclass
from datetime import datetime

from app.accounts.actors import Actor
from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue
from app.extensions import db
from app.org.models import Station, Team
from app.org.roster.preview import CREATE, UPDATE, RosterPreview, RowPlan, keeps_team, preview_roster
from app.org.services import create_station, create_team, find_station
from app.org.staff import StaffData, create_staff_many, update_staff


class RosterRejected(DomainError):
    """The roster has errors; nothing was stored. `preview.errors` lists them all."""

    status_code = 422

    def __init__(self, preview: RosterPreview):
        self.preview = preview
        super().__init__(_l("The roster was not imported: %(num)d problem(s) found.", num=len(preview.errors)))


@dataclass(frozen=True)
class ImportResult:
    preview: RosterPreview
    created: int
    updated: int
    unchanged: int
    stations_created: list[str]
    teams_created: list[str]  # "station / team"
    event_id: int


def import_roster(data: bytes, filename: str, *, actor: Actor, create_missing: bool, ip: str,
                  now: datetime) -> ImportResult:
    """Check the file and apply it; raises RosterRejected (nothing written) if anything is wrong.

    `actor` is the signed-in user, or SYSTEM for the command line.
    """
    preview = preview_roster(data, filename, actor=actor, create_missing=create_missing)
    return apply_preview(preview, actor=actor, ip=ip, now=now)


def apply_preview(preview: RosterPreview, *, actor: Actor, ip: str, now: datetime) -> ImportResult:
    """Write what `preview` lists. It must have been made in this same transaction (a stored preview
    may be stale: use import_roster). Raises RosterRejected if the preview has errors."""
    if preview.errors:
        raise RosterRejected(preview)
    try:
        for name in preview.stations_to_create:
            create_station(name)
        for station_name, team_name in preview.teams_to_create:
            create_team(find_station(station_name), team_name)
    except DomainError as error:  # created by someone else since the preview
        preview.errors.append(Issue(error.message))
        raise RosterRejected(preview) from error
    org = _Org()
    new_staff = [_new_staff(plan, org) for plan in preview.rows if plan.action == CREATE]
    try:
        create_staff_many(actor, new_staff, ip=ip, now=now)  # no passwords: an administrator issues them
    except DomainError as error:  # the checks above should have caught it
        preview.errors.append(Issue(error.message))
    updated = 0
    for plan in preview.rows:
        if plan.action != UPDATE:
            continue
        try:
            _update(plan, org, actor=actor, ip=ip, now=now)
            updated += 1
        except DomainError as error:  # the checks above should have caught it; report it on its row
            preview.errors.append(Issue(error.message, row=plan.row))
    created = len(new_staff)
    if preview.errors:
        raise RosterRejected(preview)
    teams_created = [f"{station} / {team}" for station, team in preview.teams_to_create]
    event = record(
        actions.ROSTER_IMPORTED, actor=actor, ip=ip, now=now,
        details={
            "file": preview.filename,
            "created": created,
            "updated": updated,
            "unchanged": preview.unchanged,
            "stations_created": list(preview.stations_to_create),
            "teams_created": teams_created,
        },
    )
    return ImportResult(preview=preview, created=created, updated=updated, unchanged=preview.unchanged,
                        stations_created=list(preview.stations_to_create), teams_created=teams_created,
                        event_id=event.id)


class _Org:
    """Stations and teams by name, loaded once (after the missing ones were created)."""

    def __init__(self):
        self.stations = {station.name: station for station in db.session.scalars(db.select(Station))}
        self.teams = {(team.station_id, team.name): team for team in db.session.scalars(db.select(Team))}

    def of(self, plan: RowPlan) -> tuple[Station | None, Team | None]:
        station = self.stations.get(plan.station) if plan.station else None
        team = self.teams.get((station.id, plan.team)) if station is not None and plan.team else None
        return station, team


def _new_staff(plan: RowPlan, org: _Org) -> StaffData:
    station, team = org.of(plan)
    return StaffData(staff_no=plan.staff_no, name=plan.name, station=station, team=team,
                     position=plan.position or "", hire_date=plan.hire_date, roles=set(plan.effective_roles))


def _update(plan: RowPlan, org: _Org, *, actor: Actor, ip: str, now: datetime) -> None:
    user = db.session.get(User, plan.user_id)
    station, team = org.of(plan)
    if not plan.station:
        station, team = user.station, user.team
    elif not plan.team:
        team = user.team if keeps_team(user, station) else None
    roles = set(plan.roles) if plan.roles is not None else set(user.roles)
    data = StaffData(
        staff_no=user.staff_no, name=plan.name, station=station, team=team,
        position=plan.position if plan.position is not None else user.position,
        hire_date=plan.hire_date if plan.hire_date is not None else user.hire_date,
        roles=roles,
    )
    update_staff(actor, user, data, ip=ip, now=now)

