"""The README's cron line works from cron's bare environment, and a bad or missing setting stops the flask command
and gunicorn with one line and exit status 4 instead of a traceback (or, for gunicorn, workers booted for ever).

Each run is a real process under `env -i PATH=/usr/bin:/bin`, as cron starts it: the settings come only from the
env file the line names (ENV_FILE), here a temporary one naming a temporary SQLite database. The cron line is read
from README.md, so the documented line is the tested one.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BARE = ["env", "-i", "PATH=/usr/bin:/bin"]

pytestmark = [
    pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "flask").exists(),
                       reason="the README's commands run the checkout's .venv, which is missing"),
    pytest.mark.skipif(any((folder / ".env").exists() for folder in (ROOT, *ROOT.parents)),
                       reason="a .env in or above the checkout: with ENV_FILE set the app refuses to start (README)"),
]


def cron_command() -> str:
    """The close-overdue crontab line's command: the same in the command table and the deployment steps."""
    lines = set(re.findall(r"`\*/5 \* \* \* \* ([^`]+ exams close-overdue)`", README))
    assert len(lines) == 1, f"README's close-overdue cron lines differ: {lines}"
    [line] = lines
    assert line.startswith("cd /srv/toll && ENV_FILE=/etc/toll/env "), line
    return line


def run_bare(command: str, env_file: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    """`command` as cron runs it (/bin/sh, bare environment), with the checkout and env file in the README's place."""
    command = command.replace("/srv/toll", str(ROOT)).replace("/etc/toll/env", str(env_file))
    return subprocess.run([*BARE, "/bin/sh", "-c", command], capture_output=True, text=True, timeout=timeout,
                          check=False)


def write_env(tmp_path: Path, **settings: str) -> Path:
    path = tmp_path / "env"
    path.write_text("".join(f"{name}={value}\n" for name, value in settings.items()), encoding="utf-8")
    return path


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'toll.db'}",
            "SECRET_KEY": "bare-environment-test-key-0123456789abcdef", "SESSION_COOKIE_SECURE": "true",
            "INSTANCE_PATH": str(tmp_path / "instance")}


def assert_one_config_line(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 4, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Configuration error: ")]
    assert lines and set(lines) == {f"Configuration error: {expected}"}, result.stderr
    assert "Traceback" not in result.stderr


def test_the_readme_cron_line_runs_in_a_bare_environment(tmp_path, production_env):
    env_file = write_env(tmp_path, **production_env)
    migrate = run_bare("cd /srv/toll && ENV_FILE=/etc/toll/env .venv/bin/flask --app wsgi db upgrade", env_file)
    assert migrate.returncode == 0, migrate.stderr
    result = run_bare(cron_command(), env_file)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert (tmp_path / "toll.db").exists() and not (ROOT / "instance" / "toll.db").exists()


def test_without_database_url_production_stops_with_one_line(tmp_path, production_env):
    del production_env["DATABASE_URL"]
    result = run_bare(cron_command(), write_env(tmp_path, **production_env))
    assert_one_config_line(result, "DATABASE_URL is not set (expected with APP_ENV=production: the database's URL, "
                                   "e.g. postgresql+psycopg://toll:PASSWORD@db.internal:5432/toll)")
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # nothing else: one line


def test_a_missing_env_file_stops_with_one_line(tmp_path):
    result = run_bare(cron_command(), tmp_path / "nowhere")
    assert_one_config_line(result, f"ENV_FILE='{tmp_path / 'nowhere'}' is not a file (expected the path of an "
                                   "existing file of NAME=value lines, e.g. /etc/toll/env)")


@pytest.mark.parametrize("preload", ["true", "false"])
def test_gunicorn_with_a_bad_time_zone_stops_with_the_line_instead_of_booting_workers_again(tmp_path,
                                                                                             production_env, preload):
    """Preloaded (gunicorn.conf.py's default) the master stops at once; otherwise the worker exits with status 4,
    gunicorn's "App failed to load", and the master stops instead of booting new ones.

    Not preloaded, one worker: when two fail together, gunicorn 27.0.1's master may reap the second while halting
    for the first and raise its HaltServer again, ending with a traceback and status 1 (1 run in 4 here). That race
    is gunicorn's; the default, preloaded, never forks a worker with a bad setting."""
    env_file = write_env(tmp_path, **production_env, TIMEZONE="Asia/Shangai")
    workers = "2" if preload == "true" else "1"
    result = subprocess.run(
        [*BARE, f"ENV_FILE={env_file}", f"GUNICORN_PRELOAD={preload}", str(ROOT / ".venv" / "bin" / "gunicorn"),
         "-c", "gunicorn.conf.py", "--workers", workers, "--bind", "127.0.0.1:0", "--no-control-socket", "wsgi:app"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    line = "TIMEZONE='Asia/Shangai' is not a time zone (expected an IANA name such as Asia/Shanghai)"
    assert_one_config_line(result, line)
    if preload == "true":
        assert result.stderr.strip() == f"Configuration error: {line}"
    else:
        assert result.stderr.count("Configuration error: ") == 1  # the master stopped instead of booting another
