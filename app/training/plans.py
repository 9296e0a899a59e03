"""Training plans (培训计划): who is in scope and the share of a station that may be away at once.

Putting the solver's allocation into batch memberships is app.training.plan_allocation; the counts the plan
page shows against their limits are app.training.allocation_table.
"""

import re
import unicodedata
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from flask import current_app
from sqlalchemy import Select, false, func, or_, union
from sqlalchemy.orm import lazyload

from app.accounts.models import User, UserRole
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.extensions import db
from app.training.models import BatchMember, TrainingPlan, plan_stations, plan_teams
from app.training.states import BatchState

MAX_NAME = 100
MAX_DENOMINATOR = 100_000


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


# --- Who is in scope ---------------------------------------------------------------------------

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
