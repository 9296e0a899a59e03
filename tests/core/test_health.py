"""/healthz answers without I/O; /readyz checks the database, its schema revision and Redis, and says which
failed. Neither loads a user, sets a cookie, counts against a rate limit or is audited."""

import logging

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.audit.models import AuditEvent
from app.core.health import migration_heads
from app.core.roles import Role
from app.extensions import db
from tests.conftest import BASE_TEST_CONFIG
from tests.outage import database_down
from tests.statements import recorded_statements


def test_healthz_is_ok_without_touching_the_database(client, login, users):
    login(users[Role.ADMIN])  # a session cookie is sent along: it must not make the probe load the user
    with recorded_statements() as seen:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert seen == []


def test_healthz_stays_ok_while_the_database_is_down(client):
    with database_down():
        assert client.get("/healthz").status_code == 200


def test_readyz_lists_its_checks_when_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations"}, "no Redis check with memory storage"
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_fails_for_a_database_at_an_older_revision(app, client, caplog):
    (head,) = migration_heads(app)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0011_shipped_upgrades'"))
    try:
        with caplog.at_level(logging.WARNING, logger="app.health"):
            response = client.get("/readyz")
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is False
    assert "0011_shipped_upgrades" in body["checks"]["migrations"]["detail"]
    assert head in body["checks"]["migrations"]["detail"]
    assert any("migrations" in r.getMessage() for r in caplog.records if r.name == "app.health")


def test_readyz_fails_while_the_database_is_down(client):
    with database_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] is False and "refused" in checks["database"]["detail"]
    assert checks["migrations"]["ok"] is False


def test_readyz_fails_when_redis_does_not_answer(app):
    """Nothing listens on port 1: the PING is refused (a host that drops packets fails after 1 s)."""
    redis_down = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    response = redis_down.test_client().get("/readyz")
    with redis_down.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["redis"]["ok"] is False
    assert checks["database"]["ok"] is True


@pytest.mark.app_config(WTF_CSRF_ENABLED=True, API_AUTH_FAILURE_LIMIT="1 per minute",
                        LOGIN_LIMIT_PER_IP="1 per minute")
def test_probes_are_never_rate_limited_audited_or_refused_for_csrf(client):
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    assert client.post("/healthz").status_code == 405  # GET and HEAD only: nothing to protect
    assert client.head("/readyz").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
