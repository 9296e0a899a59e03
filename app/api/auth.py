"""Bearer-token authentication: `@allow_token(scope)` declares and enforces who may call an API route.

The session (cookie) is never consulted: a signed-in browser without a token gets 401 like anyone else.
"""

from functools import wraps

from flask import current_app, g, request

from app.api import clients
from app.api.errors import ScopeMissing, TokenInvalid, TokenMissing
from app.core.clock import utcnow
from app.core.net import client_ip
from app.core.permissions import Access
from app.extensions import db, limiter


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when there is no such header."""
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def rate_key() -> str:
    """Limits count per client (its token prefix), falling back to the caller's address."""
    client = g.get("api_client")
    return f"api:{client.token_prefix}" if client is not None else f"api-ip:{client_ip()}"


def authenticate(scope: str):
    token = bearer_token()
    if not token:
        raise TokenMissing()
    client = clients.find_client(token)
    if client is None:
        raise TokenInvalid()
    if not client.allows(scope):
        raise ScopeMissing(scope)
    if clients.touch(client, utcnow()):
        db.session.commit()  # nothing else is pending this early in a read-only request
    g.api_client = client
    return client


def allow_token(scope: str):
    """Route declaration for the API: a valid, unrevoked token holding `scope`; rate limited per client."""
    access = Access.token(scope)

    def decorate(view):
        limited = limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_key)(view)

        @wraps(view)
        def guarded(*args, **kwargs):
            authenticate(scope)
            return limited(*args, **kwargs)

        guarded.access = access
        return guarded

    return decorate
