"""The audit log is append-only: the ORM refuses changes and database triggers refuse raw SQL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app.audit import actions
from app.audit.models import AuditEvent, AuditLogIsAppendOnly
from app.audit.services import record
from app.extensions import db


@pytest.fixture
def event(app):
    made = record(actions.LOGOUT, actor=None, ip="10.0.0.1", now=datetime(2026, 1, 1, tzinfo=UTC),
                  details={"marker": "original"})
    db.session.commit()
    return made


def _unchanged(event_id: int) -> None:
    db.session.rollback()
    db.session.expire_all()
    row = db.session.get(AuditEvent, event_id)
    assert row is not None
    assert row.ip == "10.0.0.1"
    assert row.details == {"marker": "original"}


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET ip = 'forged'", "DELETE FROM audit_events"],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_change_or_delete_events(event, statement):
    event_id = event.id
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    _unchanged(event_id)


def test_raw_sql_on_a_separate_connection_is_refused_too(event):
    event_id = event.id
    with db.engine.connect() as connection:
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("UPDATE audit_events SET details = '{}' WHERE id = :id"), {"id": event_id})
        connection.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event_id})
        connection.rollback()
    _unchanged(event_id)


def test_orm_update_is_refused(event):
    event_id = event.id
    event.ip = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    _unchanged(event_id)


def test_orm_delete_is_refused(event):
    event_id = event.id
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    _unchanged(event_id)


@pytest.mark.parametrize("statement", [update(AuditEvent).values(ip="forged"), delete(AuditEvent)],
                         ids=["bulk-update", "bulk-delete"])
def test_orm_bulk_statements_are_refused_by_the_database(event, statement):
    event_id = event.id
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(statement.execution_options(synchronize_session=False))
    _unchanged(event_id)


def test_new_events_can_still_be_added(event):
    record(actions.LOGOUT, actor=None, ip="10.0.0.2", now=datetime(2026, 1, 2, tzinfo=UTC))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 2
