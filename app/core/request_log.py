"""One log line per request, and the request id that ties a user's error page to the log.

The line goes to the `app.requests` logger at INFO (gunicorn.conf.py sends it to stderr; gunicorn's own
access log is off, so each request is logged once, with what only the app knows: the user and the request id):

    GET /exams/3/take?page 200 12.4ms user=42 request_id=5f0c… ip=10.1.2.3

The query string keeps its keys, never its values (a token, a password reset code or a search for a person's
name has no place in a log). Paths are percent-encoded, so a crafted URL cannot forge a second line. Static
files and the health probes are logged at DEBUG: at INFO they would be most of the log and say nothing.

The request id is the caller's `X-Request-ID` when it is sane (at most 64 of `A-Za-z0-9._-`: a proxy's id
then follows the request through), else a new uuid4. It is echoed in the `X-Request-ID` response header (not
on static files, whose answers are cached and must be the same on every server),
shown on the error pages (a user can quote it) and carried by every log record made during the request.

`LOG_FORMAT=json` turns every record the app's handlers format (`LogFormatter`) into one JSON object a line,
with the request's fields as keys, for log collectors; `text` (default) is for people reading stderr.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from flask import current_app, g, has_app_context, has_request_context, request, request_started
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

from app.core.net import client_ip

log = logging.getLogger("app.requests")
LOG_FORMATS = ("text", "json")
HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
QUIET_ENDPOINTS = frozenset({"static", "health.healthz", "health.readyz"})
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def parse_log_format(value: str) -> str:
    """LOG_FORMAT: text or json."""
    value = value.strip().lower()
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT={value!r} is not text or json")
    return value


def request_id() -> str:
    """The current request's id, taken from a sane X-Request-ID header or made up once."""
    rid = g.get("request_id")
    if rid is None:
        offered = request.headers.get(HEADER, "")
        rid = offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex
        g.request_id = rid
    return rid


def logged_path() -> str:
    """The path, percent-encoded, with the query string's keys only: `/reports?page&station`."""
    path = quote(request.path, safe=_PATH_SAFE)
    keys = list(dict.fromkeys(request.args.keys()))
    return f"{path}?{'&'.join(quote(k, safe='') for k in keys)}" if keys else path


def _identity(obj) -> str | None:
    """A loaded object's primary key without loading anything (the database may be gone)."""
    try:
        identity = inspect(obj).identity
    except NoInspectionAvailable:
        return None
    return str(identity[0]) if identity else None


def user_label() -> str:
    """The signed-in user's id, `client:<id>` for an API client, else `-`. Never loads the user: only one the
    request already loaded counts."""
    user = g.get("_login_user")  # Flask-Login's cache, set only when something looked at current_user
    if user is not None and getattr(user, "is_authenticated", False):
        return _identity(user) or "-"
    client = g.get("api_client")
    if client is not None:
        found = _identity(client)
        return f"client:{found}" if found else "-"
    return "-"


def request_fields(response, duration_ms: float) -> dict:
    return {"method": request.method, "path": logged_path(), "status": response.status_code,
            "duration_ms": round(duration_ms, 1), "user": user_label(), "request_id": request_id(),
            "remote_addr": client_ip()}


class LogFormatter(logging.Formatter):
    """Text (`time LEVEL logger: message`) or one JSON object a line, as the app's LOG_FORMAT says; records made
    during a request carry its id. Used by gunicorn.conf.py's logging configuration."""

    default_mode = "text"  # outside an app context (set by register(): the process's app)

    def __init__(self, fmt=None, datefmt=None, style="%", validate=True, *, mode: str | None = None):
        super().__init__(fmt or "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s", datefmt, style,
                         validate)
        self.mode = mode

    def _mode(self) -> str:
        if self.mode:
            return self.mode
        if has_app_context():
            return current_app.config.get("LOG_FORMAT", self.default_mode)
        return self.default_mode

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        if rid is None and has_request_context():
            rid = g.get("request_id")
        if self._mode() != "json":
            text = super().format(record)
            if rid and "request_id=" not in record.getMessage():
                text += f" request_id={rid}"
            return text
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        body = {"time": when, "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        body.update(getattr(record, "request", None) or {})
        if rid:
            body["request_id"] = rid
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def register(app) -> None:
    app.config["LOG_FORMAT"] = parse_log_format(app.config.get("LOG_FORMAT", "text"))
    LogFormatter.default_mode = app.config["LOG_FORMAT"]
    app.jinja_env.globals["request_id"] = request_id

    def _started(sender, **_extra):
        g.request_started = time.perf_counter()

    request_started.connect(_started, app, weak=False)

    @app.after_request
    def _log_request(response):
        if request.endpoint != "static":  # a cached file's answer is the same for everyone (static_files.py)
            response.headers[HEADER] = request_id()
        level = logging.DEBUG if request.endpoint in QUIET_ENDPOINTS and response.status_code < 400 else logging.INFO
        if log.isEnabledFor(level):
            started = g.get("request_started")
            duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
            fields = request_fields(response, duration)
            log.log(level, "%s %s %s %.1fms user=%s request_id=%s ip=%s", fields["method"], fields["path"],
                    fields["status"], fields["duration_ms"], fields["user"], fields["request_id"],
                    fields["remote_addr"], extra={"request": fields})
        return response
