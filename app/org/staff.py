"""Creating and editing staff records (people with their station and team); used by the staff pages, the roster
import and the CLI. In org, not accounts, because a staff record names stations and teams.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from app.accounts import services
from app.accounts.actors import Actor
from app.accounts.models import User, UserRole
from app.audit import actions
from app.audit.services import event, record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station, Team


@dataclass
class StaffData:
    staff_no: str
    name: str
    station: Station | None = None
    team: Team | None = None
    position: str = ""
    hire_date: date | None = None
    roles: set[Role] = field(default_factory=lambda: {Role.COLLECTOR})


def _check(data: StaffData) -> None:
    if not services.normalise_staff_no(data.staff_no):
        raise DomainError(_l("The staff number is required."), field="staff_no")
    if not data.name.strip():
        raise DomainError(_l("The name is required."), field="name")
    if data.team is not None and data.station is not None and data.team.station_id != data.station.id:
        raise DomainError(
            _l("Team %(team)s does not belong to station %(station)s.", team=data.team.name,
               station=data.station.name),
            field="team",
        )


def _changes(user: User, data: StaffData) -> dict:
    station = data.station or (data.team.station if data.team else None)
    wanted = {
        "name": data.name.strip(),
        "station_id": station.id if station else None,
        "team_id": data.team.id if data.team else None,
        "position": data.position.strip(),
        "hire_date": data.hire_date,
    }
    return {key: value for key, value in wanted.items() if getattr(user, key) != value}


def create_staff(actor: Actor, data: StaffData, *, ip: str, now: datetime,
                 password_hash: str | None = None, must_change_password: bool = True) -> User:
    """A new account; it has no password until an admin issues one (or `password_hash` is given)."""
    return create_staff_many(actor, [data], ip=ip, now=now, password_hash=password_hash,
                             must_change_password=must_change_password)[0]


def create_staff_many(actor: Actor, items: list[StaffData], *, ip: str, now: datetime,
                      password_hash: str | None = None, must_change_password: bool = True) -> list[User]:
    """New accounts in one batch: one query for staff numbers already taken, one flush for the people
    and one for their audit events, so a roster of thousands imports within a request's time."""
    for data in items:
        _check(data)
    numbers = [services.normalise_staff_no(data.staff_no) for data in items]
    taken = _taken_staff_numbers(numbers)
    repeated = [no for no, count in Counter(numbers).items() if count > 1]
    if taken or repeated:
        no = sorted(taken | set(repeated))[0]
        raise Conflict(_l("Staff number %(no)s is already in use.", no=no), field="staff_no")
    users = []
    for staff_no, data in zip(numbers, items, strict=True):
        roles = set(data.roles) or {Role.COLLECTOR}
        if roles != {Role.COLLECTOR} and not actor.has_role(Role.ADMIN):
            raise DomainError(_l("Only administrators can give roles other than collector."), field="roles")
        user = User(staff_no=staff_no, name="", password_hash=password_hash,
                    must_change_password=must_change_password, created_at=now)
        for key, value in _changes(user, data).items():
            setattr(user, key, value)
        user.role_rows = [UserRole(role=role.value) for role in sorted(roles)]
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all([
        event(actions.USER_CREATED, actor=actor, ip=ip, now=now, target=user,
              details={"staff_no": user.staff_no, "roles": sorted(row.role for row in user.role_rows)})
        for user in users
    ])
    db.session.flush()
    return users


def _taken_staff_numbers(numbers: list[str], chunk: int = 500) -> set[str]:
    taken = set()
    for start in range(0, len(numbers), chunk):
        part = numbers[start:start + chunk]
        taken.update(db.session.scalars(db.select(User.staff_no).where(User.staff_no.in_(part))))
    return taken


def update_staff(actor: Actor, user: User, data: StaffData, *, ip: str, now: datetime) -> bool:
    """Apply edits (roles through services.set_roles, which only admins may use); True if anything changed."""
    _check(data)
    changes = _changes(user, data)
    for key, value in changes.items():
        setattr(user, key, value)
    if changes:
        db.session.flush()
        record(actions.USER_UPDATED, actor=actor, ip=ip, now=now, target=user,
               details={"staff_no": user.staff_no, "changed": sorted(changes)})
    roles_changed = services.set_roles(actor, user, set(data.roles), ip=ip, now=now)
    return bool(changes) or roles_changed
