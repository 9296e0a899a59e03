"""CSRF: every state-changing request needs the token (login included); no GET changes state."""

import time

import itsdangerous
import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import LoginSession
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from tests.core.test_route_permissions import IDENTITIES, Visitor, csrf_tokens_in, route_cases
from tests.factories import PASSWORD

pytestmark = pytest.mark.app_config(WTF_CSRF_ENABLED=True)

FOUR_HOURS = 4 * 3600


def csrf_token_of(response) -> str:
    tokens = csrf_tokens_in(response)
    assert tokens, "the page has no csrf_token field"
    return tokens[0]


def login_with_token(client, user, password=PASSWORD):
    token = csrf_token_of(client.get("/login"))
    return client.post("/login", data={"staff_no": user.staff_no, "password": password, "csrf_token": token})


def database_state(*, ignore_tables=(), ignore_columns=()) -> dict:
    """Every row of every table, to prove a request changed nothing."""
    db.session.rollback()  # read what requests committed, not an old snapshot
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in ignore_tables:
            continue
        columns = [c for c in table.columns if f"{table.name}.{c.name}" not in ignore_columns]
        order = list(table.primary_key.columns) or columns
        rows = db.session.execute(select(*columns).order_by(*order)).all()
        state[table.name] = [tuple(row) for row in rows]
    return state


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["anonymous", "admin"])
def test_every_post_without_a_token_is_refused_and_changes_nothing(app, client, users, role):
    if role is not None:
        assert login_with_token(client, users[role]).status_code == 302
    before = database_state()
    problems = []
    for _rule, method, url in route_cases(app, methods={"POST", "PUT", "PATCH", "DELETE"}):
        response = client.open(url, method=method, data={"locale": "en", "staff_no": "admin"})
        if response.status_code != 400:
            problems.append(f"{method} {url}: {response.status_code}")
    assert not problems, "accepted without a CSRF token:\n" + "\n".join(problems)
    assert database_state() == before
    if role is not None:
        assert client.get("/admin").status_code == 200  # still logged in: logout was refused too


def test_a_wrong_or_foreign_token_is_refused(app, client, users):
    other_browser = app.test_client()
    foreign = csrf_token_of(other_browser.get("/login"))
    client.get("/login")
    admin = users[Role.ADMIN]
    for token in (foreign, "not-a-token", ""):
        response = client.post("/login", data={"staff_no": admin.staff_no, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 400
    assert client.get("/admin").status_code == 302


def test_login_form_needs_the_token(client, users):
    response = client.post("/login", data={"staff_no": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin").status_code == 302
    assert db.session.scalars(select(LoginSession)).all() == []
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.LOGIN_SUCCEEDED)).all() == []


def test_login_with_the_token_from_the_page_works(client, users):
    response = login_with_token(client, users[Role.ADMIN])
    assert response.status_code == 302
    assert client.get("/admin").status_code == 200


def test_logged_in_forms_work_with_the_token_from_the_page(client, users):
    login_with_token(client, users[Role.COLLECTOR])
    token = csrf_token_of(client.get("/me"))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/me").status_code == 302


def test_token_in_a_header_is_accepted_for_scripts(client, users):
    token = csrf_token_of(client.get("/login"))
    response = client.post("/language", data={"locale": "en"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_csrf_token_lasts_at_least_four_hours_by_default(tmp_path, monkeypatch):
    for variable in ("CSRF_TIME_LIMIT_HOURS", "DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    default_app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.db'}"})
    assert default_app.config["WTF_CSRF_TIME_LIMIT"] >= FOUR_HOURS


def test_login_page_left_open_for_four_hours_still_works(app, client, users, monkeypatch):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= FOUR_HOURS
    token = csrf_token_of(client.get("/login"))
    later = int(time.time()) + FOUR_HOURS + 60
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post("/login", data={"staff_no": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin").status_code == 200


def test_an_expired_token_is_refused(app, client, users, monkeypatch):
    token = csrf_token_of(client.get("/login"))
    later = int(time.time()) + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post("/login", data={"staff_no": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400


def test_logout_and_language_cannot_be_used_with_get(client, users):
    login_with_token(client, users[Role.COLLECTOR])
    assert client.get("/logout").status_code == 405
    assert client.get("/language?locale=en").status_code == 405
    body = client.get("/me").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in body  # still logged in, language unchanged


@pytest.mark.parametrize("role", IDENTITIES, ids=lambda r: r.value if r else "anonymous")
def test_no_get_request_changes_the_database(app, users, role):
    visitor = Visitor(app, users[role] if role else None)
    visitor.open("GET", "/")  # log in first; the login itself is a POST and may write
    # Audit rows may legitimately be written by reads (exports are audited); a session's
    # "last seen" moves at most once a minute and is not a change anyone asked for.
    ignore = {"ignore_tables": {"audit_events"}, "ignore_columns": {"login_sessions.last_seen_at"}}
    before = database_state(**ignore)
    changed = []
    for _rule, _method, url in route_cases(app, methods={"GET"}):
        visitor.open("GET", url)
        after = database_state(**ignore)
        if after != before:
            changed.append(url)
            before = after
    assert not changed, f"GET requests that changed the database: {changed}"
