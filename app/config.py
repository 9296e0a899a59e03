"""Settings from environment variables; the embedded default is a SQLite file in instance/.

Every setting is listed in SETTINGS with its environment variable, so the README table and the
code cannot drift apart (tests/core/test_config.py checks the README mentions each one).
"""

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    parse: Callable[[str], Any] = str
    doc: str = ""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _mib(value: str) -> int:
    return int(float(value) * 1024 * 1024)


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", None, str,
            "SQLAlchemy URL; default: SQLite file instance/toll_training.db"),
    Setting("SECRET_KEY", "SECRET_KEY", None, str,
            "Signs sessions and CSRF tokens; default: generated once into instance/secret_key"),
    Setting("TIMEZONE", "TIMEZONE", "Asia/Shanghai", str, "Zone used to display times (stored in UTC)"),
    Setting("DEFAULT_LOCALE", "BABEL_DEFAULT_LOCALE", "zh_Hans", str, "zh_Hans or en"),
    Setting("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", "memory://", str,
            "Flask-Limiter storage; use redis://host:6379/0 with several workers"),
    Setting("UPLOAD_MAX_MB", "MAX_CONTENT_LENGTH", 16 * 1024 * 1024, _mib, "Largest request body, MiB"),
    Setting("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SECURE", False, _bool,
            "Send cookies over HTTPS only (set true behind TLS)"),
    Setting("SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES", 60, int, "Idle session timeout"),
    Setting("SESSION_MAX_HOURS", "SESSION_MAX_HOURS", 12, int, "Absolute session lifetime"),
    Setting("FRESH_LOGIN_MINUTES", "FRESH_LOGIN_MINUTES", 15, int,
            "Role changes and other sensitive actions need a login (or password confirmation) this recent"),
    Setting("CSRF_TIME_LIMIT_HOURS", "WTF_CSRF_TIME_LIMIT", 12 * 3600, lambda v: int(float(v) * 3600),
            "CSRF token lifetime; longer than the longest exam"),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes", str,
            "Password checks allowed per staff number, at login and when a signed-in user re-enters it "
            "(counted before the check; the right password starts the count again)"),
    Setting("PASSWORD_CHECK_LIMIT_PER_SESSION", "PASSWORD_CHECK_LIMIT_PER_SESSION", "5 per 15 minutes", str,
            "Password re-entries (confirmation, current password) allowed per signed-in session"),
    Setting("LOGIN_LIMIT_PER_IP", "LOGIN_LIMIT_PER_IP", "50 per 15 minutes", str,
            "Failed logins allowed per client address (stations share NAT addresses)"),
    Setting("PROXY_FIX_HOPS", "PROXY_FIX_HOPS", 0, int,
            "Reverse proxies in front of the app whose X-Forwarded-* headers are trusted"),
    # OWASP's argon2id row m=19 MiB, t=2, p=1, cheap enough for an exam day's logins (docs/security.md §7).
    Setting("ARGON2_TIME_COST", "ARGON2_TIME_COST", 2, int, "argon2id passes"),
    Setting("ARGON2_MEMORY_KIB", "ARGON2_MEMORY_KIB", 19456, int, "argon2id memory, KiB"),
    Setting("ARGON2_PARALLELISM", "ARGON2_PARALLELISM", 1, int, "argon2id lanes"),
    Setting("SQLITE_BUSY_TIMEOUT_MS", "SQLITE_BUSY_TIMEOUT_MS", 15000, int,
            "How long SQLite waits for a lock before failing"),
    Setting("EXAM_GRACE_SECONDS", "EXAM_GRACE_SECONDS", 30, int,
            "Seconds after an exam deadline in which a save or submit sent in time is still accepted"),
    Setting("TRAINING_SLOTS", "TRAINING_SLOTS", "am=08:30-12:00,pm=14:00-17:30", str,
            "Local times of the morning and afternoon training slots (a full day runs from one to the other)"),
    Setting("TRAINING_MAX_SHARE", "TRAINING_MAX_SHARE", "1/3", str,
            "Default share of a station's collectors that may be in the same batch (a fraction or decimal)"),
    Setting("TRAINING_ATTENDANCE_RULE", "TRAINING_ATTENDANCE_RULE", "all", str,
            "Exam eligibility: all = no ended session of the course recorded as missed, any = not every one "
            "recorded as missed, none = attendance does not matter (a seat nobody recorded never bars)"),
    Setting("ATTENDANCE_OPENS_MINUTES", "ATTENDANCE_OPENS_MINUTES", 30, int,
            "The roll call and check-in of a session open this many minutes before it starts"),
    Setting("ATTENDANCE_GRACE_MINUTES", "ATTENDANCE_GRACE_MINUTES", 60, int,
            "The roll call and check-in close this many minutes after a session ends; later only a late roll "
            "with a reason (audited)"),
    Setting("ATTENDANCE_LATE_DAYS", "ATTENDANCE_LATE_DAYS", 7, int,
            "Days after a session ends during which its lecturer may record a late roll (the training office "
            "may at any time)"),
    Setting("CHECKIN_CODE_SECONDS", "CHECKIN_CODE_SECONDS", 120, int,
            "How long a check-in code stays valid (the lecturer's screen shows a new one before then)"),
    Setting("CHECKIN_LATE_MINUTES", "CHECKIN_LATE_MINUTES", 15, int,
            "Checking in this many minutes after a session starts is recorded as late"),
    Setting("CHECKIN_LIMIT", "CHECKIN_LIMIT", "20 per minute", str,
            "Check-in code entries allowed per person (so codes cannot be guessed)"),
    Setting("API_RATE_LIMIT", "API_RATE_LIMIT", "600 per minute", str,
            "Requests allowed per API client (token) on /api/v1"),
    Setting("API_AUTH_FAILURE_LIMIT", "API_AUTH_FAILURE_LIMIT", "20 per minute", str,
            "API requests without a valid token allowed per client address before it gets 429"),
    Setting("ALLOCATION_TIME_LIMIT", "ALLOCATION_TIME_LIMIT", 20, int,
            "Seconds the allocation solver may search for a balanced allocation"),
    Setting("ITEM_ANALYSIS_MIN_SAMPLE", "ITEM_ANALYSIS_MIN_SAMPLE", 30, int,
            "Item analysis warns when an exam (or a question) has fewer graded answers than this"),
)

FIXED = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # The cookie is signed and sent when the session changes (login, CSRF token, language), not on every
    # response: it expires SESSION_MAX_HOURS after login, the server-side session's absolute limit, and the
    # idle limit is the login session row's (app/accounts/sessions.py). Re-signing it on each of an exam day's
    # saves and heartbeats cost CPU and a Set-Cookie header for nothing.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "REMEMBER_COOKIE_DURATION": 0,
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "LANGUAGES": ("zh_Hans", "en"),
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    "WTF_CSRF_SSL_STRICT": True,
    "TESTING": False,
}


def load_config(instance_path: str, environ: dict | None = None) -> dict:
    """Defaults, then the environment; `create_app(config=...)` overrides on top."""
    environ = os.environ if environ is None else environ
    config = dict(FIXED)
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        config[setting.key] = setting.parse(raw) if raw not in (None, "") else setting.default
    if not config["SQLALCHEMY_DATABASE_URI"]:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "toll_training.db")
    return config


def instance_secret_key(instance_path: str) -> str:
    """Read the key kept in instance/, creating it once; O_EXCL keeps racing workers consistent."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty") from None
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key
