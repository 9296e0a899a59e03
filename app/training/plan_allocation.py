"""A plan's allocation: its rows turned into the pure solver's Problem (app.training.allocation), the solver's
Result put back into batch memberships, and HR's manual moves checked against the same rules, so a hand-made
change cannot quietly break them.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.extensions import db
from app.org.models import Station, Team
from app.training import allocation
from app.training.allocation_solver import solve
from app.training.models import Batch, BatchMember, TrainingPlan, Unavailability
from app.training.plans import plan_members, scope_query
from app.training.states import SEATED, BatchState

# --- Scope and the solver's problem -------------------------------------------------------------

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
    result = solve(scope.problem, time_limit=float(current_app.config["ALLOCATION_TIME_LIMIT"]))
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
            seat_batch(changed, now=now)
    record(actions.MEMBER_MOVED, actor=actor, ip=ip, now=now, target=member,
           details={"plan": plan.id, "staff_no": user.staff_no, "from": source.name if source else None,
                    "to": batch.name})
    return member
