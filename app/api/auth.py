"""Bearer-token authentication: `@allow_token(scope)` declares and enforces who may call an API route.

The session (cookie) is never consulted: a signed-in browser without a token gets 401 like anyone else.
"""

import time
from functools import wraps

from flask import current_app, g, request
from limits import parse

from app.api import clients
from app.api.errors import ScopeMissing, TokenInvalid, TokenMissing, TooManyFailedTokens
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


def _failure_allowance():
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    identifiers = (prefix, "api-auth-failures", client_ip()) if prefix else ("api-auth-failures", client_ip())
    return parse(current_app.config["API_AUTH_FAILURE_LIMIT"]), identifiers


def _refuse(error):
    """Count a request without a valid token against its address, then refuse it."""
    item, identifiers = _failure_allowance()
    limiter.limiter.hit(item, *identifiers)
    raise error


def authenticate(scope: str):
    """The client of the request's token. An address whose allowance of failed requests is used up gets 429
    before its token is looked at; the count may overshoot by the requests in flight, which is harmless here:
    tokens are 256-bit random values, so the limit is against noise, not guessing (logins are counted first,
    app.accounts.throttling)."""
    item, identifiers = _failure_allowance()
    if not limiter.limiter.test(item, *identifiers):
        reset_at, _remaining = limiter.limiter.get_window_stats(item, *identifiers)
        raise TooManyFailedTokens(max(1, int(reset_at - time.time()) + 1))
    token = bearer_token()
    if not token:
        _refuse(TokenMissing())
    client = clients.find_client(token)
    if client is None:
        _refuse(TokenInvalid())
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
