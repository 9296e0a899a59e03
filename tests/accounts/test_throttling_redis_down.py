"""Redis down: logins and the API keep working, password guesses are still counted (in each process's
memory), and the outage is logged once a minute, not once a request."""

import logging

import pytest

from app import create_app
from app.api import clients
from app.api.scopes import SCOPES
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import FallbackLimiter, db
from tests.conftest import BASE_TEST_CONFIG
from tests.factories import PASSWORD

NOBODY_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down_client(app, monkeypatch):
    """A client of an app on the test's database whose rate-limit storage is a Redis nobody listens on."""
    monkeypatch.setattr(FallbackLimiter, "_last_warning", 0.0)
    down = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "RATELIMIT_STORAGE_URI": NOBODY_LISTENS, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes"})
    yield down.test_client()
    with down.app_context():
        db.engine.dispose()


def _ratelimit_warnings(caplog):
    return [r for r in caplog.records if r.name == "app.ratelimit" and r.levelno == logging.WARNING]


def test_the_right_password_logs_in(redis_down_client, users, caplog):
    with caplog.at_level(logging.WARNING):
        response = redis_down_client.post("/login", data={"staff_no": "c0001", "password": PASSWORD})
        assert response.status_code == 302
        assert redis_down_client.get("/me").status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_wrong_passwords_are_still_counted_in_this_process(redis_down_client, users, caplog):
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            response = redis_down_client.post("/login", data={"staff_no": "c0001", "password": "wrong-Pa55word"})
            assert response.status_code == 200
        response = redis_down_client.post("/login", data={"staff_no": "c0001", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert len(_ratelimit_warnings(caplog)) <= 1, "one warning a minute, not one a request"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_api_calls_work(redis_down_client, users):
    _client, token = clients.create_client(users[Role.ADMIN], "HR system", list(SCOPES), ip="test", now=utcnow())
    db.session.commit()
    for _ in range(3):
        response = redis_down_client.get("/api/v1/staff", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
    assert redis_down_client.get("/api/v1/staff", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_direct_strategy_falls_back_and_warns_once(app, monkeypatch, caplog):
    """throttling.py and api/auth.py call the strategy directly: a storage error there must not 500."""
    from limits import parse

    from app.extensions import limiter

    monkeypatch.setattr(FallbackLimiter, "_last_warning", 0.0)
    down = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "RATELIMIT_STORAGE_URI": NOBODY_LISTENS})
    item = parse("2 per minute")
    with down.app_context(), caplog.at_level(logging.WARNING, logger="app.ratelimit"):
        assert limiter.limiter.hit(item, "direct", "key")
        assert limiter.limiter.hit(item, "direct", "key")
        assert not limiter.limiter.hit(item, "direct", "key")
        limiter.limiter.clear(item, "direct", "key")
        assert limiter.limiter.test(item, "direct", "key")
        db.engine.dispose()
    assert len(_ratelimit_warnings(caplog)) == 1
