"""`flask backup DEST`: an online copy of the SQLite database, checked, never silently overwriting."""

import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from app.core import backup
from app.extensions import db
from tests import factories
from tests.conftest import BASE_TEST_CONFIG


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on its own SQLite file (whatever TEST_DATABASE_URL says), with one user in it."""
    app = create_app({**BASE_TEST_CONFIG, "BABEL_DEFAULT_LOCALE": "en",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}"})
    with app.app_context():
        db.create_all()
        factories.make_user("c0001", name="张三")
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _users_in(path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT staff_no FROM users")]
    finally:
        connection.close()


def test_backup_into_a_directory_gets_a_timestamped_file(sqlite_app, tmp_path):
    dest = tmp_path / "backups"
    dest.mkdir()
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    [copy] = list(dest.iterdir())
    assert copy.name.startswith("live-") and copy.suffix == ".db"
    assert _users_in(copy) == ["c0001"]
    assert "integrity check: ok" in result.output
    assert f"{copy.stat().st_size:,}" in result.output


def test_backup_refuses_to_overwrite_without_force(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    target = tmp_path / "copy.db"
    target.write_bytes(b"precious")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert target.read_bytes() == b"precious"
    result = runner.invoke(args=["backup", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert _users_in(target) == ["c0001"]


def test_backup_into_a_missing_directory_fails(sqlite_app, tmp_path):
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nope" / "copy.db")])
    assert result.exit_code == 1
    assert not (tmp_path / "nope").exists()


def test_backup_of_postgresql_prints_a_pg_dump_command_pg_dump_accepts(tmp_path):
    """pg_dump refuses SQLAlchemy's `postgresql+psycopg://`; the password stays out of the printed line."""
    app = create_app({**BASE_TEST_CONFIG, "BABEL_DEFAULT_LOCALE": "en",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://toll:s3cret@127.0.0.1:9/toll?sslmode=require"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    assert result.exit_code != 0
    assert ("pg_dump --format=custom --file=toll-$(date +\\%F).dump "
            "'postgresql://toll@127.0.0.1:9/toll?sslmode=require'") in result.output
    assert "+psycopg" not in result.output and "s3cret" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_the_printed_pg_dump_command_reaches_the_database(tmp_path):
    """The printed command, run by a shell, gets past pg_dump's URL parsing: it fails only on the closed port."""
    url = make_url("postgresql+psycopg://toll@127.0.0.1:9/toll")
    result = subprocess.run(["/bin/sh", "-c", backup.pg_dump_command(url)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "port 9 failed" in result.stderr and "does not exist" not in result.stderr, result.stderr
