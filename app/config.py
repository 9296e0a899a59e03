"""Settings from environment variables; the embedded default is a SQLite file in instance/.

Every setting is listed in SETTINGS with its environment variable, so the README table and the
code cannot drift apart (tests/core/test_config.py checks the README mentions each one).

A bad value stops the start, not the first request that reads it: every parse function below checks its value
and raises SettingError, and load_config gathers every bad variable into one ConfigError, so an operator fixes
them in one round instead of one restart per typo. Its message is a single line (the problems joined by "; ")
that the entry points (wsgi.py, hence gunicorn and `flask --app wsgi …`) print on stderr before exiting.
These lines are English on purpose: they are for the operator at start-up, before there is a request or a
user whose language could be chosen.
"""

import importlib.util
import logging
import os
import re
import secrets
import time
import zoneinfo
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """One or more settings are unusable; `problems` has one sentence per bad variable."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class SettingError(ValueError):
    """Raised by a parse function: what is wrong with the value and what was expected, e.g.
    "is not a time zone (expected an IANA name such as Asia/Shanghai)"."""


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    parse: Callable[[str], Any] = str
    doc: str = ""


BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                 "off": False}


def _bool(value: str) -> bool:
    """Only the usual words: a typo such as `ture` must stop the start, not quietly mean false."""
    try:
        return BOOLEAN_WORDS[value.strip().lower()]
    except KeyError:
        raise SettingError("is not a boolean (expected true/false, 1/0, yes/no or on/off)") from None


def _integer(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            number = None
        if number is None or not minimum <= number <= maximum:
            raise SettingError(f"is not a whole number from {minimum} to {maximum}")
        return number

    return parse


def _positive_number(maximum: float, scale: float, what: str) -> Callable[[str], int]:
    """A decimal more than 0 and at most `maximum`, times `scale`, as a whole number (MiB → bytes, hours → s)."""
    def parse(value: str) -> int:
        try:
            number = float(value.strip())
        except ValueError:
            number = float("nan")
        if not 0 < number <= maximum:  # NaN fails this too
            raise SettingError(f"is not a number of {what} more than 0 and at most {maximum:g}")
        return int(number * scale)

    return parse


def _zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingError("is not a time zone (expected an IANA name such as Asia/Shanghai)") from None
    return value.strip()


def _one_of(what: str, *choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip() not in choices:
            raise SettingError(f"is not {what} (expected {' or '.join(choices)})")
        return value.strip()

    return parse


def _rate_limit(value: str) -> str:
    """A limit Flask-Limiter and app/accounts/throttling.py can read: `limits.parse`, e.g. "10 per 15 minutes"."""
    from limits import parse

    try:
        parse(value)
    except ValueError:
        raise SettingError('is not a rate limit (expected e.g. "10 per 15 minutes" or "20/minute")') from None
    return value.strip()


def _storage_uri(value: str) -> str:
    """A storage scheme `limits` knows (sync only: Flask-Limiter is not async) whose client package is installed.

    The package is looked up, not imported: the embedded set-up must start without the production extra
    (tests/core/test_startup_imports.py)."""
    from limits.storage import SCHEMES

    scheme = value.strip().partition("://")[0] if "://" in value else ""
    known = sorted(name for name in SCHEMES if not name.startswith("async+"))
    if scheme not in known:
        raise SettingError(f"is not a rate-limit storage URI (expected one of {', '.join(s + '://' for s in known)}, "
                           "e.g. memory:// or redis://host:6379/0)")
    needed = list(getattr(SCHEMES[scheme], "DEPENDENCIES", {}))  # redis and valkey share a class: the scheme's own
    needed = [module for module in needed if module in scheme] or needed
    missing = [module for module in needed if importlib.util.find_spec(module) is None]
    if missing:
        raise SettingError(f"needs the Python package {', '.join(missing)}, which is not installed (expected: "
                           "pip install -e '.[production]')")
    return value.strip()


def _database_url(value: str) -> str:
    """A URL SQLAlchemy can open on a backend the app is built and tested for, with its driver installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    expected = "expected sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/name"
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise SettingError(f"is not a database URL ({expected})") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise SettingError(f"names the database {url.get_backend_name()!r}, which the app does not support "
                           f"({expected})")
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise SettingError(f"names the driver {url.drivername!r}, which SQLAlchemy does not know ({expected})") \
            from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        raise SettingError(f"needs the Python package {error.name or url.get_driver_name()}, which is not installed "
                           "(expected: pip install -e '.[production]')") from None
    return value.strip()


def _mib(value: str) -> int:
    return _positive_number(1024, 1024 * 1024, "MiB")(value)


# The rule names of app/training/eligibility.py.
ATTENDANCE_RULES = ("all", "any", "none")
APP_ENVS = ("development", "production")
# Values whose parser belongs to a domain package, which this module (at the bottom, with core) may not import:
# create_app passes those parsers to load_config (app/__init__.py); these texts say what a good value is.
DOMAIN_EXPECTED = {
    "TRAINING_SLOTS": "is not a pair of slot times (expected am=HH:MM-HH:MM,pm=HH:MM-HH:MM, the morning ending "
                      "no later than the afternoon starts, e.g. am=08:30-12:00,pm=14:00-17:30)",
    "TRAINING_MAX_SHARE": "is not a share (expected a fraction, decimal or percentage more than 0 and at most 1, "
                          "e.g. 1/3, 0.3 or 30%)",
}

MINUTES_A_WEEK = 7 * 24 * 60


SETTINGS: tuple[Setting, ...] = (
    Setting("APP_ENV", "APP_ENV", "development", _one_of("a mode", *APP_ENVS),
            "development or production; production refuses to start without DATABASE_URL and SECRET_KEY"),
    Setting("ENV_FILE", "ENV_FILE", None, str,
            "File of NAME=value lines read at start-up (wsgi.py); default: .env in the current directory or above"),
    Setting("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", None, _database_url,
            "SQLAlchemy URL; default: SQLite file instance/toll_training.db"),
    Setting("SECRET_KEY", "SECRET_KEY", None, str,
            "Signs sessions and CSRF tokens; default: generated once into instance/secret_key"),
    Setting("TIMEZONE", "TIMEZONE", "Asia/Shanghai", _zone, "Zone used to display times (stored in UTC)"),
    Setting("DEFAULT_LOCALE", "BABEL_DEFAULT_LOCALE", "zh_Hans", _one_of("a language of the app", "zh_Hans", "en"), "zh_Hans or en"),
    Setting("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", "memory://", _storage_uri,
            "Flask-Limiter storage; use redis://host:6379/0 with several workers"),
    Setting("UPLOAD_MAX_MB", "MAX_CONTENT_LENGTH", 16 * 1024 * 1024, _mib, "Largest request body, MiB"),
    Setting("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SECURE", False, _bool,
            "Send cookies over HTTPS only (set true behind TLS)"),
    Setting("SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES", 60, _integer(1, MINUTES_A_WEEK), "Idle session timeout"),
    Setting("SESSION_MAX_HOURS", "SESSION_MAX_HOURS", 12, _integer(1, 30 * 24), "Absolute session lifetime"),
    Setting("FRESH_LOGIN_MINUTES", "FRESH_LOGIN_MINUTES", 15, _integer(1, 24 * 60),
            "Role changes and other sensitive actions need a login (or password confirmation) this recent"),
    Setting("CSRF_TIME_LIMIT_HOURS", "WTF_CSRF_TIME_LIMIT", 12 * 3600, _positive_number(30 * 24, 3600, "hours"),
            "CSRF token lifetime; longer than the longest exam"),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes", _rate_limit,
            "Password checks allowed per staff number, at login and when a signed-in user re-enters it "
            "(counted before the check; the right password starts the count again)"),
    Setting("PASSWORD_CHECK_LIMIT_PER_SESSION", "PASSWORD_CHECK_LIMIT_PER_SESSION", "5 per 15 minutes", _rate_limit,
            "Password re-entries (confirmation, current password) allowed per signed-in session"),
    Setting("LOGIN_LIMIT_PER_IP", "LOGIN_LIMIT_PER_IP", "50 per 15 minutes", _rate_limit,
            "Failed logins allowed per client address (stations share NAT addresses)"),
    Setting("PROXY_FIX_HOPS", "PROXY_FIX_HOPS", 0, _integer(0, 10),
            "Reverse proxies in front of the app whose X-Forwarded-* headers are trusted"),
    # OWASP's argon2id row m=19 MiB, t=2, p=1, cheap enough for an exam day's logins (docs/security.md §7).
    Setting("ARGON2_TIME_COST", "ARGON2_TIME_COST", 2, _integer(1, 100), "argon2id passes"),
    Setting("ARGON2_MEMORY_KIB", "ARGON2_MEMORY_KIB", 19456, _integer(8, 4 * 1024 * 1024), "argon2id memory, KiB"),
    Setting("ARGON2_PARALLELISM", "ARGON2_PARALLELISM", 1, _integer(1, 64), "argon2id lanes"),
    Setting("SQLITE_BUSY_TIMEOUT_MS", "SQLITE_BUSY_TIMEOUT_MS", 15000, _integer(0, 600_000),
            "How long SQLite waits for a lock before failing"),
    Setting("EXAM_GRACE_SECONDS", "EXAM_GRACE_SECONDS", 30, _integer(0, 3600),
            "Seconds after an exam deadline in which a save or submit sent in time is still accepted"),
    Setting("TRAINING_SLOTS", "TRAINING_SLOTS", "am=08:30-12:00,pm=14:00-17:30", str,
            "Local times of the morning and afternoon training slots (a full day runs from one to the other)"),
    Setting("TRAINING_MAX_SHARE", "TRAINING_MAX_SHARE", "1/3", str,
            "Default share of a station's collectors that may be in the same batch (a fraction or decimal)"),
    Setting("TRAINING_ATTENDANCE_RULE", "TRAINING_ATTENDANCE_RULE", "all", _one_of("an attendance rule", *ATTENDANCE_RULES),
            "Exam eligibility: all = no ended session of the course recorded as missed, any = not every one "
            "recorded as missed, none = attendance does not matter (a seat nobody recorded never bars)"),
    Setting("ATTENDANCE_OPENS_MINUTES", "ATTENDANCE_OPENS_MINUTES", 30, _integer(0, 24 * 60),
            "The roll call and check-in of a session open this many minutes before it starts"),
    Setting("ATTENDANCE_GRACE_MINUTES", "ATTENDANCE_GRACE_MINUTES", 60, _integer(0, 24 * 60),
            "The roll call and check-in close this many minutes after a session ends; later only a late roll "
            "with a reason (audited)"),
    Setting("ATTENDANCE_LATE_DAYS", "ATTENDANCE_LATE_DAYS", 7, _integer(0, 366),
            "Days after a session ends during which its lecturer may record a late roll (the training office "
            "may at any time)"),
    Setting("CHECKIN_CODE_SECONDS", "CHECKIN_CODE_SECONDS", 120, _integer(10, 3600),
            "How long a check-in code stays valid (the lecturer's screen shows a new one before then)"),
    Setting("CHECKIN_LATE_MINUTES", "CHECKIN_LATE_MINUTES", 15, _integer(0, 24 * 60),
            "Checking in this many minutes after a session starts is recorded as late"),
    Setting("CHECKIN_LIMIT", "CHECKIN_LIMIT", "20 per minute", _rate_limit,
            "Check-in code entries allowed per person (so codes cannot be guessed)"),
    Setting("API_RATE_LIMIT", "API_RATE_LIMIT", "600 per minute", _rate_limit,
            "Requests allowed per API client (token) on /api/v1"),
    Setting("API_AUTH_FAILURE_LIMIT", "API_AUTH_FAILURE_LIMIT", "20 per minute", _rate_limit,
            "API requests without a valid token allowed per client address before it gets 429"),
    Setting("ALLOCATION_TIME_LIMIT", "ALLOCATION_TIME_LIMIT", 20, _integer(1, 3600),
            "Seconds the allocation solver may search for a balanced allocation"),
    Setting("ITEM_ANALYSIS_MIN_SAMPLE", "ITEM_ANALYSIS_MIN_SAMPLE", 30, _integer(1, 100_000),
            "Item analysis warns when an exam (or a question) has fewer graded answers than this"),
    Setting("LOG_FORMAT", "LOG_FORMAT", "text", _one_of("a log format", "text", "json"),
            "Log lines as plain text or as one JSON object a line (app/core/request_log.py)"),
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
    # Redis down: count in each process's memory instead of failing requests (app/extensions.py), and give
    # up on a Redis call after 1 s (ignored by the memory storage).
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    "WTF_CSRF_SSL_STRICT": True,
    "TESTING": False,
}


def load_config(instance_path: str, environ: Mapping[str, str] | None = None,
                domain_parsers: Mapping[str, Callable[[str], Any]] | None = None) -> dict:
    """Defaults, then the environment, each value parsed and checked; `create_app(config=...)` overrides on top.

    Raises ConfigError naming every bad variable. `domain_parsers` ({env: parse}) checks the settings of
    DOMAIN_EXPECTED with their domain's own parser; create_app passes them (a caller without them skips those two).
    """
    environ = os.environ if environ is None else environ
    config = dict(FIXED)
    problems = []
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw in (None, ""):
            config[setting.key] = setting.default
            continue
        try:
            config[setting.key] = setting.parse(raw)
            if domain_parsers and setting.env in domain_parsers:
                domain_parsers[setting.env](raw)
        except SettingError as error:
            config[setting.key] = setting.default  # so the rules between settings below can still be checked
            problems.append(f"{setting.env}={_shown(raw)!r} {error}")
        except Exception as error:  # a domain parser's own error, or a plain parse function's ValueError
            config[setting.key] = setting.default
            expected = DOMAIN_EXPECTED.get(setting.env, f"is not valid ({error})")
            problems.append(f"{setting.env}={_shown(raw)!r} {expected}")
    problems += _combination_problems(config)
    if problems:
        raise ConfigError(problems)
    if config["APP_ENV"] == "production" and not config["SESSION_COOKIE_SECURE"]:
        # A warning, not a refusal: an office network may serve plain HTTP on purpose; README says when to set it.
        log.warning("APP_ENV=production with SESSION_COOKIE_SECURE=false: session cookies are sent over plain HTTP "
                    "too; set SESSION_COOKIE_SECURE=true behind TLS")
    if not config["SQLALCHEMY_DATABASE_URI"]:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "toll_training.db")
    return config


def _shown(raw: str) -> str:
    """The value as the error line shows it: a URL's password (DATABASE_URL, a Redis URL) masked, as it goes to logs."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", raw)


def _combination_problems(config: dict) -> list[str]:
    """Rules between settings, and production mode's: without DATABASE_URL it would quietly run on a SQLite file
    in instance/, and without SECRET_KEY each server would sign with its own generated key (README)."""
    problems = []
    if config["ARGON2_MEMORY_KIB"] < 8 * config["ARGON2_PARALLELISM"]:
        problems.append(f"ARGON2_MEMORY_KIB={config['ARGON2_MEMORY_KIB']} is below 8 KiB per lane "
                        f"(expected at least {8 * config['ARGON2_PARALLELISM']} for "
                        f"ARGON2_PARALLELISM={config['ARGON2_PARALLELISM']})")
    if config["APP_ENV"] == "production":
        if not config["SQLALCHEMY_DATABASE_URI"]:
            problems.append("DATABASE_URL is not set (expected with APP_ENV=production: the database's URL, e.g. "
                            "postgresql+psycopg://toll:PASSWORD@db.internal:5432/toll)")
        if not config["SECRET_KEY"]:
            problems.append("SECRET_KEY is not set (expected with APP_ENV=production: a long random value, the same "
                            "on every app server)")
    return problems


def load_env_file(environ: MutableMapping[str, str] | None = None) -> Path | None:
    """Put an env file's variables into `environ` (os.environ), never over one already set; the file read, or None.

    The one rule for every entry point (wsgi.py: gunicorn and `flask --app wsgi …`): ENV_FILE names the file,
    which must exist; without it, `.env` in the current directory or the nearest one above it, the same file
    Flask's CLI loads by itself (and, like it, none when FLASK_SKIP_DOTENV is true). With ENV_FILE set, a `.env`
    found that way is refused: the flask command would load it first and its values would win.
    """
    import dotenv

    environ = os.environ if environ is None else environ
    named = (environ.get("ENV_FILE") or "").strip()
    found = dotenv.find_dotenv(".env", usecwd=True)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError([f"ENV_FILE={named!r} is not a file (expected the path of an existing file of "
                               "NAME=value lines, e.g. /etc/toll/env)"])
        if found and Path(found).resolve() != path.resolve():
            raise ConfigError([f"ENV_FILE={named!r} is set but {found} exists too (expected one env file: remove "
                               f"{found} or unset ENV_FILE)"])
    elif found and (environ.get("FLASK_SKIP_DOTENV") or "").lower() in ("", "0", "false", "no"):  # as flask.helpers
        path = Path(found)
    else:
        return None
    try:
        values = dotenv.dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"The env file {path} cannot be read ({error.__class__.__name__}; expected a readable "
                           "UTF-8 file of NAME=value lines)"]) from None
    for name, value in values.items():
        if value is not None and name not in environ:
            environ[name] = value
    return path


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
