"""The floor of bench/exam_day.py: the least a write request can cost on this machine and database.

A bare WSGI app (no Flask, no session, no template) that runs one indexed UPDATE and a commit per request on the
same database as the app, with the app's SQLite settings, served by gunicorn with the same gunicorn.conf.py.
A save cannot be cheaper than this, so the save endpoint's closed-loop throughput divided by this one says how
much of a save is the app's own work. `GET /<id>` bumps row <id> of `bench_floor` (made by exam_day.py).
"""

import os

from sqlalchemy import create_engine, text

from app.core.sqlite import configure_sqlite

_engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=False)
configure_sqlite(_engine, int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000")))
_UPDATE = text("UPDATE bench_floor SET hits = hits + 1 WHERE id = :id")


def app(environ, start_response):
    try:
        row = int(environ.get("PATH_INFO", "/").strip("/") or "1")
    except ValueError:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"bad id"]
    with _engine.begin() as connection:
        connection.execute(_UPDATE, {"id": row})
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
