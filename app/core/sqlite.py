"""Durability settings for the embedded SQLite database, applied on every connection."""

import fcntl
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """foreign_keys, synchronous=FULL and busy_timeout are per connection; WAL is per file.

    WAL is switched on once, under a file lock, so workers starting together do not race for the
    exclusive lock the switch needs.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    lock_path = Path(database + ".lock") if database and database != ":memory:" else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        if lock_path is not None:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                with open(lock_path, "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
