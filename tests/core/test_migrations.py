"""The migrations build exactly the schema the models describe, and can be undone and redone."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.extensions import db
from tests.conftest import BASE_TEST_CONFIG


def _url(migrated_database: str) -> str:
    return migrated_database if "://" in migrated_database else f"sqlite:///{migrated_database}"


def test_models_and_migrations_agree(app, migrated_database):
    engine = create_engine(_url(migrated_database))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    for difference in differences:
        print(difference)
    assert differences == [], "models and migrations differ; run `flask --app wsgi db migrate`"


@pytest.fixture
def scratch_app(tmp_path):
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'scratch.db'}"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _triggers() -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())


def test_downgrade_to_base_and_upgrade_again(scratch_app):
    upgrade()
    model_tables = {table.name for table in db.metadata.sorted_tables}
    assert model_tables <= _tables()
    assert _triggers() >= {"audit_events_no_update", "audit_events_no_delete"}

    downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    assert _triggers() == set()

    upgrade()
    assert model_tables <= _tables()
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_events (at, actor_staff_no, ip, action, details) "
            "VALUES ('2026-01-01 00:00:00', '', '', 'logout', '{}')"
        ))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
