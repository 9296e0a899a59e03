"""Admin pages: create a client (token shown once), list, revoke; admins only, with a fresh login; audited."""

import re

import pytest
from sqlalchemy import select

from app.api.models import ApiClient
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from tests.api.conftest import bearer
from tests.core.test_csrf import database_state


def _create(client, name="薪酬系统", scopes=("staff:read", "results:read")):
    response = client.post("/admin/api-clients/new", data={"name": name, "scopes": list(scopes)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    match = re.search(r'id="api-token">(tt_[^<]+)<', page)
    assert match, page
    return match.group(1), page


def test_an_admin_creates_a_client_and_sees_the_token_once(client, login, users):
    login(users[Role.ADMIN])
    assert client.get("/admin/api-clients/new").status_code == 200
    token, page = _create(client)
    assert 'id="token-shown-once"' in page and page.count(token) == 1
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/exams", headers=bearer(token)).status_code == 403

    listing = client.get("/admin/api-clients").get_data(as_text=True)
    stored = db.session.scalar(select(ApiClient))
    assert token not in listing
    assert stored.token_prefix in listing and "薪酬系统" in listing and "results:read" in listing
    assert token not in repr(database_state())
    assert stored.scopes == ["staff:read", "results:read"] and stored.created_by_id == users[Role.ADMIN].id


def test_the_form_refuses_no_scope_or_no_name(client, login, users):
    login(users[Role.ADMIN])
    for data in ({"name": "x"}, {"name": "", "scopes": ["staff:read"]}, {"name": "x", "scopes": ["admin:write"]}):
        response = client.post("/admin/api-clients/new", data=data)
        assert response.status_code == 200 and 'id="api-token"' not in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiClient)).all() == []


def test_an_admin_revokes_a_client_and_its_token_stops(client, login, users):
    login(users[Role.ADMIN])
    token, _page = _create(client)
    stored = db.session.scalar(select(ApiClient))
    response = client.post(f"/admin/api-clients/{stored.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 401
    assert db.session.scalar(select(ApiClient)).revoked_at is not None
    assert 'id="revoke-' not in client.get("/admin/api-clients").get_data(as_text=True)
    # revoking twice changes nothing and says so
    assert client.post(f"/admin/api-clients/{stored.id}/revoke").status_code == 302


def test_creating_and_revoking_are_audited_without_the_token(client, login, users):
    login(users[Role.ADMIN])
    token, _page = _create(client, scopes=("exams:read",))
    stored = db.session.scalar(select(ApiClient))
    client.post(f"/admin/api-clients/{stored.id}/revoke")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("api.%"))
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [actions.API_CLIENT_CREATED, actions.API_CLIENT_REVOKED]
    created = events[0]
    assert created.actor_staff_no == "admin" and created.target_type == "api_clients"
    assert created.target_id == str(stored.id)
    assert created.details == {"name": "薪酬系统", "prefix": stored.token_prefix, "scopes": ["exams:read"]}
    assert all(token not in repr(e.details) for e in events)
    assert client.get("/audit").status_code == 200


@pytest.mark.parametrize("role", [Role.HR, Role.TRAINER, Role.COLLECTOR])
def test_only_admins_open_the_pages(client, login, users, role):
    login(users[role])
    assert client.get("/admin/api-clients").status_code == 403
    assert client.get("/admin/api-clients/new").status_code == 403
    assert client.post("/admin/api-clients/new", data={"name": "x", "scopes": ["staff:read"]}).status_code == 403
    assert db.session.scalars(select(ApiClient)).all() == []


@pytest.mark.app_config(FRESH_LOGIN_MINUTES=0)
def test_creating_needs_a_fresh_login(client, login, users, monkeypatch):
    login(users[Role.ADMIN])
    from datetime import timedelta

    from app.core import permissions

    later = permissions.utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(permissions, "utcnow", lambda: later)
    response = client.get("/admin/api-clients/new")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/confirm")
    assert 'id="fresh-note"' in client.get("/admin/api-clients").get_data(as_text=True)
    response = client.post("/admin/api-clients/new", data={"name": "x", "scopes": ["staff:read"]})
    assert response.status_code == 302
    assert db.session.scalars(select(ApiClient)).all() == []


def test_the_nav_shows_api_clients_to_admins_only(client, login, users):
    login(users[Role.ADMIN])
    assert "/admin/api-clients" in client.get("/admin").get_data(as_text=True)
    client.post("/logout")
    login(users[Role.HR])
    assert "/admin/api-clients" not in client.get("/hr").get_data(as_text=True)
