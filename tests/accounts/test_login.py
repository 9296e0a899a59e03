from app.accounts.models import LoginSession
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db


def test_each_role_lands_on_its_own_page(client, users, login):
    expected = {Role.ADMIN: "/admin", Role.HR: "/hr", Role.TRAINER: "/trainer", Role.COLLECTOR: "/me"}
    for role, user in users.items():
        login(user)
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(expected[role])
        assert client.get(expected[role]).status_code == 200
        client.post("/logout")


def test_wrong_password_is_refused_and_audited(client, users, login):
    response = login(users[Role.COLLECTOR], password="wrong-password")
    assert response.status_code == 200
    assert client.get("/me").status_code == 302
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.LOGIN_FAILED)).one()
    assert event.details["staff_no"] == "c0001"


def test_staff_number_is_matched_without_case_or_full_width(client, users):
    response = client.post("/login", data={"staff_no": " Ｃ０００１ ", "password": "Test@2026pw"})
    assert response.status_code == 302
    assert client.get("/me").status_code == 200


def test_cookie_copied_before_logout_is_refused_afterwards(app, client, users, login):
    login(users[Role.COLLECTOR])
    copied = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/me").status_code == 302
    assert db.session.scalars(db.select(LoginSession)).one().end_reason == "logout"
