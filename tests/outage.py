"""A database that refuses every new connection, as a stopped or restarting server does."""

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def database_down():
    """Inside the block the app's engine cannot connect (its pooled connections are dropped first)."""
    db.session.remove()
    engine = db.engine
    engine.dispose()

    def refuse(dialect, _record, _args, _params):
        raise dialect.loaded_dbapi.OperationalError("connection refused (test: the database is down)")

    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
        engine.dispose()
