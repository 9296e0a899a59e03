"""A signed-in user's password checks (confirming it, the current password when changing it) are throttled per
account and per session, and each one is audited without the password (issue 14, finding 1)."""

import json

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from tests.factories import PASSWORD

WRONG = "wrong-Pa55word"
NEW_PASSWORD = "Kx7#mq2Lz9"


def _confirm(client, password=WRONG, **kwargs):
    return client.post("/account/confirm", data={"password": password}, **kwargs)


def _change(client, current=WRONG):
    return client.post("/account/password", data={"current_password": current, "new_password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})


def _events(*names):
    db.session.rollback()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.in_(names)).order_by(AuditEvent.id)))


def _signed_in(app, user, locale="en"):
    client = app.test_client()
    assert client.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD}).status_code == 302
    client.post("/language", data={"locale": locale})
    return client


@pytest.mark.app_config(PASSWORD_CHECK_LIMIT_PER_SESSION="3 per 15 minutes")
def test_wrong_confirmations_beyond_the_session_limit_get_a_translated_429(app, users):
    client = _signed_in(app, users[Role.TRAINER])
    for _ in range(3):
        response = _confirm(client)
        assert response.status_code == 200
        assert "The password is not correct." in response.get_data(as_text=True)
    response = _confirm(client, password=PASSWORD)  # even the right one waits: it would be a free guess
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Too many wrong passwords. Wait 15 minutes, then try again." in body
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    chinese = _signed_in(app, users[Role.TRAINER], locale="zh_Hans")
    for _ in range(3):
        _confirm(chinese)
    assert "密码输错次数过多" in _confirm(chinese).get_data(as_text=True)


@pytest.mark.app_config(PASSWORD_CHECK_LIMIT_PER_SESSION="3 per 15 minutes")
def test_the_current_password_on_the_change_page_counts_against_the_session_too(app, users):
    client = _signed_in(app, users[Role.COLLECTOR])
    _confirm(client)
    _change(client)
    _confirm(client)
    assert _change(client, current=PASSWORD).status_code == 429
    assert users[Role.COLLECTOR].password_hash == db.session.get(type(users[Role.COLLECTOR]),
                                                                 users[Role.COLLECTOR].id).password_hash


@pytest.mark.app_config(PASSWORD_CHECK_LIMIT_PER_SESSION="2 per 15 minutes")
def test_the_session_limit_does_not_block_the_same_account_in_another_session(app, users):
    first, second = _signed_in(app, users[Role.HR]), _signed_in(app, users[Role.HR])
    _confirm(first), _confirm(first)
    assert _confirm(first).status_code == 429
    assert _confirm(second, password=PASSWORD).status_code == 302


@pytest.mark.app_config(LOGIN_LIMIT_PER_ACCOUNT="4 per 15 minutes", PASSWORD_CHECK_LIMIT_PER_SESSION="9 per 15 minutes")
def test_the_account_allowance_is_shared_by_every_session_and_the_login_page(app, users):
    """Guesses at an unlocked PC and at the login page draw on one allowance per account."""
    user = users[Role.COLLECTOR]
    first, second = _signed_in(app, user), _signed_in(app, user)
    _confirm(first), _change(second), _confirm(second)
    assert app.test_client().post("/login", data={"staff_no": user.staff_no, "password": WRONG}).status_code == 200
    assert _confirm(first, password=PASSWORD).status_code == 429
    assert app.test_client().post("/login", data={"staff_no": user.staff_no,
                                                  "password": PASSWORD}).status_code == 429


@pytest.mark.app_config(PASSWORD_CHECK_LIMIT_PER_SESSION="3 per 15 minutes")
def test_the_right_password_starts_the_count_again(app, users):
    client = _signed_in(app, users[Role.TRAINER])
    _confirm(client), _confirm(client)
    assert _confirm(client, password=PASSWORD).status_code == 302
    _confirm(client), _confirm(client)
    assert _confirm(client, password=PASSWORD).status_code == 302


def test_every_password_check_of_a_signed_in_user_is_audited_without_the_password(app, users):
    user = users[Role.TRAINER]
    client = _signed_in(app, user)
    _confirm(client)
    _confirm(client, password=PASSWORD)
    _change(client)
    assert _change(client, current=PASSWORD).status_code == 302
    events = _events(actions.PASSWORD_CHECK_FAILED, actions.PASSWORD_CONFIRMED, actions.PASSWORD_CHANGED)
    assert [(e.action, e.details.get("purpose")) for e in events] == [
        (actions.PASSWORD_CHECK_FAILED, "confirm"), (actions.PASSWORD_CONFIRMED, None),
        (actions.PASSWORD_CHECK_FAILED, "change"), (actions.PASSWORD_CHANGED, None)]
    assert {e.actor_id for e in events} == {user.id} and all(e.ip == "127.0.0.1" for e in events)
    stored = json.dumps([e.details for e in events], ensure_ascii=False)
    assert WRONG not in stored and PASSWORD not in stored and NEW_PASSWORD not in stored


def test_a_new_password_the_policy_refuses_is_not_a_password_check(app, users):
    """Nothing is counted or audited when the request could not have changed the password anyway."""
    client = _signed_in(app, users[Role.TRAINER])
    for _ in range(8):
        response = client.post("/account/password", data={"current_password": WRONG, "new_password": "short",
                                                          "confirm": "short"})
        assert response.status_code == 200
    assert _events(actions.PASSWORD_CHECK_FAILED) == []
    assert _confirm(client, password=PASSWORD).status_code == 302
