"""Server-side login sessions: the cookie holds a random token, the database its hash.

A session ends on logout, password change, deactivation, idle or absolute timeout; after that the
same cookie loads no user.
"""

import functools
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlalchemy.orm import joinedload

from app.accounts.models import LoginSession, User
from app.core.tokens import hash_token
from app.extensions import db

# Activity is recorded at most this often: on an exam day every candidate's page beats every 30–120 s, and a
# write per minute per person (83 UPDATEs/s at 5,000 candidates) cost more than the beats themselves. So an idle
# session ends between SESSION_IDLE_MINUTES − 5 and SESSION_IDLE_MINUTES after its last request.
TOUCH_EVERY = timedelta(minutes=5)


def start_session(user: User, *, ip: str, user_agent: str, now: datetime) -> tuple[LoginSession, str]:
    token = secrets.token_urlsafe(32)
    login_session = LoginSession(
        user=user,
        token_hash=hash_token(token),
        created_at=now,
        authenticated_at=now,
        last_seen_at=now,
        ip=ip[:64],
        user_agent=user_agent[:255],
    )
    db.session.add(login_session)
    db.session.flush()
    return login_session, token


def renew_token(login_session: LoginSession) -> str:
    """A new token for the same session (after a password change): copies of the old cookie stop working."""
    token = secrets.token_urlsafe(32)
    login_session.token_hash = hash_token(token)
    db.session.flush()
    return token


@functools.cache
def _live_session_statement():
    """Built once: constructing the statement cost a third of the lookup itself."""
    return (db.select(LoginSession).where(LoginSession.token_hash == bindparam("token_hash"))
            .options(joinedload(LoginSession.user).joinedload(User.role_rows)))


def find_live_session(
    token: str, *, now: datetime, idle: timedelta, absolute: timedelta
) -> LoginSession | None:
    """The open session for this token, or None; a timed-out session is ended on the way.

    One statement brings the session, its user with station and team, and the user's roles: this runs on every
    request, and an exam day's saves and heartbeats are thousands a minute."""
    login_session = db.session.scalars(_live_session_statement(), {"token_hash": hash_token(token)}).unique().one_or_none()
    if login_session is None or login_session.ended_at is not None:
        return None
    if now - login_session.last_seen_at > idle:
        end_session(login_session, reason="idle", now=now)
        return None
    if now - login_session.created_at > absolute:
        end_session(login_session, reason="expired", now=now)
        return None
    return login_session


def touch(login_session: LoginSession, now: datetime) -> bool:
    """Record activity at most every TOUCH_EVERY; returns whether anything changed."""
    if now - login_session.last_seen_at < TOUCH_EVERY:
        return False
    login_session.last_seen_at = now
    db.session.flush()
    return True


def end_session(login_session: LoginSession, *, reason: str, now: datetime) -> None:
    if login_session.ended_at is None:
        login_session.ended_at = now
        login_session.end_reason = reason
        db.session.flush()


def end_all_sessions(user: User, *, reason: str, now: datetime, keep: LoginSession | None = None) -> int:
    """End every open session of `user` (except `keep`); returns how many were ended."""
    statement = (
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        statement = statement.where(LoginSession.id != keep.id)
    return db.session.execute(statement).rowcount


def open_sessions(user: User) -> list[LoginSession]:
    return list(
        db.session.scalars(
            db.select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.last_seen_at.desc())
        )
    )
