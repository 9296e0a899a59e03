"""The SQL statements a request runs: recorded, for tests that say which ones, or counted, for tests that hold a
page to a constant number of them."""

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def recorded_statements():
    """The statements run inside the block, each on one line, in order."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements(client, path: str) -> int:
    """How many SQL statements one GET of `path` runs (the session's and user's load included); it must answer 200."""
    with recorded_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)
