"""Settings: every one documented in the README, parsed from the environment, secret key kept in instance/."""

import os
import re
import stat
from pathlib import Path

import pytest

from app import create_app
from app.config import SETTINGS, ConfigError, instance_secret_key, load_config

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented_in_the_readme(setting):
    assert re.search(rf"`{setting.env}`", README), f"{setting.env} is missing from README.md"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_in_the_example_env_file(setting):
    example = (ROOT / "docs" / "deploy" / "env.example").read_text(encoding="utf-8")
    assert re.search(rf"^(# )?{setting.env}=", example, flags=re.MULTILINE) or setting.env == "ENV_FILE", setting.env


def test_readme_quick_start_and_ci_use_the_same_test_command():
    commands = re.findall(r"^(python3 -m venv \.venv && .+)$", README, flags=re.MULTILINE)
    assert any("flask --app wsgi demo" in c and "flask --app wsgi run" in c for c in commands)
    test_commands = [c for c in commands if "pytest" in c]
    assert test_commands, "README has no one-line test command"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(c in ci for c in test_commands), ".ci/run must run the README's test command"
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_defaults_without_environment(tmp_path):
    config = load_config(str(tmp_path), environ={})
    for setting in SETTINGS:
        if setting.default is not None:
            assert config[setting.key] == setting.default, setting.env
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'toll_training.db'}"
    assert config["SECRET_KEY"] is None
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_values_are_parsed(tmp_path):
    config = load_config(str(tmp_path), environ={
        "DATABASE_URL": "postgresql+psycopg://toll@db/toll",
        "UPLOAD_MAX_MB": "2.5",
        "SESSION_COOKIE_SECURE": "TRUE",
        "PROXY_FIX_HOPS": "1",
        "CSRF_TIME_LIMIT_HOURS": "1.5",
        "SESSION_IDLE_MINUTES": "30",
        "RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
        "TIMEZONE": "Asia/Urumqi",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://toll@db/toll"
    assert config["MAX_CONTENT_LENGTH"] == int(2.5 * 1024 * 1024)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["PROXY_FIX_HOPS"] == 1
    assert config["WTF_CSRF_TIME_LIMIT"] == 5400
    assert config["SESSION_IDLE_MINUTES"] == 30
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert config["TIMEZONE"] == "Asia/Urumqi"


@pytest.mark.parametrize("raw, expected", [("1", True), ("yes", True), ("on", True), ("false", False),
                                           ("0", False), ("no", False), ("Off", False), (" TRUE ", True)])
def test_boolean_settings(tmp_path, raw, expected):
    assert load_config(str(tmp_path), environ={"SESSION_COOKIE_SECURE": raw})["SESSION_COOKIE_SECURE"] is expected


def test_empty_environment_value_means_default(tmp_path):
    config = load_config(str(tmp_path), environ={"SESSION_MAX_HOURS": "", "DATABASE_URL": ""})
    assert config["SESSION_MAX_HOURS"] == 12
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_bad_number_is_an_error_at_start(tmp_path):
    with pytest.raises(ConfigError, match=r"^SESSION_IDLE_MINUTES='soon' is not a whole number from 1 to 10080$"):
        load_config(str(tmp_path), environ={"SESSION_IDLE_MINUTES": "soon"})


def test_secret_key_is_created_once_and_reused(tmp_path):
    first = instance_secret_key(str(tmp_path / "instance"))
    second = instance_secret_key(str(tmp_path / "instance"))
    assert first == second
    assert len(first) >= 32
    path = tmp_path / "instance" / "secret_key"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_app_without_secret_key_uses_the_instance_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    first = create_app(settings)
    second = create_app(settings)
    assert first.secret_key == second.secret_key == (tmp_path / "instance" / "secret_key").read_text().strip()


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.secret_key == "from-the-environment"
    assert not (tmp_path / "instance" / "secret_key").exists()
