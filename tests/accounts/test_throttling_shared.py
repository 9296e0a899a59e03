"""With Redis storage, failed logins counted by one worker process throttle logins on another."""

import socket
import subprocess
import sys
import textwrap
import uuid

import pytest

from app.core.roles import Role
from tests.conftest import BASE_TEST_CONFIG

REDIS = ("127.0.0.1", 6379)


def _redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")

REDIS_URI = f"redis://{REDIS[0]}:{REDIS[1]}/15"
OTHER_WORKER = textwrap.dedent(
    """
    import json, sys
    from app import create_app
    config = json.loads(sys.argv[1])
    client = create_app(config).test_client()
    for _ in range(3):
        client.post("/login", data={"staff_no": "c0001", "password": "wrong-Pa55word"})
    """
)


def test_failures_counted_by_another_worker_process_throttle_this_one(app, client, users):
    import json

    db_url = app.config["SQLALCHEMY_DATABASE_URI"]
    prefix = f"test-{uuid.uuid4().hex}"  # keys of this run only
    config = {**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db_url, "RATELIMIT_STORAGE_URI": REDIS_URI,
              "RATELIMIT_KEY_PREFIX": prefix, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes"}
    subprocess.run([sys.executable, "-c", OTHER_WORKER, json.dumps(config)], check=True, timeout=60)

    from app import create_app

    this_worker = create_app(config).test_client()
    response = this_worker.post("/login", data={"staff_no": users[Role.COLLECTOR].staff_no,
                                                "password": "Test@2026pw"})
    assert response.status_code == 429
