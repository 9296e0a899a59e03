"""How a test's database is put into a known state: the migrated template, or the database `flask demo` leaves.

SQLite databases are files, so each state is a file copied over the test's database. A PostgreSQL test
database is emptied in place instead (see `empty_postgres_tables`), and the demo's rows are kept in a schema of
their own in the same database, from which they are inserted again: `CREATE DATABASE … TEMPLATE` would need an
engine, and so an app, per copy.
"""

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from app.extensions import db


def fresh_sqlite_copy(template: str | Path, copy: Path) -> None:
    """The template copied over `copy`, with no write-ahead log of an earlier test left beside it."""
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm"), Path(f"{copy}-journal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, copy)


RESTART_SEQUENCES = text(
    "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def _is_superuser(connection) -> bool:
    return connection.scalar(text("SELECT current_setting('is_superuser') = 'on'"))


def empty_postgres_tables(app: Flask, dispose: bool) -> None:
    """Every table emptied and every id sequence restarted, the state `TRUNCATE … RESTART IDENTITY` leaves.

    TRUNCATE costs about a second on this machine however few tables it names (it replaces their files);
    DELETE of the few rows a test leaves costs milliseconds. The deletes run with triggers off (the audit
    log's append-only trigger, the foreign keys: every table is emptied, so none is left dangling), which
    needs a superuser; any other role gets the TRUNCATE.
    """
    with app.app_context():
        db.session.remove()
        tables = [f'"{table.name}"' for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if _is_superuser(connection):
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                connection.exec_driver_sql("; ".join(f"DELETE FROM {table}" for table in tables))  # noqa: S608
                connection.execute(RESTART_SEQUENCES)
            else:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        if dispose:
            db.engine.dispose()


@dataclass
class DemoSnapshot:
    """The database one `flask demo` left on an empty database, and what that run returned and printed."""

    result: object  # click's Result: exit_code, output, stdout
    sqlite_file: Path | None  # a copy of the SQLite database
    postgres_schema: str | None  # a schema holding a copy of every table
    sequences: list[tuple[str, int]]  # PostgreSQL id sequences and their last values

    @classmethod
    def take(cls, app: Flask, result, database: Path | None, folder: Path, number: int) -> "DemoSnapshot":
        """Copies what the app's database holds now (the test's database, just after the demo loaded)."""
        db.session.remove()
        if database is not None:
            copy = folder / f"demo-{number}.db"
            source, target = sqlite3.connect(database), sqlite3.connect(copy)
            try:
                source.backup(target)  # reads the write-ahead log too
            finally:
                source.close()
                target.close()
            return cls(result=result, sqlite_file=copy, postgres_schema=None, sequences=[])
        schema = f"test_demo_snapshot_{number}"
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            for table in db.metadata.sorted_tables:
                connection.execute(text(f'CREATE TABLE "{schema}"."{table.name}" AS TABLE public."{table.name}"'))
            sequences = connection.execute(text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).all()
        return cls(result=result, sqlite_file=None, postgres_schema=schema, sequences=[tuple(row) for row in sequences])

    def restore(self, app: Flask, database: Path | None) -> None:
        """The app's database made what it was when the snapshot was taken (the app context stays pushed)."""
        db.session.remove()
        if self.sqlite_file is not None:
            db.engine.dispose()
            fresh_sqlite_copy(self.sqlite_file, database)
            return
        empty_postgres_tables(app, dispose=False)
        with db.engine.begin() as connection:
            if _is_superuser(connection):  # foreign keys off: some tables refer to each other both ways
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in db.metadata.sorted_tables:
                connection.execute(text(
                    f'INSERT INTO public."{table.name}" SELECT * FROM "{self.postgres_schema}"."{table.name}"'))  # noqa: S608
            for sequence, last_value in self.sequences:
                connection.execute(text("SELECT setval(:sequence, :value, true)"),
                                   {"sequence": sequence, "value": last_value})

    def drop(self, app: Flask) -> None:
        """The copy removed, so a PostgreSQL database given as TEST_DATABASE_URL is left as it was found."""
        if self.postgres_schema is not None:
            with app.app_context(), db.engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.postgres_schema}" CASCADE'))
