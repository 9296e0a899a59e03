"""Server-side sessions: ended on logout, password change and deactivation; timeouts; renewal at login;
the "My sessions" page; cookie flags."""

import re
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale

from app.accounts import services, sessions
from app.accounts.login import SESSION_TOKEN_KEY
from app.accounts.models import LoginSession
from app.core.clock import utcnow
from app.core.i18n import localtime
from app.core.roles import Role
from app.extensions import db
from tests.factories import PASSWORD
from tests.statements import recorded_statements

NEW_PASSWORD = "Kx7#mq2Lz9"


def _redirected_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def _copy_of(app, client):
    """A second browser carrying a copy of `client`'s session cookie (what a cookie thief holds)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _session_rows(user):
    db.session.rollback()
    return list(db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)
                                   .order_by(LoginSession.id)))


def _set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_cookie_copied_before_logout_loads_the_login_page_afterwards(app, client, users, login):
    login(users[Role.COLLECTOR])
    thief = _copy_of(app, client)
    assert thief.get("/me").status_code == 200
    client.post("/logout")
    assert _redirected_to_login(thief.get("/me"))
    assert _session_rows(users[Role.COLLECTOR])[0].end_reason == "logout"


def test_cookie_copied_before_password_change_is_refused_afterwards(app, client, users, login):
    user = users[Role.COLLECTOR]
    login(user)
    thief = _copy_of(app, client)
    other_device = app.test_client()
    other_device.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD})
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    # The browser that changed the password stays logged in with a renewed token; a copy of its
    # old cookie, like every other session, no longer works.
    assert client.get("/me").status_code == 200
    assert _redirected_to_login(thief.get("/me"))
    assert _redirected_to_login(other_device.get("/me"))
    rows = _session_rows(user)
    assert [row.end_reason for row in rows] == [None, "password_changed"]


def test_password_change_keeps_this_session_and_ends_the_others(app, client, users, login):
    user = users[Role.TRAINER]
    login(user)
    laptop = app.test_client()
    laptop.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD})
    laptop_copy = _copy_of(app, laptop)
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get("/trainer").status_code == 200
    assert _redirected_to_login(laptop.get("/trainer"))
    assert _redirected_to_login(laptop_copy.get("/trainer"))


def test_cookie_copied_before_deactivation_is_refused_afterwards(app, client, users, login):
    admin, collector = users[Role.ADMIN], users[Role.COLLECTOR]
    login(collector)
    thief = _copy_of(app, client)
    services.deactivate(admin, collector, ip="127.0.0.1", now=utcnow())
    db.session.commit()
    assert _redirected_to_login(client.get("/me"))
    assert _redirected_to_login(thief.get("/me"))
    assert _session_rows(collector)[0].end_reason == "deactivated"


def test_deactivated_account_cannot_log_in_again(client, users, login):
    admin, collector = users[Role.ADMIN], users[Role.COLLECTOR]
    services.deactivate(admin, collector, ip="127.0.0.1", now=utcnow())
    db.session.commit()
    assert login(collector).status_code == 200  # the form again, with a message
    assert _redirected_to_login(client.get("/me"))


@pytest.mark.app_config(SESSION_IDLE_MINUTES=30)
def test_idle_session_is_ended(client, users, login):
    user = users[Role.COLLECTOR]
    login(user)
    row = _session_rows(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert _redirected_to_login(client.get("/me"))
    row = _session_rows(user)[0]
    assert row.end_reason == "idle"
    assert row.ended_at is not None


@pytest.mark.app_config(SESSION_IDLE_MINUTES=30)
def test_session_used_within_the_idle_limit_stays_open(client, users, login):
    user = users[Role.COLLECTOR]
    login(user)
    row = _session_rows(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=29)
    db.session.commit()
    assert client.get("/me").status_code == 200
    row = _session_rows(user)[0]
    assert row.ended_at is None
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)  # the visit counted as activity


def test_activity_is_recorded_at_most_every_five_minutes(client, users, login):
    user = users[Role.COLLECTOR]
    login(user)
    row = _session_rows(user)[0]
    recently = utcnow() - timedelta(minutes=4)
    row.last_seen_at = recently
    db.session.commit()
    assert client.get("/me").status_code == 200
    assert _session_rows(user)[0].last_seen_at == recently  # nothing written for a request 4 minutes on
    row = _session_rows(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    assert client.get("/me").status_code == 200
    assert utcnow() - _session_rows(user)[0].last_seen_at < timedelta(minutes=1)


@pytest.mark.app_config(SESSION_MAX_HOURS=12)
def test_session_older_than_the_absolute_limit_is_ended_even_when_active(client, users, login):
    user = users[Role.COLLECTOR]
    login(user)
    row = _session_rows(user)[0]
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    row.authenticated_at = row.created_at
    row.last_seen_at = utcnow()
    db.session.commit()
    assert _redirected_to_login(client.get("/me"))
    assert _session_rows(user)[0].end_reason == "expired"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_renews_the_session_identity(app, client, users):
    from tests.core.test_csrf import csrf_token_of

    user = users[Role.COLLECTOR]
    token = csrf_token_of(client.get("/login"))
    pre_login_cookie = client.get_cookie("session").value
    with client.session_transaction() as pre_login:
        pre_login_keys = dict(pre_login)
    assert SESSION_TOKEN_KEY not in pre_login_keys

    client.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD, "csrf_token": token})
    with client.session_transaction() as after:
        after = dict(after)
    assert client.get_cookie("session").value != pre_login_cookie
    assert after[SESSION_TOKEN_KEY]
    # Nothing from the anonymous session is carried into the authenticated one.
    for key, value in pre_login_keys.items():
        assert after.get(key) != value, key

    # A cookie planted before login (session fixation) does not become the user's session.
    planted = app.test_client()
    planted.set_cookie("session", pre_login_cookie)
    assert _redirected_to_login(planted.get("/me"))


def test_each_login_gets_a_new_server_token(app, client, users, login):
    user = users[Role.COLLECTOR]
    tokens = []
    for _ in range(2):
        login(user)
        with client.session_transaction() as cookie_session:
            tokens.append(cookie_session[SESSION_TOKEN_KEY])
        client.post("/logout")
    assert tokens[0] != tokens[1]
    rows = _session_rows(user)
    assert len({row.token_hash for row in rows}) == 2
    assert all(token not in {row.token_hash for row in rows} for token in tokens)  # only hashes are stored


def test_my_sessions_lists_every_open_session(app, client, users, login):
    user = users[Role.HR]
    login(user)
    phone = app.test_client()
    phone.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD},
               headers={"User-Agent": "PhoneBrowser/1.0"})
    page = client.get("/account/sessions")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "PhoneBrowser/1.0" in body
    assert body.count("/account/sessions/") == 1  # one "End" button: the other session, not this one


def test_ending_another_session_logs_that_browser_out(app, client, users, login):
    user = users[Role.HR]
    login(user)
    phone = app.test_client()
    phone.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD})
    phone_row = _session_rows(user)[1]
    response = client.post(f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 302
    assert _redirected_to_login(phone.get("/hr"))
    assert client.get("/hr").status_code == 200
    assert _session_rows(user)[1].end_reason == "ended_by_user"


def test_someone_elses_session_cannot_be_ended(app, client, users, login):
    victim = users[Role.ADMIN]
    victim_browser = app.test_client()
    victim_browser.post("/login", data={"staff_no": victim.staff_no, "password": PASSWORD})
    victim_row = _session_rows(victim)[0]
    login(users[Role.COLLECTOR])
    assert client.post(f"/account/sessions/{victim_row.id}/end").status_code == 404
    assert victim_browser.get("/admin").status_code == 200
    assert _session_rows(victim)[0].ended_at is None


def test_sessions_page_does_not_show_other_peoples_sessions(app, client, users, login):
    other = users[Role.ADMIN]
    app.test_client().post("/login", data={"staff_no": other.staff_no, "password": PASSWORD},
                           headers={"User-Agent": "AdminsSecretBrowser/9"})
    login(users[Role.COLLECTOR])
    assert "AdminsSecretBrowser/9" not in client.get("/account/sessions").get_data(as_text=True)


def _session_cookie(response):
    for header in _set_cookie_headers(response):
        if header.startswith("session="):
            return header
    raise AssertionError("no session cookie was set")


def test_session_cookie_is_httponly_and_samesite_lax(client, users, login):
    header = _session_cookie(login(users[Role.COLLECTOR]))
    cookie = SimpleCookie(header)["session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_session_cookie_is_secure_when_configured(client, users, login):
    cookie = SimpleCookie(_session_cookie(login(users[Role.COLLECTOR])))["session"]
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_no_remember_me_cookie_is_ever_set(app, client, users):
    headers = []
    user = users[Role.COLLECTOR]
    for extra in ({}, {"remember": "y"}, {"remember_me": "1"}):
        data = {"staff_no": user.staff_no, "password": PASSWORD, **extra}
        headers += _set_cookie_headers(client.post("/login", data=data))
        headers += _set_cookie_headers(client.get("/me"))
        headers += _set_cookie_headers(client.post("/logout"))
    names = {header.split("=", 1)[0] for header in headers}
    assert names == {"session"}
    assert app.config["REMEMBER_COOKIE_DURATION"] == 0


def test_session_lifetime_matches_the_absolute_limit(app):
    assert app.permanent_session_lifetime.total_seconds() == app.config["SESSION_MAX_HOURS"] * 3600


def test_ending_all_sessions_leaves_other_users_alone(app, users, login):
    collector, trainer = users[Role.COLLECTOR], users[Role.TRAINER]
    for user in (collector, trainer):
        app.test_client().post("/login", data={"staff_no": user.staff_no, "password": PASSWORD})
    ended = sessions.end_all_sessions(collector, reason="test", now=utcnow())
    db.session.commit()
    assert ended == 1
    assert _session_rows(trainer)[0].ended_at is None



def _last_login_shown(client) -> str:
    body = client.get("/me").get_data(as_text=True)
    return re.search(r"Last login</dt>\s*<dd[^>]*>(.*?)</dd>", body).group(1).strip()


def test_my_page_shows_the_previous_login_not_this_one(app, client, users, login):
    user = users[Role.COLLECTOR]
    user.locale = "en"
    db.session.commit()
    login(user)
    assert _last_login_shown(client) == "—"  # first login: nothing before it
    first = _session_rows(user)[0]
    first.created_at = first.authenticated_at = first.last_seen_at = utcnow() - timedelta(minutes=40)
    db.session.commit()
    client.post("/logout")
    login(user)
    first, second = _session_rows(user)
    with app.test_request_context(), force_locale("en"):
        expected = localtime(first.created_at)
        assert localtime(second.created_at) != expected
    assert _last_login_shown(client) == expected


def test_a_signed_in_request_loads_its_session_user_and_roles_in_one_statement(client, users, login):
    login(users[Role.COLLECTOR])
    client.get("/my/exams")  # the activity touch, if due, is done
    with recorded_statements() as seen:
        assert client.get("/my/exams").status_code == 200
    account = [s for s in seen if "login_sessions" in s or "user_roles" in s or s.lstrip().startswith("SELECT users")]
    assert len(account) == 1 and "user_roles" in account[0] and "login_sessions" in account[0], "\n".join(seen)


def test_the_session_cookie_is_sent_when_it_changes_not_on_every_response(client, users, login):
    login(users[Role.COLLECTOR])
    assert client.get("/me").status_code == 200
    again = client.get("/me")
    assert again.status_code == 200
    assert not [h for h in _set_cookie_headers(again) if h.startswith("session=")]
    assert client.get_cookie("session").expires is not None  # the login's lifetime (SESSION_MAX_HOURS) stays
