"""Flask-Login wiring: the user loader checks the server-side session on every request."""

from datetime import timedelta

from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_login import current_user

from app.accounts import sessions
from app.accounts.models import User
from app.core.clock import utcnow
from app.core.i18n import lazy_gettext as _l
from app.extensions import db, login_manager

SESSION_TOKEN_KEY = "sid"  # nosec B105  # the name of a session key, not a secret
# Endpoints a user with a temporary password may still reach.
ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset(
    {"accounts.change_password", "accounts.logout", "accounts.set_language", "static"}
)


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session row is the protection

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(error={"status": 401, "message": str(login_manager.login_message)}), 401
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))

    @app.before_request
    def _require_password_change():
        """The endpoint is looked at first: static files and the API then never load the user, so they
        cost no query and their responses depend on no cookie (long-lived caching, docs/security.md)."""
        if (
            request.endpoint not in ALLOWED_BEFORE_PASSWORD_CHANGE
            and request.blueprint != "api"  # the API ignores sessions: tokens only
            and current_user.is_authenticated
            and current_user.must_change_password
        ):
            return redirect(url_for("accounts.change_password"))
        return None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    config = current_app.config
    now = utcnow()
    login_session = sessions.find_live_session(
        token,
        now=now,
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["SESSION_MAX_HOURS"]),
    )
    if login_session is None:
        db.session.commit()  # keep the "ended by timeout" mark
        return None
    user = login_session.user
    if str(user.id) != user_id or not user.active:
        return None
    g.login_session = login_session
    if sessions.touch(login_session, now):
        db.session.commit()  # nothing else is pending this early in the request
    return user
