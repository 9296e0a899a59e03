"""Deactivation, reactivation and temporary passwords from the staff pages."""

import re
from datetime import timedelta

import pytest

from app.accounts.models import LoginSession, User
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from tests import factories


@pytest.fixture(autouse=True)
def english(users):
    """Pages in English, so assertions can read the messages."""
    for user in users.values():
        user.locale = "en"
    db.session.commit()


def _sign_in(client, user, password=factories.PASSWORD):
    return client.post("/login", data={"staff_no": user.staff_no, "password": password})


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


@pytest.mark.parametrize("manager_role", [Role.ADMIN, Role.HR])
def test_deactivation_ends_the_persons_sessions_so_a_copied_cookie_stops_working(app, users, manager_role):
    collector = users[Role.COLLECTOR]
    victim = app.test_client()
    _sign_in(victim, collector)
    assert victim.get("/me").status_code == 200
    copied = victim.get_cookie("session").value

    manager = app.test_client()
    _sign_in(manager, users[manager_role])
    response = manager.post(f"/staff/{collector.id}/deactivate", follow_redirects=True)
    assert response.status_code == 200
    assert "was deactivated and logged out on every device" in response.get_data(as_text=True)

    thief = app.test_client()
    thief.set_cookie("session", copied)
    refused = thief.get("/me")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert victim.get("/me").status_code == 302
    assert not _fresh(collector.id).active
    ended = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == collector.id)).all()
    assert ended and all(s.end_reason == "deactivated" for s in ended)
    event = _events(actions.USER_DEACTIVATED)[0]
    assert event.details["sessions_ended"] == 1 and event.actor_staff_no == users[manager_role].staff_no


def test_deactivated_person_cannot_log_in_until_reactivated(app, client, users):
    collector = users[Role.COLLECTOR]
    _sign_in(client, users[Role.ADMIN])
    client.post(f"/staff/{collector.id}/deactivate")
    other = app.test_client()
    _sign_in(other, collector)
    assert other.get("/me").status_code == 302

    response = client.post(f"/staff/{collector.id}/reactivate")
    assert response.status_code == 302
    assert _fresh(collector.id).active
    assert len(_events(actions.USER_REACTIVATED)) == 1
    assert _sign_in(other, collector).status_code == 302
    assert other.get("/me").status_code == 200


def test_nobody_can_deactivate_their_own_account(client, users):
    hr = users[Role.HR]
    _sign_in(client, hr)
    response = client.post(f"/staff/{hr.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert _fresh(hr.id).active
    assert not _events(actions.USER_DEACTIVATED)


def test_deactivate_is_post_only(client, users):
    _sign_in(client, users[Role.ADMIN])
    assert client.get(f"/staff/{users[Role.COLLECTOR].id}/deactivate").status_code == 405
    assert _fresh(users[Role.COLLECTOR].id).active


def test_temporary_password_is_shown_once_and_forces_a_change_at_next_login(app, client, users):
    collector = users[Role.COLLECTOR]
    victim = app.test_client()
    _sign_in(victim, collector)

    _sign_in(client, users[Role.ADMIN])
    confirm_page = client.get(f"/staff/{collector.id}/password")
    assert confirm_page.status_code == 200
    assert _fresh(collector.id).must_change_password is False  # GET changes nothing

    response = client.post(f"/staff/{collector.id}/password")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    temporary = re.search(r'id="temporary-password">([^<]+)<', html).group(1)
    assert "This is the only time the password is shown." in html
    assert "must change it the first time they log in" in html
    assert response.headers["Cache-Control"] == "no-store"

    # Not kept anywhere it could be shown again: not in later pages, the cookie, or the audit log.
    assert temporary not in client.get(f"/staff/{collector.id}").get_data(as_text=True)
    with client.session_transaction() as session:
        assert temporary not in repr(dict(session))
    event = _events(actions.PASSWORD_RESET)[0]
    assert temporary not in repr(event.details)
    assert victim.get("/me").status_code == 302  # the old session ended

    person = app.test_client()
    assert _sign_in(person, collector).status_code == 200  # the old password no longer works
    assert _sign_in(person, collector, password=temporary).headers["Location"].endswith("/account/password")
    assert person.get("/me").headers["Location"].endswith("/account/password")
    changed = person.post("/account/password", data={
        "current_password": temporary, "new_password": "Fresh#Start2026", "confirm": "Fresh#Start2026",
    })
    assert changed.status_code == 302
    assert person.get("/me").status_code == 200
    assert _fresh(collector.id).must_change_password is False


def test_issuing_a_password_needs_a_fresh_login(client, users):
    admin, collector = users[Role.ADMIN], users[Role.COLLECTOR]
    _sign_in(client, admin)
    login_session = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == admin.id)).one()
    login_session.authenticated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = client.post(f"/staff/{collector.id}/password")
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert not _events(actions.PASSWORD_RESET)
    # After confirming, the admin lands on the confirmation page (GET), which issues nothing by itself.
    back = client.post(response.headers["Location"], data={"password": factories.PASSWORD})
    assert back.headers["Location"].endswith(f"/staff/{collector.id}/password")
    assert client.get(back.headers["Location"]).status_code == 200
    assert not _events(actions.PASSWORD_RESET)
    assert client.post(f"/staff/{collector.id}/password").status_code == 200
    assert len(_events(actions.PASSWORD_RESET)) == 1


def test_admin_cannot_issue_a_temporary_password_to_themselves(client, users):
    admin = users[Role.ADMIN]
    _sign_in(client, admin)
    assert client.post(f"/staff/{admin.id}/password").status_code == 403
    assert not _events(actions.PASSWORD_RESET)


def test_new_account_gets_its_first_password_from_an_admin(app, client, users):
    _sign_in(client, users[Role.ADMIN])
    client.post("/staff/new", data={"staff_no": "n0100", "name": "新来的"})
    created = db.session.scalars(db.select(User).where(User.staff_no == "n0100")).one()
    detail = client.get(f"/staff/{created.id}").get_data(as_text=True)
    assert "No password yet" in detail
    temporary = re.search(
        r'id="temporary-password">([^<]+)<', client.post(f"/staff/{created.id}/password").get_data(as_text=True)
    ).group(1)
    person = app.test_client()
    response = _sign_in(person, created, password=temporary)
    assert response.headers["Location"].endswith("/account/password")
