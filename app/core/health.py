"""`/healthz` (the process answers) and `/readyz` (it can serve: database, schema, Redis) for load balancers.

- /healthz: 200 `ok`, no I/O at all. A failing liveness probe restarts the process, so it must not depend on
  anything a restart cannot fix (the database).
- /readyz: JSON `{"status": "ok"|"fail", "checks": {name: {"ok": bool, "detail": …}}}`, 503 when a check
  fails, so the balancer sends no traffic to a server that would answer 503s or 500s:
  database — `SELECT 1` through the app's pool (on PostgreSQL under a 1 s statement timeout; an unreachable
  host fails after the engine's connect timeout); migrations — the database's alembic_version is the
  migrations' head (read from migrations/ once per process), so a server of a new release waits for
  `flask db upgrade`; redis — PING within 1 s when RATELIMIT_STORAGE_URI is Redis (else not listed).

Both are answered before the app's own request hooks (`_answer_probes`): no user is loaded, no session cookie
is read or set, no CSRF check or rate limit applies, nothing is audited. `Cache-Control: no-store`.
"""

import functools
import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from app.core.permissions import PUBLIC, allow
from app.extensions import csrf, db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger("app.health")
PROBES = ("health.healthz", "health.readyz")
STATEMENT_TIMEOUT_MS = 1000
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/healthz", methods=["GET", "HEAD"])
@allow(PUBLIC)
def healthz():
    return "ok\n", 200, {**NO_STORE, "Content-Type": "text/plain; charset=utf-8"}


@bp.route("/readyz", methods=["GET", "HEAD"])
@allow(PUBLIC)
def readyz():
    checks = {"database": _check_database()}
    checks["migrations"] = _check_migrations() if checks["database"]["ok"] else {
        "ok": False, "detail": "database unreachable"}
    if _uses_redis():
        checks["redis"] = _check_redis()
    ready = all(check["ok"] for check in checks.values())
    if not ready:
        failed = ", ".join(f"{name}: {check['detail']}" for name, check in checks.items() if not check["ok"])
        log.warning("not ready: %s", failed)
    return jsonify(status="ok" if ready else "fail", checks=checks), 200 if ready else 503, NO_STORE


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def _check_database() -> dict:
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
            connection.execute(text("SELECT 1"))
            connection.rollback()
    except Exception as error:  # noqa: BLE001  (any failure means not ready)
        return {"ok": False, "detail": _first_line(error)}
    return {"ok": True, "detail": "SELECT 1"}


def migration_heads(app) -> frozenset[str]:
    """The head revision(s) of the app's migrations/, read once per process (they change only with a release)."""
    return _heads(app.extensions["migrate"].directory)


@functools.cache
def _heads(directory: str) -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _check_migrations() -> dict:
    expected = migration_heads(current_app._get_current_object())
    try:
        with db.engine.connect() as connection:
            found = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
            connection.rollback()
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "detail": _first_line(error)}
    if found != expected:
        return {"ok": False, "detail": f"database at {', '.join(sorted(found)) or 'no revision'}, "
                                       f"migrations at {', '.join(sorted(expected))}: run flask db upgrade"}
    return {"ok": True, "detail": ", ".join(sorted(found))}


def _uses_redis() -> bool:
    return current_app.config["RATELIMIT_STORAGE_URI"].split(":", 1)[0].startswith(("redis", "rediss"))


def _check_redis() -> dict:
    """PING through the rate limiter's own storage (its socket timeouts are 1 s, config.FIXED)."""
    try:
        reachable = limiter.storage.check()
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "detail": _first_line(error)}
    return {"ok": True, "detail": "PING"} if reachable else {"ok": False, "detail": "PING failed"}


def register(app) -> None:
    """The blueprint, exempt from CSRF and rate limits, answered ahead of every other request hook."""
    csrf.exempt(bp)
    limiter.exempt(bp)
    app.register_blueprint(bp)

    def _answer_probes():
        if request.endpoint in PROBES:
            return current_app.view_functions[request.endpoint]()
        return None

    # First in line: the login hook would otherwise load the user (a query) for a probe carrying a cookie.
    app.before_request_funcs.setdefault(None, []).insert(0, _answer_probes)
