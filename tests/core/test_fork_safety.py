"""A worker forked from a preloaded master (gunicorn.conf.py's preload_app) opens its own database connection
instead of reusing one its parent had pooled (app/core/forking.py)."""

import json
import os
import warnings

from sqlalchemy import text

from app.extensions import db


def _identity(connection) -> str:
    """Which server-side connection this is: PostgreSQL's backend pid; SQLite has none, so the DB-API object."""
    if connection.dialect.name == "postgresql":
        return str(connection.execute(text("SELECT pg_backend_pid()")).scalar())
    return str(id(connection.connection.dbapi_connection))


def _in_child(work) -> dict:
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+ warns about fork with threads
        pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's cleanup
        try:
            result = work()
        except BaseException as error:  # noqa: BLE001 - the parent asserts on it
            result = {"error": repr(error)}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        body = reader.read()
    os.waitpid(pid, 0)
    return json.loads(body)


def test_a_forked_process_forgets_the_parents_pooled_connections_and_opens_its_own(app):
    db.engine.dispose()  # earlier tests of this shared app may have pooled several
    with db.engine.connect() as connection:
        parent = _identity(connection)
    assert db.engine.pool.checkedin() == 1  # the parent's connection waits in the pool

    def child():
        pooled = db.engine.pool.checkedin()
        with db.engine.connect() as connection:
            return {"pooled": pooled, "identity": _identity(connection),
                    "answer": connection.execute(text("SELECT 1")).scalar()}

    seen = _in_child(child)
    assert seen.get("error") is None, seen
    assert seen["pooled"] == 0 and seen["answer"] == 1
    assert seen["identity"] != parent
    with db.engine.connect() as connection:  # the parent's connection still works
        assert _identity(connection) == parent
