"""The per-account allowance is taken before the password is checked, so parallel guesses cannot overshoot it
(issue 14, finding 3: 25 parallel wrong logins used to have 12–13 passwords checked against a limit of 10)."""

import threading
import time
import uuid

import pytest

from app.accounts import passwords
from app.core.roles import Role
from tests.accounts.test_throttling_shared import REDIS_URI, _redis_reachable

pytestmark = pytest.mark.fresh_app  # limiter.init_app(app) points the rate limits at another storage

LIMIT, EXTRA = 10, 15
STORAGES = [
    pytest.param("memory://", id="memory"),
    pytest.param(REDIS_URI, id="redis",
                 marks=pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")),
]


@pytest.fixture
def slow_password_checks(monkeypatch):
    """Counts password checks and makes each take 50 ms, so requests really overlap."""
    checks, lock, verify = [], threading.Lock(), passwords.verify_password

    def counted(stored_hash, password):
        with lock:
            checks.append(password)
        time.sleep(0.05)
        return verify(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counted)
    return checks


def _in_parallel(app, count, data):
    """`count` login requests released together, each from its own client; their status codes."""
    barrier, statuses = threading.Barrier(count), []

    def post():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/login", data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


@pytest.mark.parametrize("storage", STORAGES)
def test_parallel_wrong_logins_for_one_account_check_at_most_the_limit(app, users, slow_password_checks, storage):
    app.config.update(RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                      LOGIN_LIMIT_PER_ACCOUNT=f"{LIMIT} per 15 minutes", LOGIN_LIMIT_PER_IP="1000 per 15 minutes")
    from app.extensions import limiter

    limiter.init_app(app)  # the storage named above
    data = {"staff_no": users[Role.COLLECTOR].staff_no, "password": "wrong-Pa55word"}
    statuses = _in_parallel(app, LIMIT + EXTRA, data)
    assert len(slow_password_checks) <= LIMIT
    assert statuses == [200] * len(slow_password_checks) + [429] * (LIMIT + EXTRA - len(slow_password_checks))
    assert len(slow_password_checks) == LIMIT  # nothing refused that the limit allowed
