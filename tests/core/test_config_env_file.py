"""The env file every entry point reads (app/config.py, load_env_file): ENV_FILE, else the `.env` Flask's CLI would
find; never over a variable already set; a missing ENV_FILE or two competing files are one clear error."""

import pytest

from app.config import ConfigError, load_env_file


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """A working directory with no .env in it or above it (tmp_path's parents are the system's temp folders)."""
    work = tmp_path / "srv"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_env_file_fills_what_the_environment_does_not_set(cwd, tmp_path):
    path = tmp_path / "env"
    path.write_text('# the operator\'s file\nTIMEZONE=Asia/Urumqi\nLOGIN_LIMIT_PER_IP="80 per 15 minutes"\n'
                    "SECRET_KEY=from-the-file\n", encoding="utf-8")
    environ = {"ENV_FILE": str(path), "SECRET_KEY": "from-the-environment"}
    assert load_env_file(environ) == path
    assert environ == {"ENV_FILE": str(path), "SECRET_KEY": "from-the-environment", "TIMEZONE": "Asia/Urumqi",
                       "LOGIN_LIMIT_PER_IP": "80 per 15 minutes"}


def test_a_missing_env_file_is_one_clear_error(cwd, tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_env_file({"ENV_FILE": str(tmp_path / "nope")})
    assert str(caught.value) == (f"ENV_FILE='{tmp_path / 'nope'}' is not a file (expected the path of an existing "
                                 "file of NAME=value lines, e.g. /etc/toll/env)")


def test_without_env_file_the_dot_env_of_the_working_directory_is_read(cwd):
    (cwd / ".env").write_text("APP_ENV=production\n", encoding="utf-8")
    environ = {}
    assert load_env_file(environ) == cwd / ".env"
    assert environ == {"APP_ENV": "production"}


def test_a_dot_env_above_the_working_directory_is_found_as_flask_finds_it(cwd, monkeypatch):
    (cwd / ".env").write_text("APP_ENV=production\n", encoding="utf-8")
    (cwd / "sub").mkdir()
    monkeypatch.chdir(cwd / "sub")
    environ = {}
    assert load_env_file(environ) == cwd / ".env"


def test_flask_skip_dotenv_skips_the_dot_env_as_for_the_flask_command(cwd):
    (cwd / ".env").write_text("APP_ENV=production\n", encoding="utf-8")
    environ = {"FLASK_SKIP_DOTENV": "1"}
    assert load_env_file(environ) is None
    assert environ == {"FLASK_SKIP_DOTENV": "1"}


def test_no_file_at_all_changes_nothing(cwd):
    environ = {}
    assert load_env_file(environ) is None
    assert environ == {}


def test_env_file_and_a_different_dot_env_are_refused(cwd, tmp_path):
    (cwd / ".env").write_text("APP_ENV=development\n", encoding="utf-8")
    (tmp_path / "env").write_text("APP_ENV=production\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ENV_FILE='.*env' is set but .*/srv/\.env exists too \(expected one env"):
        load_env_file({"ENV_FILE": str(tmp_path / "env")})


def test_env_file_naming_the_dot_env_itself_is_fine(cwd):
    (cwd / ".env").write_text("APP_ENV=production\n", encoding="utf-8")
    environ = {"ENV_FILE": ".env"}
    assert load_env_file(environ).resolve() == (cwd / ".env").resolve()
    assert environ["APP_ENV"] == "production"
