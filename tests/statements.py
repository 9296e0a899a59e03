"""Counting the SQL statements a request runs, for tests that hold a page to a constant number of them."""

from sqlalchemy import event

from app.extensions import db


def statements(client, path: str) -> int:
    """How many SQL statements one GET of `path` runs (the session's and user's load included); it must answer 200."""
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert response.status_code == 200, (path, response.status_code)
    return count
