"""The app is built once per run, yet nothing a test does reaches the next one: its rows, the ids it used, the
settings it changed and the rate limits it spent are gone. The two tests run in file order, as a pair."""

from limits import parse
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db, limiter
from tests import factories

SEEN = {}
PROBE = parse("1 per hour")


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_a_test_leaves_rows_ids_settings_and_spent_limits_behind(app):
    SEEN.update(app=app, counts=_row_counts(), idle=app.config["SESSION_IDLE_MINUTES"])
    user = factories.make_user("leftover")
    db.session.commit()
    SEEN["user_id"] = user.id
    app.config["SESSION_IDLE_MINUTES"] += 1
    assert limiter.limiter.hit(PROBE, "isolation-probe")
    assert not limiter.limiter.test(PROBE, "isolation-probe")


def test_the_next_test_starts_from_the_state_the_first_one_found(app):
    assert app is SEEN["app"]  # the same app object, as for every test with default settings
    assert _row_counts() == SEEN["counts"]
    assert db.session.scalar(select(User).where(User.staff_no == "leftover")) is None
    user = factories.make_user("leftover")
    db.session.flush()
    assert user.id == SEEN["user_id"]  # ids start again where they started
    assert app.config["SESSION_IDLE_MINUTES"] == SEEN["idle"]
    assert limiter.limiter.test(PROBE, "isolation-probe")
