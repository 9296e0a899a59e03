"""Login throttling per account and per client address; the address comes from ProxyFix only."""

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from tests.factories import PASSWORD

WRONG_PASSWORD = "wrong-Pa55word"
FORGED_ADDRESSES = ["10.0.0.1", "10.0.0.2", "198.51.100.9", "10.0.0.4", "10.0.0.5", "10.0.0.6"]


def _attempt(client, staff_no, password=WRONG_PASSWORD, **kwargs):
    return client.post("/login", data={"staff_no": staff_no, "password": password}, **kwargs)


def _use_english(client):
    client.post("/language", data={"locale": "en"})


def _login_events(action):
    db.session.rollback()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.app_config(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
def test_fourth_login_after_three_failures_for_one_account_is_refused_with_429(client, users):
    _use_english(client)
    for _ in range(3):
        assert _attempt(client, "c0001").status_code == 200
    response = _attempt(client, "c0001", password=PASSWORD)  # even the right password waits
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Too many attempts" in body
    assert '<html lang="en">' in body
    assert client.get("/me").status_code == 302
    assert len(_login_events(actions.LOGIN_FAILED)) == 3
    assert _login_events(actions.LOGIN_SUCCEEDED) == []


@pytest.mark.app_config(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
def test_account_limit_counts_the_staff_number_however_it_is_typed(client, users):
    for typed in ("c0001", "C0001", " Ｃ０００１ "):
        assert _attempt(client, typed).status_code == 200
    assert _attempt(client, "c0001").status_code == 429


@pytest.mark.app_config(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
def test_account_limit_does_not_lock_out_other_accounts(client, users):
    for _ in range(3):
        _attempt(client, "c0001")
    assert _attempt(client, "c0001").status_code == 429
    assert _attempt(client, "trainer01", password=PASSWORD).status_code == 302


@pytest.mark.app_config(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_IP="3 per 15 minutes")
def test_successful_logins_do_not_count(client, users):
    user = users[Role.COLLECTOR]
    for _ in range(5):
        assert _attempt(client, user.staff_no, password=PASSWORD).status_code == 302
        client.post("/logout")
    assert _attempt(client, user.staff_no).status_code == 200
    assert _attempt(client, user.staff_no).status_code == 200
    assert _attempt(client, user.staff_no, password=PASSWORD).status_code == 302


@pytest.mark.app_config(LOGIN_LIMIT_PER_IP="5 per 15 minutes")
def test_failures_across_many_staff_numbers_from_one_address_are_refused_with_429(client, users):
    for number in range(5):
        assert _attempt(client, f"x{number:04d}").status_code == 200
    response = _attempt(client, "admin", password=PASSWORD)
    assert response.status_code == 429
    assert client.get("/admin").status_code == 302


@pytest.mark.app_config(LOGIN_LIMIT_PER_IP="5 per 15 minutes")
def test_another_address_is_not_affected_by_the_address_limit(app, client, users):
    for number in range(5):
        _attempt(client, f"x{number:04d}")
    assert _attempt(client, "x9999").status_code == 429
    elsewhere = app.test_client()
    response = _attempt(elsewhere, "admin", password=PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.50"})
    assert response.status_code == 302


@pytest.mark.app_config(LOGIN_LIMIT_PER_IP="5 per 15 minutes")
def test_forged_forwarded_for_header_changes_nothing_without_proxy_fix(client, users):
    assert client.application.config["PROXY_FIX_HOPS"] == 0
    for number, forged in enumerate(FORGED_ADDRESSES[:5]):
        assert _attempt(client, f"x{number:04d}", headers={"X-Forwarded-For": forged}).status_code == 200
    response = _attempt(client, "x9999", headers={"X-Forwarded-For": FORGED_ADDRESSES[5]})
    assert response.status_code == 429
    assert {event.ip for event in _login_events(actions.LOGIN_FAILED)} == {"127.0.0.1"}


@pytest.mark.app_config(PROXY_FIX_HOPS=1, LOGIN_LIMIT_PER_IP="5 per 15 minutes")
def test_behind_one_proxy_the_address_comes_from_the_forwarded_header(client, users):
    for number in range(5):
        _attempt(client, f"x{number:04d}", headers={"X-Forwarded-For": "203.0.113.7"})
    assert _attempt(client, "x9999", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    # The proxy reports a different client: that one is not throttled.
    response = _attempt(client, "admin", password=PASSWORD, headers={"X-Forwarded-For": "203.0.113.8"})
    assert response.status_code == 302
    assert {event.ip for event in _login_events(actions.LOGIN_FAILED)} == {"203.0.113.7"}
    assert [event.ip for event in _login_events(actions.LOGIN_SUCCEEDED)] == ["203.0.113.8"]


@pytest.mark.app_config(PROXY_FIX_HOPS=1)
def test_behind_one_proxy_only_the_last_hop_is_trusted(client, users):
    """A client that sends its own X-Forwarded-For gets it appended to by the proxy; only the proxy's entry counts."""
    _attempt(client, "x0001", headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})
    assert [event.ip for event in _login_events(actions.LOGIN_FAILED)] == ["203.0.113.9"]


@pytest.mark.app_config(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
def test_429_answers_json_callers_in_json(client, users):
    for _ in range(3):
        _attempt(client, "c0001")
    response = _attempt(client, "c0001", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["error"]["status"] == 429

