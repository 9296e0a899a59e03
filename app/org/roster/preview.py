"""Reading a roster file and checking it against the database: what an import would do, and every
problem with its row and column. Nothing is written here.
"""

from dataclasses import dataclass, field
from datetime import date

from app.accounts.actors import Actor
from app.accounts.models import User
from app.accounts.services import normalise_staff_no
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.core.spreadsheets import Issue, SpreadsheetError, Table, read_table
from app.extensions import db
from app.org.models import Station, Team
from app.org.roster.columns import COLUMNS, COLUMNS_BY_KEY, HeaderMap, match_header, parse_date, parse_roles

ROSTER_MAX_ROWS = 20_000
LOOKUP_CHUNK = 500

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
INVALID = "invalid"

FIELD_LABELS = {
    "name": _l("Name"),
    "station": _l("Station"),
    "team": _l("Team"),
    "position": _l("Position"),
    "hire_date": _l("Hire date"),
    "roles": _l("Roles"),
}
ACTION_LABELS = {
    CREATE: _l("New"),
    UPDATE: _l("Update"),
    UNCHANGED: _l("Unchanged"),
    INVALID: _l("Has errors"),
}


@dataclass
class RowPlan:
    """One staff row: the values read, and what the import would do with them."""

    row: int
    staff_no: str
    name: str
    station: str = ""  # names as written; "" = not given
    team: str = ""
    position: str | None = None  # None = not given (unchanged for existing staff)
    hire_date: date | None = None
    roles: frozenset[Role] | None = None  # None = not given
    action: str = INVALID
    changes: tuple[str, ...] = ()
    user_id: int | None = None
    existing_name: str | None = None  # shown when the file renames an existing person
    inactive: bool = False  # the existing account is deactivated (the import does not reactivate)

    @property
    def effective_roles(self) -> frozenset[Role] | None:
        """The roles the person will have; None = unchanged (an existing person, roles left blank)."""
        if self.roles:
            return self.roles
        return frozenset({Role.COLLECTOR}) if self.user_id is None else None


@dataclass
class RosterPreview:
    filename: str
    create_missing: bool
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    stations_to_create: list[str] = field(default_factory=list)
    teams_to_create: list[tuple[str, str]] = field(default_factory=list)  # (station, team)
    sheet: str | None = None
    sheet_count: int = 1

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for plan in self.rows if plan.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def changes_roles(self) -> bool:
        """True if applying would give or take a role other than the default collector role."""
        return any(
            (plan.action == UPDATE and "roles" in plan.changes)
            or (plan.action == CREATE and plan.effective_roles != {Role.COLLECTOR})
            for plan in self.rows
        )


def preview_roster(data: bytes, filename: str, *, actor: Actor, create_missing: bool) -> RosterPreview:
    """Parse and validate; the preview lists per-row actions and every error. Reads only."""
    preview = RosterPreview(filename=filename, create_missing=create_missing)
    try:
        table = read_table(data, filename, max_rows=ROSTER_MAX_ROWS)
    except SpreadsheetError as error:
        preview.errors.extend(error.issues)
        return preview
    preview.sheet, preview.sheet_count = table.sheet, table.sheet_count
    header, issues = match_header(table.header)
    preview.ignored_columns = header.ignored
    preview.errors.extend(issues)
    if issues:
        return preview
    if not table.rows:
        preview.errors.append(Issue(_l("The file has a header row but no staff below it.")))
        return preview
    _Checker(preview, table, header, actor=actor).run()
    return preview


def keeps_team(user: User, station: Station | None) -> bool:
    """A row names a station but no team: the person keeps their team if it belongs to that station."""
    return user.team is not None and station is not None and user.team.station_id == station.id


class _Checker:
    def __init__(self, preview: RosterPreview, table: Table, header: HeaderMap, *, actor: Actor):
        self.preview = preview
        self.table = table
        self.header = header
        self.actor = actor
        self.may_change_roles = actor.has_role(Role.ADMIN)  # as services.set_roles decides
        self.stations: dict[str, Station] = {}
        self.teams: dict[tuple[int, str], Team] = {}

    # --- helpers ---

    def error(self, plan: RowPlan, key: str | None, message) -> None:
        column = self.header.names.get(key) if key else None
        if key and column is None:
            column = COLUMNS_BY_KEY[key].chinese
        self.preview.errors.append(Issue(message, row=plan.row, column=column))
        plan.action = INVALID

    def cell(self, row, key: str) -> str:
        index = self.header.indexes.get(key)
        return row.get(index).strip() if index is not None else ""

    # --- steps ---

    def run(self) -> None:
        plans = [self.read_row(row) for row in self.table.rows]
        self.preview.rows = plans
        self.check_duplicates(plans)
        existing = self.load_users(plans)
        self.load_org()
        for plan in plans:
            self.resolve(plan, existing.get(plan.staff_no))
        self.preview.errors.sort(key=lambda issue: issue.row or 0)  # stable: a row's problems keep their order

    def read_row(self, row) -> RowPlan:
        plan = RowPlan(row=row.number, staff_no=normalise_staff_no(self.cell(row, "staff_no")),
                       name=self.cell(row, "name"))
        problems = []
        if not plan.staff_no:
            problems.append(("staff_no", _l("The staff number is empty.")))
        if not plan.name:
            problems.append(("name", _l("The name is empty.")))
        for column in COLUMNS:
            value = plan.staff_no if column.key == "staff_no" else self.cell(row, column.key)
            if column.max_length and len(value) > column.max_length:
                problems.append((column.key, _l("'%(value)s' is longer than %(max)d characters.",
                                                value=value[:20] + "…", max=column.max_length)))
        plan.station = self.cell(row, "station")
        plan.team = self.cell(row, "team")
        if "position" in self.header.indexes and self.cell(row, "position"):
            plan.position = self.cell(row, "position")
        hire_text = self.cell(row, "hire_date")
        if hire_text:
            plan.hire_date = parse_date(hire_text)
            if plan.hire_date is None:
                problems.append(("hire_date", _l("'%(value)s' is not a date (write it as 2024-03-01).",
                                                 value=hire_text)))
        roles_text = self.cell(row, "roles")
        if roles_text:
            roles, unknown = parse_roles(roles_text)
            for word in unknown:
                problems.append(("roles", _l("'%(value)s' is not a role; use 收费员, 培训师, 人事 or 管理员 "
                                             "(collector, trainer, hr, admin).", value=word)))
            plan.roles = roles or None
        if plan.team and not plan.station:
            problems.append(("team", _l("A team is given without its station.")))
        plan.action = CREATE  # until a problem or the database says otherwise
        for key, message in problems:
            self.error(plan, key, message)
        return plan

    def check_duplicates(self, plans: list[RowPlan]) -> None:
        first_row: dict[str, int] = {}
        for plan in plans:
            if not plan.staff_no:
                continue
            if plan.staff_no in first_row:
                self.error(plan, "staff_no", _l("Staff number %(no)s also appears in row %(other)d.",
                                                no=plan.staff_no, other=first_row[plan.staff_no]))
            else:
                first_row[plan.staff_no] = plan.row

    def load_users(self, plans: list[RowPlan]) -> dict[str, User]:
        numbers = sorted({plan.staff_no for plan in plans if plan.staff_no})
        found: dict[str, User] = {}
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start:start + LOOKUP_CHUNK]
            for user in db.session.scalars(db.select(User).where(User.staff_no.in_(chunk))):
                found[user.staff_no] = user
        return found

    def load_org(self) -> None:
        for station in db.session.scalars(db.select(Station)):
            self.stations[station.name] = station
        for team in db.session.scalars(db.select(Team)):
            self.teams[(team.station_id, team.name)] = team

    def resolve(self, plan: RowPlan, user: User | None) -> None:
        if user is not None:
            plan.user_id = user.id
        station, team = self.resolve_org(plan, user)
        if plan.action == INVALID:
            return
        if user is None:
            self.plan_create(plan)
        else:
            self.plan_update(plan, user, station, team)

    def resolve_org(self, plan: RowPlan, user: User | None):
        """The existing station and team a row names (None when not given, unknown or to be created)."""
        if not plan.station:
            return None, None
        station = self.stations.get(plan.station)
        if station is None:
            if not self.preview.create_missing:
                self.error(plan, "station", _l(
                    "There is no station named %(name)s. Check the spelling, or choose \"create missing "
                    "stations and teams\".", name=plan.station))
                return None, None
            if plan.station not in self.preview.stations_to_create:
                self.preview.stations_to_create.append(plan.station)
        elif not station.active and (user is None or user.station_id != station.id):
            self.error(plan, "station", _l("Station %(name)s is deactivated.", name=plan.station))
        if not plan.team:
            return station, None
        team = self.teams.get((station.id, plan.team)) if station is not None else None
        if team is None:
            if not self.preview.create_missing:
                self.error(plan, "team", _l(
                    "Station %(station)s has no team named %(name)s. Check the spelling, or choose \"create "
                    "missing stations and teams\".", station=plan.station, name=plan.team))
            elif (plan.station, plan.team) not in self.preview.teams_to_create:
                self.preview.teams_to_create.append((plan.station, plan.team))
        elif not team.active and (user is None or user.team_id != team.id):
            self.error(plan, "team", _l("Team %(name)s is deactivated.", name=plan.team))
        return station, team

    def plan_create(self, plan: RowPlan) -> None:
        plan.action = CREATE
        if not self.may_change_roles and plan.roles and plan.roles != {Role.COLLECTOR}:
            self.error(plan, "roles", _l("Only administrators can give roles other than collector."))

    def plan_update(self, plan: RowPlan, user: User, station, team) -> None:
        plan.user_id = user.id
        plan.inactive = not user.active
        changes = []
        if plan.name != user.name:
            changes.append("name")
            plan.existing_name = user.name
        if plan.station:
            if station is None or station.id != user.station_id:
                changes.append("station")
            if plan.team:
                if team is None or team.id != user.team_id:
                    changes.append("team")
            elif user.team_id is not None and not keeps_team(user, station):
                changes.append("team")  # the current team belongs to another station: it is cleared
        if plan.position is not None and plan.position != user.position:
            changes.append("position")
        if plan.hire_date is not None and plan.hire_date != user.hire_date:
            changes.append("hire_date")
        if plan.roles is not None and plan.roles != user.roles:
            changes.append("roles")
        plan.changes = tuple(changes)
        plan.action = UPDATE if changes else UNCHANGED
        if not changes:
            return
        if not self.may_change_roles:
            if "roles" in changes:
                self.error(plan, "roles", _l("Only administrators can change roles."))
            elif user.roles != {Role.COLLECTOR}:
                self.error(plan, "staff_no", _l(
                    "%(no)s is not only a toll collector; only administrators can import changes to such "
                    "accounts.", no=user.staff_no))
        elif (
            "roles" in changes and user.id == self.actor.id
            and Role.ADMIN in user.roles and Role.ADMIN not in plan.roles
        ):
            self.error(plan, "roles", _l("You cannot remove your own administrator role."))
