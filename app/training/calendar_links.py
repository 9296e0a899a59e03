"""A person's secret calendar subscription link: `/calendar.ics?token=…`, fetched by a phone's calendar without
any login.

The token is 256 random bits from `secrets`; only its SHA-256 is stored (app.training.models.CalendarToken), so
the link is shown once, when it is made, and a lost link is replaced, never recovered. Finding the person is one
indexed lookup of the hash: no comparison the caller could time. A link works only while its account is active,
and deactivating the account removes it (audited as the administrator's), so a reactivated account needs a new
link. Making a new link or turning it off is audited
without the token. The token rides in the query string, not the path, because request logs keep paths and drop
query strings (docs/security.md §11).
"""

import secrets
from datetime import datetime

from app.accounts import services as account_services
from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict
from app.core.i18n import lazy_gettext as _l
from app.core.tokens import hash_token
from app.extensions import db
from app.training.models import CalendarToken

TOKEN_BYTES = 32  # 256 random bits
MAX_TOKEN = 100  # longer query values are refused before hashing


def link_of(user: User) -> CalendarToken | None:
    return db.session.scalar(db.select(CalendarToken).where(CalendarToken.user_id == user.id))


def make_link(actor: User, user: User, *, now: datetime, ip: str) -> str:
    """A new token for `user`, replacing (and so stopping) any earlier one; returned once, stored hashed."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = link_of(user)
    replaced = row is not None
    if row is None:
        row = CalendarToken(user_id=user.id)
        db.session.add(row)
    row.token_hash, row.created_at = hash_token(token), now
    db.session.flush()
    record(actions.CALENDAR_LINK_CREATED, actor=actor, ip=ip, now=now, target=user,
           details={"staff_no": user.staff_no, "replaced": replaced})
    return token


def revoke_link(actor: User, user: User, *, now: datetime, ip: str) -> None:
    row = link_of(user)
    if row is None:
        raise Conflict(_l("There is no calendar link to turn off."))
    db.session.delete(row)
    db.session.flush()
    record(actions.CALENDAR_LINK_REVOKED, actor=actor, ip=ip, now=now, target=user,
           details={"staff_no": user.staff_no})


def find_subscriber(token: str | None) -> User | None:
    """The active person whose link this is, or None (missing, malformed, unknown, replaced, turned off, or
    the account deactivated)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    return db.session.scalar(
        db.select(User).join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token_hash == hash_token(token), User.active.is_(True))
    )


def _revoke_on_deactivation(actor: User, user: User, *, ip: str, now: datetime) -> None:
    if link_of(user) is not None:
        revoke_link(actor, user, now=now, ip=ip)


account_services.DEACTIVATION_HOOKS.append(_revoke_on_deactivation)
