"""API clients: create (the token is returned once), revoke, and find the client a bearer token belongs to."""

import hmac
import secrets
from datetime import datetime, timedelta

from app.api.models import ApiClient
from app.api.scopes import SCOPES
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.tokens import hash_token
from app.extensions import db

TOKEN_TAG = "tt"  # nosec B105  # the public prefix of every token, not a secret
PREFIX_BYTES = 6  # 12 hex digits: shown on the admin page, finds the row
SECRET_BYTES = 32  # 256 random bits
TOUCH_EVERY = timedelta(seconds=60)


def split_token(token: str) -> str | None:
    """The prefix of a well-formed `tt_<prefix>_<secret>` token, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_TAG or not parts[2]:
        return None
    prefix = parts[1]
    if len(prefix) != PREFIX_BYTES * 2 or any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


def create_client(actor, name: str, scopes, *, ip: str, now: datetime) -> tuple[ApiClient, str]:
    """A new client with `scopes`; returns it and its token, which exists nowhere else afterwards."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Give the client a name."), field="name")
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise DomainError(_l("Unknown scope: %(scope)s", scope=", ".join(sorted(unknown))), field="scopes")
    if not scopes:
        raise DomainError(_l("Choose at least one scope."), field="scopes")
    prefix = secrets.token_hex(PREFIX_BYTES)
    token = f"{TOKEN_TAG}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    client = ApiClient(name=name, token_prefix=prefix, token_hash=hash_token(token),
                       scopes=[scope for scope in SCOPES if scope in scopes], created_at=now,
                       created_by_id=getattr(actor, "id", None))
    db.session.add(client)
    db.session.flush()
    record(actions.API_CLIENT_CREATED, actor=actor, ip=ip, now=now, target=client,
           details={"name": client.name, "prefix": prefix, "scopes": client.scopes})
    return client, token


def revoke_client(actor, client: ApiClient, *, ip: str, now: datetime) -> None:
    if client.revoked_at is not None:
        raise Conflict(_l("This client was already revoked."))
    client.revoked_at = now
    db.session.flush()
    record(actions.API_CLIENT_REVOKED, actor=actor, ip=ip, now=now, target=client,
           details={"name": client.name, "prefix": client.token_prefix})


def find_client(token: str) -> ApiClient | None:
    """The active client whose token this is, or None (unknown, garbled or revoked)."""
    prefix = split_token(token)
    if prefix is None:
        return None
    client = db.session.scalar(db.select(ApiClient).where(ApiClient.token_prefix == prefix))
    if client is None or not hmac.compare_digest(client.token_hash, hash_token(token)):
        return None
    return client if client.revoked_at is None else None


def touch(client: ApiClient, now: datetime) -> bool:
    """Record use at most once a minute (so reads rarely write); returns whether anything changed."""
    if client.last_used_at is not None and now - client.last_used_at < TOUCH_EVERY:
        return False
    client.last_used_at = now
    db.session.flush()
    return True


def all_clients() -> list[ApiClient]:
    return list(db.session.scalars(
        db.select(ApiClient).order_by(ApiClient.revoked_at.is_not(None), ApiClient.created_at.desc(),
                                      ApiClient.id.desc())
    ))
