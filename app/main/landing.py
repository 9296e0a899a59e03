"""Figures for the landing pages; read-only queries."""

from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.orm import lazyload

from app.accounts.models import LoginSession, User, UserRole
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station, Team
from app.training.attendance import due_rolls


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def _staff_by_station() -> list[dict]:
    """Active collectors per station, with the number of active teams."""
    collectors = (
        db.select(User.station_id, func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == Role.COLLECTOR.value)
        .group_by(User.station_id)
    )
    per_station = dict(db.session.execute(collectors).all())
    teams = dict(
        db.session.execute(
            db.select(Team.station_id, func.count(Team.id)).where(Team.active.is_(True)).group_by(Team.station_id)
        ).all()
    )
    stations = db.session.scalars(db.select(Station).where(Station.active.is_(True)).order_by(Station.name))
    rows = [
        {"station": s, "collectors": per_station.get(s.id, 0), "teams": teams.get(s.id, 0)} for s in stations
    ]
    return rows


def admin_overview() -> dict:
    since = utcnow() - timedelta(hours=24)
    return {
        "active_users": _count(db.select(func.count(User.id)).where(User.active.is_(True))),
        "inactive_users": _count(db.select(func.count(User.id)).where(User.active.is_(False))),
        "pending_passwords": _count(
            db.select(func.count(User.id)).where(User.active.is_(True), User.must_change_password.is_(True))
        ),
        "failed_logins": _count(
            db.select(func.count(AuditEvent.id)).where(
                AuditEvent.action == actions.LOGIN_FAILED, AuditEvent.at >= since
            )
        ),
        "stations": _count(db.select(func.count(Station.id)).where(Station.active.is_(True))),
        "teams": _count(db.select(func.count(Team.id)).where(Team.active.is_(True))),
        "recent_events": list(db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10))),
        "action_labels": actions.LABELS,
    }


def hr_overview() -> dict:
    unassigned = _count(
        db.select(func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role == Role.COLLECTOR.value, User.team_id.is_(None))
    )
    imports = list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.action == actions.ROSTER_IMPORTED)
            .order_by(AuditEvent.id.desc())
            .limit(5)
        )
    )
    return {"stations": _staff_by_station(), "unassigned": unassigned, "imports": imports,
            "due_rolls": due_rolls(utcnow())}


def trainer_overview(user: User) -> dict:
    """The stations, and the sessions `user` lectured that still wait for their roll call."""
    return {"stations": _staff_by_station(), "due_rolls": due_rolls(utcnow(), lecturer_id=user.id)}


def previous_login(user: User, current: LoginSession | None):
    """The latest login other than this session (None if there is none): shown so people notice misuse."""
    query = db.select(LoginSession.created_at).where(LoginSession.user_id == user.id)
    if current is not None:
        query = query.where(LoginSession.id != current.id)
    return db.session.scalar(query.order_by(LoginSession.created_at.desc(), LoginSession.id.desc()).limit(1))


def collector_overview(user: User, current: LoginSession | None = None) -> dict:
    teammates = []
    if user.team_id is not None:
        teammates = list(
            db.session.scalars(
                db.select(User)
                .where(User.team_id == user.team_id, User.active.is_(True), User.id != user.id)
                .order_by(User.staff_no)
                .options(lazyload(User.role_rows))  # names only: their roles are not shown
            )
        )
    return {"user": user, "teammates": teammates, "previous_login": previous_login(user, current)}
