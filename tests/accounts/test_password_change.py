"""Changing one's password, and temporary passwords that must be changed before anything else."""

import json
import logging
from urllib.parse import urlsplit

import pytest

from app.accounts import services
from app.accounts.login import ALLOWED_BEFORE_PASSWORD_CHANGE
from app.accounts.models import LoginSession, User
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from tests.core.test_route_permissions import route_cases
from tests.factories import PASSWORD

NEW_PASSWORD = "Kx7#mq2Lz9"


def _change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": new if confirm is None else confirm})


def _fresh(user) -> User:
    db.session.rollback()
    return db.session.get(User, user.id)


def _events(action=None):
    db.session.rollback()
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _location_path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


@pytest.fixture
def temporary(app, users):
    """The collector, after an admin issued a temporary password: (user, password)."""
    collector = users[Role.COLLECTOR]
    password = services.issue_temporary_password(users[Role.ADMIN], collector, ip="127.0.0.1", now=utcnow())
    db.session.commit()
    return collector, password


def test_changing_the_password_replaces_the_hash(client, users, login):
    user = users[Role.COLLECTOR]
    old_hash = user.password_hash
    login(user)
    response = _change(client)
    assert response.status_code == 302
    new_hash = _fresh(user).password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    client.post("/logout")
    assert client.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"staff_no": user.staff_no, "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    "current, new, confirm, field_message",
    [
        ("wrong-Pa55word", NEW_PASSWORD, None, "The current password is not correct."),
        (PASSWORD, "short1!", None, "Use at least 8 characters."),
        (PASSWORD, "c0001-Strong!", None, "The password must not contain your staff number."),
        (PASSWORD, "Password1!", None, "This password is too common."),
        (PASSWORD, PASSWORD, None, "Choose a password different from the current one."),
        (PASSWORD, NEW_PASSWORD, "Kx7#mq2Lz8", "The two passwords differ."),
    ],
    ids=["wrong-current", "short", "staff-number", "common", "unchanged", "confirm-differs"],
)
def test_a_refused_change_shows_the_reason_and_keeps_the_old_hash(client, users, login, current, new, confirm,
                                                                    field_message):
    user = users[Role.COLLECTOR]
    old_hash = user.password_hash
    login(user)
    client.post("/language", data={"locale": "en"})
    response = _change(client, current=current, new=new, confirm=confirm)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert field_message in body
    assert "invalid-feedback" in body
    assert _fresh(user).password_hash == old_hash
    assert _events(actions.PASSWORD_CHANGED) == []


def test_password_change_is_audited_without_the_password(client, users, login, caplog):
    caplog.set_level(logging.DEBUG)
    user = users[Role.COLLECTOR]
    login(user)
    login_wrong = client.application.test_client()
    login_wrong.post("/login", data={"staff_no": user.staff_no, "password": "Guess#Wrong99"})
    _change(client, current="Typo#Current1")  # refused
    _change(client)
    changed = _events(actions.PASSWORD_CHANGED)
    assert len(changed) == 1
    event = changed[0]
    assert event.actor_id == user.id
    assert event.target_id == str(user.id)
    everything = json.dumps(
        [{"details": e.details, "who": e.actor_staff_no, "target": e.target_id} for e in _events()],
        ensure_ascii=False,
    )
    for secret in (PASSWORD, NEW_PASSWORD, "Guess#Wrong99", "Typo#Current1"):
        assert secret not in everything
        assert secret not in caplog.text


def test_temporary_password_is_audited_without_the_password(temporary):
    user, password = temporary
    events = _events(actions.PASSWORD_RESET)
    assert len(events) == 1
    assert password not in json.dumps(events[0].details, ensure_ascii=False)


def test_temporary_password_leads_straight_to_the_change_page(client, temporary):
    user, password = temporary
    response = client.post("/login", data={"staff_no": user.staff_no, "password": password})
    assert response.status_code == 302
    assert _location_path(response) == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_with_a_temporary_password_every_other_page_redirects_to_the_change_page(app, client, temporary):
    user, password = temporary
    client.post("/login", data={"staff_no": user.staff_no, "password": password})
    wrong = []
    for rule, method, url in route_cases(app):
        if rule.endpoint in ALLOWED_BEFORE_PASSWORD_CHANGE or rule.endpoint.startswith(("api.", "health.")):
            continue  # the JSON API ignores sessions (tokens only): tests/api checks it answers 401, not a redirect;
            # the health probes never look at the session (tests/core/test_health.py)
        response = client.open(url, method=method)
        if response.status_code != 302 or _location_path(response) != "/account/password":
            wrong.append(f"{method} {url}: {response.status_code} {response.headers.get('Location')}")
    assert not wrong, "\n".join(wrong)
    assert _fresh(user).must_change_password


def test_with_a_temporary_password_logout_still_works(client, temporary):
    user, password = temporary
    client.post("/login", data={"staff_no": user.staff_no, "password": password})
    response = client.post("/logout")
    assert response.status_code == 302
    assert _location_path(response) == "/login"
    row = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert row.end_reason == "logout"


def test_after_changing_a_temporary_password_the_pages_open(client, temporary):
    user, password = temporary
    client.post("/login", data={"staff_no": user.staff_no, "password": password})
    response = _change(client, current=password)
    assert response.status_code == 302
    assert not _fresh(user).must_change_password
    assert client.get("/me").status_code == 200
    client.post("/logout")
    assert client.post("/login", data={"staff_no": user.staff_no, "password": password}).status_code == 200


def test_issuing_a_temporary_password_ends_the_users_sessions(app, client, users, login):
    collector = users[Role.COLLECTOR]
    login(collector)
    services.issue_temporary_password(users[Role.ADMIN], collector, ip="127.0.0.1", now=utcnow())
    db.session.commit()
    response = client.get("/me")
    assert response.status_code == 302
    assert _location_path(response) == "/login"


def test_only_admins_issue_temporary_passwords(app, users):
    from app.core.errors import Forbidden

    with app.test_request_context(), pytest.raises(Forbidden):
        services.issue_temporary_password(users[Role.HR], users[Role.COLLECTOR], ip="127.0.0.1", now=utcnow())
    assert _fresh(users[Role.COLLECTOR]).must_change_password is False
