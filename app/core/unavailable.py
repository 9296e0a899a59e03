"""When the database cannot be reached: 503 with Retry-After, a page that needs no database, one log line.

Pooled connections are pinged before use (`engine_options`): a PostgreSQL restart once left every worker's
pooled connections dead, and each of them answered one request with a 500 before the pool noticed, for
minutes. The ping costs one round trip per checkout (a request checks out once), a price worth the certainty.

An outage (refused or dropped connections, a server shutting down, an exhausted pool, SQLite's lock wait run
out) answers 503 with `Retry-After` instead of a 500 and a traceback per request: the page is a standalone
template that touches neither the signed-in user nor the navigation (both query), in the language the request
itself names (the language cookie's choice, else Accept-Language, else the default). JSON callers — the API and
the exam page's saves, which keep their answers and retry after `Retry-After` — get
`{"error": {"status": 503, "code": "unavailable", …}}`. Other database errors (a bad query) stay 500s.
"""

import logging

from flask import current_app, jsonify, request, session
from flask_babel import force_locale
from sqlalchemy import exc
from sqlalchemy.engine import make_url

from app.core.i18n import lazy_gettext as _l

RETRY_AFTER_SECONDS = 30
POOL_RECYCLE_SECONDS = 1800  # below the idle cut-off of firewalls and poolers between the app and PostgreSQL
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5  # a dead host fails a request in 5 s instead of the TCP timeout (minutes)
TITLE = _l("Temporarily unavailable")
MESSAGE = _l("The system cannot reach its database at the moment. Your saved work is safe. "
             "Wait a minute, then try again.")
# PostgreSQL SQLSTATE classes of an unreachable or refusing server: 08 connection exception, 53 insufficient
# resources (too many connections), 57P0x shutdown / cannot connect now.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03")
# SQLite: the lock wait ran out, or the file cannot be opened or written.
_UNAVAILABLE_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")

log = logging.getLogger("app.database")


def engine_options(url: str) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS for `url`: pre-ping and recycle everywhere (a SQLite file loses nothing by
    them; an in-memory SQLite database would be lost by a recycle, so it keeps its connection), and on
    PostgreSQL a connect timeout."""
    parsed = make_url(url)
    options: dict = {"pool_pre_ping": True}
    if not (parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")):
        options["pool_recycle"] = POOL_RECYCLE_SECONDS
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    return options


def is_unavailable(error: BaseException) -> bool:
    """Is this the database being out of reach (503), rather than a query that is wrong (500)?"""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    original = error.orig
    if getattr(original, "sqlite_errorname", None) is not None:
        return original.sqlite_errorname.startswith(_UNAVAILABLE_SQLITE)
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def locale_without_database() -> str:
    """The request's language as far as it is known without the database: the language chosen with the
    footer's buttons (kept in the signed session cookie), Accept-Language, the default."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale") if not request.path.startswith("/api/") else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _rollback() -> None:
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone; the pool throws it away)
        log.debug("rollback after a database outage failed", exc_info=True)


def unavailable_response(error: BaseException | None = None):
    """The 503 answer: JSON for JSON callers, else the standalone page. Rolls the session back and logs one line."""
    from app.core.error_handlers import wants_json
    from app.core.request_log import request_id
    from app.extensions import limiter

    _rollback()
    limiter.keep_retry_after()
    rid = request_id()
    reason = str(getattr(error, "orig", None) or error or "").strip().splitlines()
    log.warning("database unavailable: %s %s -> 503 (%s) request_id=%s", request.method, request.path,
                reason[0][:200] if reason else type(error).__name__, rid)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    with force_locale(locale_without_database()):
        if wants_json():
            body = {"status": 503, "code": "unavailable", "title": str(TITLE), "message": str(MESSAGE),
                    "retry_after": RETRY_AFTER_SECONDS}
            return jsonify(error=body), 503, headers
        # Rendered from the environment, not render_template: no context processor (current_user) runs.
        template = current_app.jinja_env.get_template("unavailable.html")
        page = template.render(title=TITLE, message=MESSAGE, request_id=rid, status=503,
                               lang=locale_without_database().replace("_", "-"))
    return page, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}


def register(app) -> None:
    @app.errorhandler(exc.DBAPIError)
    @app.errorhandler(exc.TimeoutError)
    def _database_error(error):
        if is_unavailable(error):
            return unavailable_response(error)
        from app.core.error_handlers import unexpected_error

        return unexpected_error(error)
