"""`flask backup DEST`: an online copy of the SQLite database, checked, never silently overwriting."""

import sqlite3

import pytest

from app import create_app
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


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert list(tmp_path.iterdir()) == []
