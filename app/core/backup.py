"""Online backup of the embedded SQLite database.

sqlite3's Connection.backup copies the database in one read transaction, so the copy is a
consistent snapshot even while the app keeps writing in WAL mode (readers never block writers).
The copy is written to a temporary file next to the destination, checked with
PRAGMA integrity_check, flushed to disk and only then renamed into place.
"""

import os
import shlex
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.core.i18n import lazy_gettext as _l

BUSY_TIMEOUT_MS = 30_000


class BackupError(Exception):
    """The backup was refused or failed; the message is translated (lazy)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int


def pg_dump_command(url) -> str:
    """The pg_dump command for a PostgreSQL database URL (a sqlalchemy URL), to paste into a shell or a crontab.

    pg_dump reads libpq URLs: `postgresql://…` without SQLAlchemy's `+psycopg` (any `+driver`), which it refuses.
    The password is left out of the printed line (it would land in shell history and crontabs): pg_dump takes it
    from ~/.pgpass or PGPASSWORD. `%` is escaped because cron turns a bare `%` into a new line.
    """
    libpq = url._replace(drivername=url.get_backend_name(), password=None).render_as_string(hide_password=False)
    return f"pg_dump --format=custom --file=toll-$(date +\\%F).dump {shlex.quote(libpq)}"


def target_path(source: Path, dest: Path, now: datetime) -> Path:
    """DEST itself, or a time-stamped file inside DEST when it is a directory."""
    if dest.is_dir():
        return dest / f"{source.stem}-{now:%Y%m%d-%H%M%S}{source.suffix or '.db'}"
    return dest


def backup_sqlite(source: Path, dest: Path, *, force: bool = False, now: datetime) -> BackupResult:
    if not str(source) or str(source) == ":memory:":
        raise BackupError(_l("An in-memory database cannot be backed up."))
    if not source.is_file():
        raise BackupError(_l("The database file %(path)s does not exist.", path=source))
    target = target_path(source, dest, now)
    if target.resolve() == source.resolve():
        raise BackupError(_l("The backup cannot overwrite the database itself."))
    if target.exists() and not force:
        raise BackupError(_l("%(path)s already exists; add --force to overwrite it.", path=target))
    if not target.parent.is_dir():
        raise BackupError(_l("The directory %(path)s does not exist.", path=target.parent))

    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_directory(target.parent)
    return BackupResult(path=target, size=target.stat().st_size)


def _copy(source: Path, partial: Path) -> None:
    partial.unlink(missing_ok=True)
    source_connection = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        source_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        copy_connection = sqlite3.connect(partial)
        try:
            # pages=-1: everything in one step, i.e. one consistent snapshot.
            source_connection.backup(copy_connection, pages=-1)
            # A plain single-file database (no -wal/-shm beside it) is easiest to move and restore.
            copy_connection.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in copy_connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(
                    _l("The copy failed its integrity check: %(problems)s", problems="; ".join(problems[:5]))
                )
        finally:
            copy_connection.close()
    except sqlite3.Error as error:
        raise BackupError(_l("The backup failed: %(error)s", error=error)) from error
    finally:
        source_connection.close()
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
