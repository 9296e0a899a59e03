"""Every route declares who may use it with @allow(...); tests walk app.url_map to enforce that.

API routes (`/api/v1`) authenticate by bearer token, never by the session: they are declared with
`app.api.auth.allow_token(scope)`, whose Access carries the scope a client's token must hold.

Object-level rules (may this trainer grade this exam?) are plain functions in each domain's
`permissions.py`, called by views after loading the object.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.core.clock import utcnow
from app.core.roles import Role

PUBLIC = "public"
ANY_USER = "any user"
# Endpoints Flask itself registers; they serve files anyone may fetch.
BUILTIN_PUBLIC_ENDPOINTS = frozenset({"static"})


@dataclass(frozen=True)
class Access:
    public: bool
    roles: frozenset[Role]  # empty = any signed-in user
    fresh: bool
    scope: str | None = None  # API routes: a bearer token with this scope; a session never admits

    @property
    def by_token(self) -> bool:
        return self.scope is not None

    @classmethod
    def token(cls, scope: str) -> "Access":
        return cls(public=False, roles=frozenset(), fresh=False, scope=scope)

    def admits(self, user) -> bool:
        """May this signed-in (or anonymous) session user open the route? Token routes: never."""
        if self.public:
            return True
        if self.by_token or not getattr(user, "is_authenticated", False):
            return False
        return not self.roles or user.has_role(*self.roles)


def allow(*who, fresh: bool = False):
    """@allow(PUBLIC), @allow(ANY_USER), or @allow(Role.ADMIN, Role.HR, fresh=True)."""
    if not who:
        raise TypeError("allow() needs PUBLIC, ANY_USER or at least one role")
    public = who == (PUBLIC,)
    roles = frozenset() if public or who == (ANY_USER,) else frozenset(Role(r) for r in who)
    access = Access(public=public, roles=roles, fresh=fresh)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not access.public:
                if not current_user.is_authenticated:
                    return current_app.login_manager.unauthorized()
                if not access.admits(current_user):
                    abort(403)
                if access.fresh and not login_is_fresh():
                    return redirect(url_for("accounts.confirm_password", next=request.full_path))
            return view(*args, **kwargs)

        guarded.access = access
        return guarded

    return decorate


def access_of(view) -> Access | None:
    return getattr(view, "access", None)


def login_is_fresh() -> bool:
    """The password was entered recently in this session (login or confirmation)."""
    from flask import g

    login_session = g.get("login_session")
    if login_session is None:
        return False
    window = timedelta(minutes=current_app.config["FRESH_LOGIN_MINUTES"])
    return utcnow() - login_session.authenticated_at <= window
