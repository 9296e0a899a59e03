"""Training plans (培训计划): who is in scope, the share of a station that may be away at once, and putting
the solver's allocation (app.training.allocation) into batch memberships; HR's manual moves are checked
against the same rules so a hand-made change cannot quietly break them.

The solver is pure; this module turns rows into its Problem and its Result back into rows.
"""

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, false, func, or_, union
from sqlalchemy.orm import contains_eager, lazyload

from app.accounts.models import User, UserRole
from app.accounts.roles import Role
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.extensions import db
from app.org.models import Station, Team
from app.training import allocation
from app.training.models import Batch, BatchMember, TrainingPlan, Unavailability, plan_stations, plan_teams
from app.training.states import SEATED, BatchState

MAX_NAME = 100
MAX_DENOMINATOR = 100_000
SHOWN_UNPLACED = 30


# --- The share ----------------------------------------------------------------------------------

def parse_share(text: str) -> Fraction:
    """'1/3', '0.3', '30%', '33.3%' (full-width digits too) → an exact fraction in (0, 1]."""
    raw = unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").replace("÷", "/")
    try:
        if re.fullmatch(r"\d+/\d+", raw):
            top, bottom = raw.split("/")
            share = Fraction(int(top), int(bottom))
        elif re.fullmatch(r"\d+(\.\d+)?%", raw):
            share = Fraction(Decimal(raw[:-1])) / 100
        elif re.fullmatch(r"\d*\.?\d+", raw):
            share = Fraction(Decimal(raw))
        else:
            raise ValueError(raw)
    except (ValueError, ZeroDivisionError, InvalidOperation):
        raise DomainError(_l("Give the share as a fraction (%(fraction)s), a decimal (%(decimal)s) or a percentage "
                             "(%(percent)s).", fraction="1/3", decimal="0.3", percent="30%"),
                          field="share") from None
    if share <= 0 or share > 1:
        raise DomainError(_l("The share must be more than 0 and at most 1 (%(all)s).", all="100%"),
                          field="share")
    if share.denominator > MAX_DENOMINATOR:
        raise DomainError(_l("The share is too precise; use fewer decimals."), field="share")
    return share


def share_text(share: Fraction) -> str:
    """1/3 → '1/3 (33.3%)'; 1 → '100%'."""
    percent = f"{float(share) * 100:.1f}".removesuffix(".0") + "%"
    return percent if share.denominator == 1 else f"{share.numerator}/{share.denominator} ({percent})"


def default_share() -> Fraction:
    try:
        return parse_share(current_app.config["TRAINING_MAX_SHARE"])
    except DomainError:
        return Fraction(1, 3)


# --- Plans --------------------------------------------------------------------------------------

def _clean_name(name: str, plan: TrainingPlan | None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the plan a name."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_l("The name is too long (at most %(count)d characters).", count=MAX_NAME), field="name")
    other = db.session.scalar(db.select(TrainingPlan).where(TrainingPlan.name == name))
    if other is not None and other is not plan:
        raise Conflict(_l("A plan named %(name)s already exists; choose another name.", name=name), field="name")
    return name


def _check_scope(stations, teams) -> None:
    if not stations and not teams:
        raise DomainError(_l("Choose at least one station or team."), field="stations")


def create_plan(actor, *, name: str, share: Fraction, stations, teams, now: datetime, ip: str) -> TrainingPlan:
    name = _clean_name(name, None)
    _check_scope(stations, teams)
    plan = TrainingPlan(name=name, share_numerator=share.numerator, share_denominator=share.denominator,
                        stations=list(stations), teams=list(teams), created_at=now, created_by_id=actor.id)
    db.session.add(plan)
    db.session.flush()
    record(actions.PLAN_CREATED, actor=actor, ip=ip, now=now, target=plan,
           details={"name": name, "share": str(share), "stations": sorted(s.id for s in stations),
                    "teams": sorted(t.id for t in teams)})
    return plan


def update_plan(actor, plan: TrainingPlan, *, name: str, share: Fraction, stations, teams, now: datetime,
                ip: str) -> bool:
    """Save the changes; the scope is frozen once a batch of the plan has left planning. True if changed."""
    name = _clean_name(name, plan)
    _check_scope(stations, teams)
    changes: dict = {}
    new_scope = ({s.id for s in stations}, {t.id for t in teams})
    old_scope = ({s.id for s in plan.stations}, {t.id for t in plan.teams})
    if new_scope != old_scope:
        started = next((b for b in plan.batches if b.status != BatchState.PLANNING), None)
        if started is not None:
            raise Conflict(_l("Batch %(batch)s is no longer in planning, so the staff in scope cannot change.",
                              batch=started.name), field="stations")
        plan.stations, plan.teams = list(stations), list(teams)
        changes["stations"], changes["teams"] = sorted(new_scope[0]), sorted(new_scope[1])
    if name != plan.name:
        changes["name"] = [plan.name, name]
        plan.name = name
    if share != plan.max_share:
        changes["share"] = [str(plan.max_share), str(share)]
        plan.share_numerator, plan.share_denominator = share.numerator, share.denominator
    if not changes:
        return False
    db.session.flush()
    record(actions.PLAN_UPDATED, actor=actor, ip=ip, now=now, target=plan, details=changes)
    return True


# --- Scope and the solver's problem -------------------------------------------------------------

def scope_query(plan: TrainingPlan, *, station_id: int | None = None, team_id: int | None = None) -> Select:
    """Active collectors of the plan's stations or teams, by staff no (optionally narrowed)."""
    station_ids = [s.id for s in plan.stations]
    team_ids = [t.id for t in plan.teams]
    where = or_(User.station_id.in_(station_ids), User.team_id.in_(team_ids)) if station_ids or team_ids else false()
    statement = (db.select(User).where(where, User.active.is_(True),
                                       User.role_rows.any(UserRole.role == Role.COLLECTOR.value))
                 .order_by(User.staff_no))
    if station_id is not None:
        statement = statement.where(User.station_id == station_id)
    if team_id is not None:
        statement = statement.where(User.team_id == team_id)
    return statement


def plan_counts(plans: list[TrainingPlan]) -> dict[int, tuple[int, int]]:
    """plan id → (collectors in scope, people allocated), in two queries whatever the number of plans.

    In scope means what scope_query says: active collectors of one of the plan's stations or teams, each
    counted once even when both their station and their team are in the plan."""
    ids = [plan.id for plan in plans]
    if not ids:
        return {}
    collector = (db.select(User.id, User.station_id, User.team_id)
                 .where(User.active.is_(True), User.role_rows.any(UserRole.role == Role.COLLECTOR.value))
                 .subquery())
    by_station = (db.select(plan_stations.c.plan_id, collector.c.id)
                  .join(collector, collector.c.station_id == plan_stations.c.station_id)
                  .where(plan_stations.c.plan_id.in_(ids)))
    by_team = (db.select(plan_teams.c.plan_id, collector.c.id)
               .join(collector, collector.c.team_id == plan_teams.c.team_id)
               .where(plan_teams.c.plan_id.in_(ids)))
    scoped = union(by_station, by_team).subquery()  # UNION, not UNION ALL: one row per (plan, person)
    in_scope = dict(db.session.execute(
        db.select(scoped.c.plan_id, func.count()).group_by(scoped.c.plan_id)).all())
    allocated = dict(db.session.execute(
        db.select(BatchMember.plan_id, func.count()).where(BatchMember.plan_id.in_(ids))
        .group_by(BatchMember.plan_id)).all())
    return {plan_id: (in_scope.get(plan_id, 0), allocated.get(plan_id, 0)) for plan_id in ids}


def scope_users(plan: TrainingPlan) -> list[User]:
    return list(db.session.scalars(scope_query(plan)))


def plan_members(plan: TrainingPlan) -> dict[int, BatchMember]:
    """user id → their membership in this plan."""
    rows = db.session.scalars(db.select(BatchMember).where(BatchMember.plan_id == plan.id)
                              .options(lazyload(BatchMember.user)))
    return {member.user_id: member for member in rows}


@dataclass
class Scope:
    """The problem with the rows it came from."""

    problem: allocation.Problem
    ids: set[int]  # everybody in scope (a 2,000-person plan is read as plain columns, not User objects)
    no_station: list[User]
    members: dict[int, BatchMember]
    batches: dict[int, Batch] = field(default_factory=dict)


def _blocked(plan: TrainingPlan, user_ids: set[int]) -> dict[int, frozenset[int]]:
    batches = list(plan.batches)
    if not batches or not user_ids:
        return {}
    first, last = min(b.starts_on for b in batches), max(b.ends_on for b in batches)
    rows = db.session.scalars(db.select(Unavailability).where(Unavailability.starts_on <= last,
                                                              Unavailability.ends_on >= first))
    blocked: dict[int, set[int]] = {}
    for row in rows:
        if row.user_id in user_ids:
            blocked.setdefault(row.user_id, set()).update(
                b.id for b in batches if row.starts_on <= b.ends_on and row.ends_on >= b.starts_on)
    return {user_id: frozenset(ids) for user_id, ids in blocked.items()}


def load_scope(plan: TrainingPlan) -> Scope:
    rows = db.session.execute(scope_query(plan).with_only_columns(User.id, User.station_id, User.team_id)).all()
    ids = {row.id for row in rows}
    members = plan_members(plan)
    blocked = _blocked(plan, ids)
    people = tuple(
        allocation.Person(id=user_id, station=station_id, team=team_id, blocked=blocked.get(user_id, frozenset()),
                          pinned=members[user_id].batch_id if user_id in members and members[user_id].pinned else None)
        for user_id, station_id, team_id in rows if station_id is not None
    )
    no_station = [user_id for user_id, station_id, _team in rows if station_id is None]
    batches = tuple(allocation.BatchSpec(id=b.id, capacity=b.capacity) for b in plan.batches)
    problem = allocation.Problem(people=people, batches=batches, max_share=plan.max_share)
    return Scope(problem=problem, ids=ids, no_station=users_by_staff_no(no_station), members=members,
                 batches={b.id: b for b in plan.batches})


def users_by_staff_no(user_ids) -> list[User]:
    if not user_ids:
        return []
    return list(db.session.scalars(db.select(User).where(User.id.in_(list(user_ids))).order_by(User.staff_no)))


def build_problem(plan: TrainingPlan) -> allocation.Problem:
    return load_scope(plan).problem


def current_assignment(scope: Scope) -> dict[int, int]:
    """person → batch for the people of the problem who have a membership in the plan."""
    return {p.id: scope.members[p.id].batch_id for p in scope.problem.people if p.id in scope.members}


def person_label(user: User) -> str:
    return f"{user.name} ({user.staff_no})"


def namer(scope: Scope):
    """name(kind, id) for allocation.describe."""

    def name(kind: str, ident: int) -> str:
        if kind == "person":
            user = db.session.get(User, ident)
            return person_label(user) if user else str(ident)
        if kind == "batch":
            batch = scope.batches.get(ident) or db.session.get(Batch, ident)
            return batch.name if batch else str(ident)
        if kind == "station":
            station = db.session.get(Station, ident)
            return station.name if station else str(ident)
        team = db.session.get(Team, ident)
        return f"{team.station.name} {team.name}" if team else str(ident)

    return name


def describe_all(scope: Scope, violations) -> list[str]:
    name = namer(scope)
    return [allocation.describe(violation, name) for violation in violations]


# --- Proposing an allocation --------------------------------------------------------------------

def _check_plannable(plan: TrainingPlan) -> None:
    if len(plan.batches) < 2:
        raise DomainError(_l("Add at least two batches to the plan before proposing an allocation."))
    started = next((b for b in plan.batches if b.status != BatchState.PLANNING), None)
    if started is not None:
        raise Conflict(_l("Batch %(batch)s is no longer in planning, so a new allocation cannot be applied. "
                          "Move people by hand instead.", batch=started.name))


def propose(actor, plan: TrainingPlan, *, now: datetime, ip: str) -> allocation.Result:
    """Solve and, when it works, replace every unpinned membership with the solver's; pinned people stay.

    On refusal nothing changes and the result's refusals say why (describe them with `describe_all`).
    """
    _check_plannable(plan)
    scope = load_scope(plan)
    result = allocation.solve(scope.problem, time_limit=float(current_app.config["ALLOCATION_TIME_LIMIT"]))
    if result.assignment is None:
        return result
    placed = moved = removed = 0
    pinned = {p.id for p in scope.problem.people if p.pinned is not None}
    for user_id, member in scope.members.items():
        if user_id not in scope.ids or (not member.pinned and user_id not in result.assignment):
            member.batch.members.remove(member)
            removed += 1
    db.session.flush()
    for user_id, batch_id in result.assignment.items():
        if user_id in pinned:
            continue
        member = scope.members.get(user_id)
        if member is not None and member.batch_id == batch_id:
            placed += 1
            continue
        if member is not None:
            member.batch.members.remove(member)
            db.session.flush()
            moved += 1
        scope.batches[batch_id].members.append(
            BatchMember(user_id=user_id, plan_id=plan.id, pinned=False, added_at=now, added_by_id=actor.id))
        placed += 1
    db.session.flush()
    per_batch = allocation.counts(scope.problem, result.assignment)["batch"]
    record(actions.ALLOCATION_APPLIED, actor=actor, ip=ip, now=now, target=plan,
           details={"placed": placed, "pinned": len(pinned), "moved": moved, "removed": removed,
                    "optimal": result.optimal,
                    "batches": {scope.batches[b].name: n for b, n in sorted(per_batch.items())}})
    return result


# --- Moving one person by hand ------------------------------------------------------------------

def check_move(plan: TrainingPlan, user: User, batch: Batch, scope: Scope | None = None) -> list[str]:
    """What putting `user` into `batch` would break, in plain language; empty = the move is fine."""
    scope = scope or load_scope(plan)
    if batch.plan_id != plan.id:
        return [_("Batch %(batch)s is not part of this plan.", batch=batch.name)]
    if user.id not in scope.ids:
        return [_("%(person)s is not among the staff of this plan.", person=person_label(user))]
    if user.station_id is None:
        return [_("%(person)s has no station; set their station before placing them.", person=person_label(user))]
    problems = []
    if batch.status == BatchState.FINISHED:
        problems.append(_("Batch %(batch)s has finished; nobody can join it.", batch=batch.name))
    member = scope.members.get(user.id)
    if member is not None and member.batch_id != batch.id and member.batch.status == BatchState.FINISHED:
        problems.append(_("%(person)s was trained in batch %(batch)s, which has finished.",
                          person=person_label(user), batch=member.batch.name))
    before = current_assignment(scope)
    after = {**before, user.id: batch.id}
    people = tuple(replace(p, pinned=batch.id) if p.id == user.id else p for p in scope.problem.people)
    moved_problem = replace(scope.problem, people=people)
    old = {_key(v): v for v in allocation.check(scope.problem, before)}

    def concerns(v: allocation.Violation) -> bool:
        if v.rule in ("leave", "unplaced", "pinned"):
            return v.subject == user.id
        if v.rule == "station_share":
            return v.subject == user.station_id and v.batch == batch.id
        if v.rule == "team_spread":
            return v.subject == user.team_id and v.batch == batch.id
        return v.batch == batch.id

    found = [v for v in allocation.check(moved_problem, after) if _worse(v, old.get(_key(v))) or concerns(v)]
    return problems + describe_all(scope, found)


def _key(v: allocation.Violation) -> tuple:
    return v.rule, v.subject, v.batch


def _worse(v: allocation.Violation, before: allocation.Violation | None) -> bool:
    """New, or further from its limit than before the move."""
    if before is None:
        return True
    if None in (v.count, v.limit, before.count, before.limit):
        return False
    return abs(v.count - v.limit) > abs(before.count - before.limit)


def move(actor, plan: TrainingPlan, user: User, batch: Batch, *, now: datetime, ip: str) -> BatchMember:
    """Put `user` into `batch` (pinned, so a new proposal keeps them there); refused with the reasons."""
    scope = load_scope(plan)
    problems = check_move(plan, user, batch, scope)
    if problems:
        raise Conflict(" ".join(problems))
    member = scope.members.get(user.id)
    source = member.batch if member is not None else None
    if source is batch:
        if member.pinned:
            raise DomainError(_l("%(person)s is already in batch %(batch)s.", person=person_label(user),
                                 batch=batch.name))
        member.pinned = True
    else:
        if member is not None:
            source.members.remove(member)
            db.session.flush()
        member = BatchMember(user_id=user.id, plan_id=plan.id, pinned=True, added_at=now, added_by_id=actor.id)
        batch.members.append(member)
    db.session.flush()
    from app.training.seating import seat_batch

    for changed in {source, batch} - {None}:
        if changed.status in SEATED:
            seat_batch(changed)
    record(actions.MEMBER_MOVED, actor=actor, ip=ip, now=now, target=member,
           details={"plan": plan.id, "staff_no": user.staff_no, "from": source.name if source else None,
                    "to": batch.name})
    return member


# --- What the allocation page shows -------------------------------------------------------------

@dataclass
class Cell:
    count: int
    limit: int | None
    over: bool = False


@dataclass
class Row:
    label: str
    size: int
    limit: int
    cells: list[Cell]


@dataclass
class AllocationTable:
    batches: list[Batch]
    totals: list[Cell]  # per batch, against its capacity
    stations: list[Row]  # station × batch, against the station limit
    teams: list[Row]  # team × batch, against the team limit
    unplaced: list[User]  # the first SHOWN_UNPLACED by staff no
    unplaced_count: int
    no_station: list[User]
    problems: list[str]  # rules the current memberships break
    allocated: int


def teams_in_order(team_ids) -> list[Team]:
    """Teams by station name, then in the order they were added (一班 before 二班)."""
    if not team_ids:
        return []
    return list(db.session.scalars(db.select(Team).join(Team.station).where(Team.id.in_(list(team_ids)))
                                   .options(contains_eager(Team.station)).order_by(Station.name, Station.id, Team.id)))


def allocation_table(plan: TrainingPlan, scope: Scope | None = None) -> AllocationTable:
    scope = scope or load_scope(plan)
    batches = list(plan.batches)
    assignment = current_assignment(scope)
    made = allocation.counts(scope.problem, assignment)
    totals = [Cell(made["batch"].get(b.id, 0), b.capacity,
                   b.capacity is not None and made["batch"].get(b.id, 0) > b.capacity) for b in batches]
    station_sizes: dict[int, int] = {}
    team_sizes: dict[int, int] = {}
    for p in scope.problem.people:
        station_sizes[p.station] = station_sizes.get(p.station, 0) + 1
        if p.team is not None:
            team_sizes[p.team] = team_sizes.get(p.team, 0) + 1

    def row(label, size, limit, key_of, counted):
        cells = [Cell(counted.get(key_of(b.id), 0), limit) for b in batches]
        for cell in cells:
            cell.over = cell.count > limit
        return Row(label, size, limit, cells)

    stations = list(db.session.scalars(db.select(Station).where(Station.id.in_(list(station_sizes)))
                                       .order_by(Station.name, Station.id)))
    station_rows = [row(s.name, station_sizes[s.id], allocation.station_limit(station_sizes[s.id], plan.max_share),
                        lambda b, s=s: (s.id, b), made["station"]) for s in stations]
    teams = teams_in_order(team_sizes)
    team_rows = [row(f"{t.station.name} {t.name}", team_sizes[t.id],
                     allocation.team_limit(team_sizes[t.id], max(len(batches), 1)), lambda b, t=t: (t.id, b),
                     made["team"]) for t in teams]
    unplaced = [p.id for p in scope.problem.people if p.id not in assignment]
    broken = [v for v in allocation.check(scope.problem, assignment) if v.rule != "unplaced"] if batches else []
    return AllocationTable(
        batches=batches, totals=totals, stations=station_rows, teams=team_rows,
        unplaced=users_by_staff_no(unplaced[:SHOWN_UNPLACED]),  # people are in staff no order
        unplaced_count=len(unplaced), no_station=scope.no_station, problems=describe_all(scope, broken),
        allocated=sum(1 for user_id in scope.members if user_id in scope.ids),
    )
