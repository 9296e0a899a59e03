"""The embedded SQLite database runs in WAL mode with full fsync, foreign keys and a busy timeout."""

import sqlite3

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import BASE_TEST_CONFIG


@pytest.fixture
def file_app(tmp_path):
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'settings.db'}",
                      "SQLITE_BUSY_TIMEOUT_MS": 4321})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _pragma(connection, name):
    return connection.execute(text(f"PRAGMA {name}")).scalar()


def test_every_new_connection_is_configured(file_app):
    for _ in range(2):
        db.engine.dispose()  # the next connect opens a brand-new DB-API connection
        with db.engine.connect() as connection:
            assert _pragma(connection, "journal_mode") == "wal"
            assert _pragma(connection, "synchronous") == 2  # FULL
            assert _pragma(connection, "foreign_keys") == 1
            assert _pragma(connection, "busy_timeout") == 4321


def test_wal_mode_is_stored_in_the_file(file_app, tmp_path):
    with db.engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.commit()
    plain = sqlite3.connect(tmp_path / "settings.db")
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        plain.close()


def test_session_connections_have_foreign_keys_on(file_app):
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() > 0
