"""A bad setting stops the start with one line naming the variable, its value and what is expected, instead of a
500 on the first page that reads it (or, for a boolean typo, a silently different meaning)."""

import logging

import pytest

from app import create_app
from app.config import ConfigError, load_config

GOOD_PG = "postgresql+psycopg://toll@db.internal:5432/toll"


def _problems(tmp_path, **environ) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path), environ=environ)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("env, raw, expected", [
    ("TIMEZONE", "Asia/Shangai", "is not a time zone (expected an IANA name such as Asia/Shanghai)"),
    ("TIMEZONE", "../../etc/passwd", "is not a time zone"),
    ("DEFAULT_LOCALE", "fr", "is not a language of the app (expected zh_Hans or en)"),
    ("RATELIMIT_STORAGE_URI", "redis:/cache", "is not a rate-limit storage URI (expected one of"),
    ("RATELIMIT_STORAGE_URI", "async+redis://cache:6379/0", "is not a rate-limit storage URI"),
    ("LOGIN_LIMIT_PER_ACCOUNT", "10 every 15 minutes", "is not a rate limit"),
    ("CHECKIN_LIMIT", "many", "is not a rate limit"),
    ("API_RATE_LIMIT", "600 per fortnight", "is not a rate limit"),
    ("TRAINING_ATTENDANCE_RULE", "most", "is not an attendance rule (expected all or any or none)"),
    ("SESSION_COOKIE_SECURE", "ture", "is not a boolean (expected true/false, 1/0, yes/no or on/off)"),
    ("SESSION_IDLE_MINUTES", "0", "is not a whole number from 1 to"),
    ("SESSION_MAX_HOURS", "1.5", "is not a whole number"),
    ("PROXY_FIX_HOPS", "-1", "is not a whole number from 0 to 10"),
    ("CHECKIN_CODE_SECONDS", "99999999999", "is not a whole number from 10 to 3600"),
    ("UPLOAD_MAX_MB", "0", "is not a number of MiB more than 0"),
    ("UPLOAD_MAX_MB", "nan", "is not a number of MiB"),
    ("CSRF_TIME_LIMIT_HOURS", "-2", "is not a number of hours more than 0"),
    ("APP_ENV", "prod", "is not a mode (expected development or production)"),
    ("DATABASE_URL", "not a url", "is not a database URL (expected sqlite:///"),
    ("DATABASE_URL", "mysql://toll@db/toll", "names the database 'mysql', which the app does not support"),
    ("DATABASE_URL", "postgresql+nosuchdriver://toll@db/toll", "names the driver 'postgresql+nosuchdriver'"),
])
def test_a_bad_value_names_the_variable_the_value_and_what_is_expected(tmp_path, env, raw, expected):
    message = _problems(tmp_path, **{env: raw})
    assert message.startswith(f"{env}={raw!r} {expected}")


def test_a_password_in_a_bad_url_is_not_shown(tmp_path):
    message = _problems(tmp_path, DATABASE_URL="oracle://toll:s3cret@db/toll",
                        RATELIMIT_STORAGE_URI="redis+nope://:s3cret@cache:6379/0")
    assert "s3cret" not in message
    assert "DATABASE_URL='oracle://toll:***@db/toll' names the database 'oracle'" in message
    assert "RATELIMIT_STORAGE_URI='redis+nope://:***@cache:6379/0' is not a rate-limit storage URI" in message


def test_every_bad_variable_is_named_in_one_line(tmp_path):
    message = _problems(tmp_path, TIMEZONE="Asia/Shangai", SESSION_COOKIE_SECURE="ture", UPLOAD_MAX_MB="-1")
    assert [part.split("=")[0] for part in message.split("; ")] == ["TIMEZONE", "UPLOAD_MAX_MB",
                                                                    "SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("env, raw", [
    ("TIMEZONE", "Europe/Berlin"), ("DEFAULT_LOCALE", "en"), ("RATELIMIT_STORAGE_URI", "redis+unix:///run/redis.sock"),
    ("RATELIMIT_STORAGE_URI", "rediss://cache:6380/0"), ("LOGIN_LIMIT_PER_IP", "100/hour"),
    ("TRAINING_ATTENDANCE_RULE", "none"), ("DATABASE_URL", GOOD_PG), ("DATABASE_URL", "sqlite:////srv/toll/toll.db"),
    ("PROXY_FIX_HOPS", "0"), ("SESSION_COOKIE_SECURE", "off"), ("APP_ENV", "development"),
])
def test_good_values_pass(tmp_path, env, raw):
    load_config(str(tmp_path), environ={env: raw})


def test_argon2_memory_must_cover_its_lanes(tmp_path):
    message = _problems(tmp_path, ARGON2_MEMORY_KIB="64", ARGON2_PARALLELISM="16")
    assert message == "ARGON2_MEMORY_KIB=64 is below 8 KiB per lane (expected at least 128 for ARGON2_PARALLELISM=16)"


def test_production_refuses_to_start_without_database_url_and_secret_key(tmp_path):
    message = _problems(tmp_path, APP_ENV="production", SESSION_COOKIE_SECURE="true")
    assert message.split("; ") == [
        "DATABASE_URL is not set (expected with APP_ENV=production: the database's URL, e.g. "
        "postgresql+psycopg://toll:PASSWORD@db.internal:5432/toll)",
        "SECRET_KEY is not set (expected with APP_ENV=production: a long random value, the same on every app server)",
    ]


def test_production_with_both_starts_and_warns_about_insecure_cookies(tmp_path, caplog):
    environ = {"APP_ENV": "production", "DATABASE_URL": GOOD_PG, "SECRET_KEY": "k" * 64}
    with caplog.at_level(logging.WARNING, logger="app.config"):
        config = load_config(str(tmp_path), environ=environ)
    assert config["APP_ENV"] == "production"
    assert "SESSION_COOKIE_SECURE=false" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.config"):
        load_config(str(tmp_path), environ={**environ, "SESSION_COOKIE_SECURE": "true"})
    assert caplog.text == ""


def test_development_needs_neither(tmp_path):
    assert load_config(str(tmp_path), environ={})["APP_ENV"] == "development"


@pytest.mark.parametrize("env, raw, expected", [
    ("TRAINING_SLOTS", "am=14:00-17:30,pm=08:30-12:00", "is not a pair of slot times (expected am=HH:MM-HH:MM"),
    ("TRAINING_SLOTS", "mornings", "is not a pair of slot times"),
    ("TRAINING_MAX_SHARE", "150%", "is not a share (expected a fraction, decimal or percentage more than 0"),
    ("TRAINING_MAX_SHARE", "a third", "is not a share"),
])
def test_create_app_checks_the_training_settings_with_their_own_parsers(tmp_path, monkeypatch, env, raw, expected):
    monkeypatch.setenv(env, raw)
    with pytest.raises(ConfigError, match=rf"^{env}='{raw}' {expected}".replace("(", r"\(").replace(")", r"\)")):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})
