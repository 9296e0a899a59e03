"""Account operations: authentication, passwords, roles, activation. They flush, never commit."""

import logging
import unicodedata
from collections.abc import Callable
from datetime import datetime

from argon2.exceptions import HashingError
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts import passwords, sessions
from app.accounts.models import LoginSession, User, UserRole
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError, Forbidden
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.extensions import db

log = logging.getLogger(__name__)

# Called as hook(actor, user, ip=…, now=…) when an account is deactivated, in the same transaction: packages
# above accounts, which it may not import, end what the person could still use without a login session (the
# calendar subscription link, app/training/calendar_links.py).
DEACTIVATION_HOOKS: list[Callable[..., None]] = []


class LoginRefused(DomainError):
    status_code = 401


def normalise_staff_no(raw: str) -> str:
    """Full-width digits and letters typed on a Chinese keyboard count as the plain ones."""
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()


def find_by_staff_no(staff_no: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.staff_no == normalise_staff_no(staff_no)))


def authenticate(staff_no: str, password: str, *, ip: str, now: datetime) -> User:
    """Check the password and record the attempt; raises LoginRefused with a generic message."""
    user = find_by_staff_no(staff_no)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        record(
            actions.LOGIN_FAILED, actor=user, ip=ip, now=now,
            details={"staff_no": normalise_staff_no(staff_no)[:32], "reason": "bad_credentials"},
            actor_label=normalise_staff_no(staff_no)[:32],
        )
        raise LoginRefused(_l("Wrong staff number or password."))
    if not user.active:
        record(actions.LOGIN_FAILED, actor=user, ip=ip, now=now, details={"reason": "inactive"})
        raise LoginRefused(_l("This account has been deactivated. Ask an administrator."))
    rehashed = _rehash_if_outdated(user, password)
    user.last_login_at = now
    record(actions.LOGIN_SUCCEEDED, actor=user, ip=ip, now=now, details={"rehashed": True} if rehashed else None)
    return user


def _rehash_if_outdated(user: User, password: str) -> bool:
    """Stored hashes follow the configured argon2 parameters, one successful login at a time.

    The new hash is written only where the row still holds the hash that was just verified, so a password
    changed meanwhile (by the user on another device, or an administrator's reset) is never overwritten with
    the old password. Failing to hash is logged and the login goes on with the old hash: a rehash must never
    lock anyone out. The login's audit row says the hash was replaced (the hash itself is never logged)."""
    old = user.password_hash
    if not old or not passwords.needs_rehash(old):
        return False
    try:
        new = passwords.hash_password(password)
    except HashingError:
        log.warning("password rehash failed for user %s; the old hash stays", user.id)
        return False
    replaced = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash == old).values(password_hash=new)
        .execution_options(synchronize_session=False)
    ).rowcount
    if replaced:
        set_committed_value(user, "password_hash", new)
    return bool(replaced)


def confirm_password(user: User, password: str, login_session: LoginSession, *, ip: str, now: datetime) -> None:
    """Re-entering the password makes the session fresh for sensitive actions; right or wrong, it is audited."""
    if not passwords.verify_password(user.password_hash, password):
        record(actions.PASSWORD_CHECK_FAILED, actor=user, ip=ip, now=now, details={"purpose": "confirm"})
        raise DomainError(_l("The password is not correct."), field="password")
    login_session.authenticated_at = now
    record(actions.PASSWORD_CONFIRMED, actor=user, ip=ip, now=now)


def new_password_problem(user: User, current: str, new: str) -> DomainError | None:
    """What is wrong with `new` (checked without the current password's hash), or None."""
    if new == current:
        return DomainError(_l("Choose a password different from the current one."), field="new_password")
    problems = passwords.policy_errors(new, staff_no=user.staff_no, name=user.name)
    if problems:
        return DomainError(problems[0], field="new_password")
    return None


def change_password(
    user: User, current: str, new: str, *, keep: LoginSession | None, ip: str, now: datetime
) -> int:
    """Change one's own password; every other session of the user ends. Returns sessions ended.

    The new password is judged first, so only a request that would change it checks the current one (and is
    counted and audited as a password check)."""
    problem = new_password_problem(user, current, new)
    if problem is not None:
        raise problem
    if not passwords.verify_password(user.password_hash, current):
        record(actions.PASSWORD_CHECK_FAILED, actor=user, ip=ip, now=now, details={"purpose": "change"})
        raise DomainError(_l("The current password is not correct."), field="current_password")
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    ended = sessions.end_all_sessions(user, reason="password_changed", now=now, keep=keep)
    record(actions.PASSWORD_CHANGED, actor=user, ip=ip, now=now, target=user,
           details={"sessions_ended": ended})
    return ended


def issue_temporary_password(actor: User, user: User, *, ip: str, now: datetime) -> str:
    """Admin hands out a one-off password; the user must change it at next login."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(_l("Only administrators can issue passwords."))
    temporary = passwords.temporary_password()
    user.password_hash = passwords.hash_password(temporary)
    user.must_change_password = True
    ended = sessions.end_all_sessions(user, reason="password_reset", now=now)
    record(actions.PASSWORD_RESET, actor=actor, ip=ip, now=now, target=user,
           details={"staff_no": user.staff_no, "sessions_ended": ended})
    return temporary


def set_roles(actor: User, user: User, roles: set[Role], *, ip: str, now: datetime) -> bool:
    """Only admins change roles; an admin cannot remove their own admin role (no lock-out)."""
    roles = {Role(r) for r in roles}
    if roles == set(user.roles):
        return False
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(_l("Only administrators can change roles."))
    if not roles:
        raise DomainError(_l("Choose at least one role."), field="roles")
    if user.id == actor.id and Role.ADMIN not in roles:
        raise DomainError(_l("You cannot remove your own administrator role."), field="roles")
    old = sorted(user.roles)
    user.role_rows = [UserRole(role=role.value) for role in sorted(roles)]
    db.session.flush()
    record(actions.ROLES_CHANGED, actor=actor, ip=ip, now=now, target=user,
           details={"staff_no": user.staff_no, "old": old, "new": sorted(r.value for r in roles)})
    return True


def deactivate(actor: User, user: User, *, ip: str, now: datetime) -> None:
    if user.id == actor.id:
        raise DomainError(_l("You cannot deactivate your own account."))
    if not user.active:
        return
    user.active = False
    ended = sessions.end_all_sessions(user, reason="deactivated", now=now)
    record(actions.USER_DEACTIVATED, actor=actor, ip=ip, now=now, target=user,
           details={"staff_no": user.staff_no, "sessions_ended": ended})
    for hook in DEACTIVATION_HOOKS:
        hook(actor, user, ip=ip, now=now)


def reactivate(actor: User, user: User, *, ip: str, now: datetime) -> None:
    if user.active:
        return
    user.active = True
    db.session.flush()
    record(actions.USER_REACTIVATED, actor=actor, ip=ip, now=now, target=user,
           details={"staff_no": user.staff_no})
