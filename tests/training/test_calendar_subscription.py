"""The secret subscription link: made and shown once, stored as a hash, replaced or turned off by its owner,
dead for a deactivated account, fetched without a cookie, limited, and never written to the audit log."""

import hashlib
import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.accounts.services import deactivate, reactivate
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from app.training.models import CalendarToken
from tests import factories


def make_link(client, login, user) -> str:
    login(user)
    response = client.post("/training/my/calendar-link")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    url = re.search(r'id="calendar-link-url" type="text" readonly value="([^"]+)"', page).group(1)
    assert "webcal://" + url.split("://", 1)[1] in page and 'id="calendar-link-qr"' in page
    return url.split("token=", 1)[1]


def feed(app, token: str):
    """The feed as a calendar app fetches it: a client that never logged in."""
    return app.test_client().get(f"/calendar.ics?token={token}")


def events(response):
    return list(Calendar.from_ical(response.data).walk("VEVENT"))


@pytest.fixture
def seated(app, users):
    person = users[Role.COLLECTOR]
    batch = factories.make_batch("订阅期", starts_on=date.today() + timedelta(days=7), status="scheduled",
                                 members=[person])
    factories.make_session(batch, "law", users[Role.TRAINER], room="一号教室", seats=[person])
    db.session.commit()
    return person


def test_a_new_link_is_random_shown_once_and_stored_only_as_its_hash(app, client, login, seated):
    token = make_link(client, login, seated)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    row = db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == seated.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.created_at is not None
    page = client.get("/training/my").get_data(as_text=True)
    assert token not in page and 'id="calendar-link-state"' in page


def test_the_feed_needs_no_cookie_sets_none_and_is_cached_privately_for_a_short_while(app, client, login, seated):
    token = make_link(client, login, seated)
    response = feed(app, token)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "private, max-age=300"
    [event] = events(response)
    assert str(event["location"]) == "一号教室" and str(event["status"]) == "CONFIRMED"
    assert "订阅期" in str(event["summary"])


def test_the_feed_speaks_the_owners_language(app, client, login, seated):
    seated.locale = "en"
    db.session.commit()
    token = make_link(client, login, seated)
    calendar = Calendar.from_ical(feed(app, token).data)
    assert str(calendar["X-WR-CALNAME"]) == f"Training of {seated.name}"


@pytest.mark.parametrize("query", ["", "?token=", "?token=nonsense", "?token=" + "a" * 43, "?token=" + "x" * 5000])
def test_a_missing_unknown_or_overlong_token_is_not_found(app, query):
    response = app.test_client().get("/calendar.ics" + query)
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


def test_a_new_link_replaces_the_old_one_and_the_audit_never_holds_a_token(app, client, login, seated):
    first = make_link(client, login, seated)
    second = make_link(client, login, seated)
    assert first != second
    assert feed(app, first).status_code == 404
    assert feed(app, second).status_code == 200
    made = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.CALENDAR_LINK_CREATED)
                              .order_by(AuditEvent.id)).all()
    assert [event.details["replaced"] for event in made] == [False, True]
    assert all(event.target_id == str(seated.id) and event.actor_id == seated.id for event in made)
    for event in db.session.scalars(select(AuditEvent)):
        text = f"{event.details} {event.target_id}"
        assert first not in text and second not in text
        assert hashlib.sha256(first.encode()).hexdigest() not in text


def test_the_owner_turns_the_link_off(app, client, login, seated):
    token = make_link(client, login, seated)
    response = client.post("/training/my/calendar-link/revoke", follow_redirects=True)
    assert response.status_code == 200
    assert feed(app, token).status_code == 404
    assert db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == seated.id)) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.CALENDAR_LINK_REVOKED)) is not None
    again = client.post("/training/my/calendar-link/revoke", follow_redirects=True)
    assert again.status_code == 200  # nothing to turn off: a message, not an error page


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_making_or_turning_off_a_link_needs_the_csrf_token(client, login, seated):
    login(seated)
    assert client.post("/training/my/calendar-link").status_code == 400
    assert client.post("/training/my/calendar-link/revoke").status_code == 400


def test_deactivating_an_account_removes_its_link_for_good(app, client, login, seated, users):
    token = make_link(client, login, seated)
    deactivate(users[Role.ADMIN], seated, ip="127.0.0.1", now=utcnow())
    db.session.commit()
    assert feed(app, token).status_code == 404
    revoked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.CALENDAR_LINK_REVOKED))
    assert revoked.actor_id == users[Role.ADMIN].id and revoked.target_id == str(seated.id)
    reactivate(users[Role.ADMIN], seated, ip="127.0.0.1", now=utcnow())
    db.session.commit()
    assert feed(app, token).status_code == 404  # the old link does not come back with the account


def test_an_active_persons_link_stops_while_the_account_is_inactive(app, client, login, seated):
    token = make_link(client, login, seated)
    seated.active = False  # however it was deactivated
    db.session.commit()
    assert feed(app, token).status_code == 404


def test_unknown_tokens_are_limited_per_address(app):
    fetcher = app.test_client()
    codes = [fetcher.get(f"/calendar.ics?token=guess{n}").status_code for n in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
    refused = fetcher.get("/calendar.ics?token=guess")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Set-Cookie" not in refused.headers


def test_one_link_is_limited(app, client, login, seated):
    token = make_link(client, login, seated)
    fetcher = app.test_client()
    codes = [fetcher.get(f"/calendar.ics?token={token}").status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
