"""app.core.backup: consistent copies of a live WAL database."""

import sqlite3
from datetime import UTC, datetime

import pytest

from app.core.backup import BackupError, backup_sqlite, target_path

NOW = datetime(2026, 3, 1, 8, 30, 5, tzinfo=UTC)


@pytest.fixture
def live(tmp_path):
    """A WAL database with committed rows still in the WAL (no checkpoint yet)."""
    path = tmp_path / "live.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    yield path, connection
    connection.close()


def _rows(path) -> list[int]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT n FROM t ORDER BY n")]
    finally:
        connection.close()


def test_copy_includes_committed_rows_still_in_the_wal(live, tmp_path):
    path, _connection = live
    assert (tmp_path / "live.db-wal").stat().st_size > 0
    result = backup_sqlite(path, tmp_path / "copy.db", now=NOW)
    assert _rows(result.path) == list(range(100))
    assert result.size == result.path.stat().st_size > 0


def test_copy_while_another_connection_is_writing_is_a_consistent_snapshot(live, tmp_path):
    path, connection = live
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("DELETE FROM t WHERE n >= 50")
    result = backup_sqlite(path, tmp_path / "copy.db", now=NOW)
    connection.execute("COMMIT")  # the writer was never blocked
    assert _rows(result.path) == list(range(100))
    assert _rows(path) == list(range(50))


def test_copy_is_a_single_file_database(live, tmp_path):
    path, _connection = live
    result = backup_sqlite(path, tmp_path / "copy.db", now=NOW)
    copy = sqlite3.connect(result.path)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]


def test_directory_destination_gets_a_timestamped_name(tmp_path):
    assert target_path(tmp_path / "toll.db", tmp_path, NOW) == tmp_path / "toll-20260301-083005.db"
    assert target_path(tmp_path / "toll.db", tmp_path / "x.db", NOW) == tmp_path / "x.db"


def test_existing_destination_is_kept_unless_forced(live, tmp_path):
    path, _connection = live
    target = tmp_path / "copy.db"
    target.write_bytes(b"old")
    with pytest.raises(BackupError):
        backup_sqlite(path, target, now=NOW)
    assert target.read_bytes() == b"old"
    backup_sqlite(path, target, force=True, now=NOW)
    assert _rows(target) == list(range(100))


def test_refuses_missing_source_and_copying_onto_itself(live, tmp_path):
    path, _connection = live
    with pytest.raises(BackupError):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "copy.db", now=NOW)
    with pytest.raises(BackupError):
        backup_sqlite(path, path, force=True, now=NOW)
    assert not (tmp_path / "missing.db").exists()


def test_no_partial_file_is_left_when_the_source_is_not_a_database(tmp_path):
    source = tmp_path / "garbage.db"
    source.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError):
        backup_sqlite(source, tmp_path / "copy.db", now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.db"]
