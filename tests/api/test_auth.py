"""Bearer tokens: missing, garbled, unknown or revoked → 401; out of scope → 403; stored only as a hash."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api import clients
from app.api.models import ApiClient
from app.api.scopes import EVALUATIONS_READ, EXAMS_READ, RESULTS_READ, STAFF_READ
from app.core.roles import Role
from app.extensions import db
from tests.api.conftest import T0, bearer
from tests.core.test_csrf import database_state

API_PATHS = ["/api/v1/staff", "/api/v1/staff/c0001", "/api/v1/exams", "/api/v1/exams/1", "/api/v1/results",
             "/api/v1/evaluations", "/api/v1/evaluations/1"]


def _error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


@pytest.mark.parametrize("path", API_PATHS)
def test_no_token_is_401_with_a_bearer_challenge(client, users, path):
    response = client.get(path)
    _error(response, 401, "token_required")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Bearer garbage", "Bearer tt_", "Bearer tt_zzzzzzzzzzzz_secret", "Bearer tt_0123456789ab_",
    "Bearer tt_0123456789ab_secret", "bearer tt_0123456789ab_secret", "Bearer 你好",
])
def test_a_garbled_or_unknown_token_is_401(client, token, header):
    response = client.get("/api/v1/staff", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')


def test_other_schemes_count_as_no_token(client, token):
    _error(client.get("/api/v1/staff", headers={"Authorization": f"Basic {token}"}), 401, "token_required")


def test_the_right_prefix_with_a_wrong_secret_is_401(client, token):
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.get("/api/v1/staff", headers=bearer(forged))
    _error(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 200


def test_a_revoked_token_is_401(client, users, token):
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 200
    api_client = db.session.scalar(select(ApiClient))
    clients.revoke_client(users[Role.ADMIN], api_client, ip="test", now=T0)
    db.session.commit()
    _error(client.get("/api/v1/staff", headers=bearer(token)), 401, "invalid_token")


@pytest.mark.parametrize("scope, allowed, refused", [
    (STAFF_READ, ["/api/v1/staff"], ["/api/v1/exams", "/api/v1/results"]),
    (EXAMS_READ, ["/api/v1/exams"], ["/api/v1/staff", "/api/v1/staff/c0001", "/api/v1/results"]),
    (RESULTS_READ, ["/api/v1/results"],
     ["/api/v1/staff", "/api/v1/exams", "/api/v1/exams/1", "/api/v1/evaluations"]),
    (EVALUATIONS_READ, ["/api/v1/evaluations"], ["/api/v1/results", "/api/v1/staff", "/api/v1/exams/1"]),
])
def test_a_token_reads_only_its_scopes(client, make_token, scope, allowed, refused):
    token = make_token([scope])
    for path in allowed:
        assert client.get(path, headers=bearer(token)).status_code == 200, path
    for path in refused:
        response = client.get(path, headers=bearer(token))
        error = _error(response, 403, "insufficient_scope")
        assert ":read" in error["message"]  # names the scope it needs
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_a_signed_in_admin_without_a_token_gets_401(client, login, users):
    assert login(users[Role.ADMIN]).status_code == 302
    assert client.get("/admin").status_code == 200
    _error(client.get("/api/v1/staff"), 401, "token_required")


def test_error_messages_follow_accept_language_then_the_default(client, users):
    chinese = client.get("/api/v1/staff").get_json()["error"]["message"]
    english = client.get("/api/v1/staff", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()["error"]
    assert english["message"] == "This API needs a token: send the header Authorization: Bearer <token>."
    assert client.get("/api/v1/staff", headers={"Accept-Language": "fr"}).get_json()["error"]["message"] == chinese
    assert client.get("/api/v1/staff", headers={"Accept-Language": "zh-CN"}).get_json()["error"]["message"] == chinese


def test_the_database_never_holds_the_token(app, client, token):
    prefix = clients.split_token(token)
    secret = token.split("_", 2)[2]  # tt_<prefix>_<secret>; the secret itself may hold "_"
    client.get("/api/v1/staff", headers=bearer(token))
    dump = repr(database_state())
    assert token not in dump and secret not in dump
    assert prefix in dump  # the public part is kept to find the row
    stored = db.session.scalar(select(ApiClient))
    assert len(stored.token_hash) == 64 and stored.token_hash != token


def test_tokens_are_long_random_and_distinct(make_token):
    tokens = {make_token(name=f"client {n}") for n in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert token.startswith("tt_") and len(token) >= 3 + 12 + 1 + 43


def test_use_is_recorded_at_most_once_a_minute(client, token, monkeypatch):
    client.get("/api/v1/staff", headers=bearer(token))
    first = db.session.scalar(select(ApiClient)).last_used_at
    assert first is not None
    client.get("/api/v1/staff", headers=bearer(token))
    assert db.session.scalar(select(ApiClient)).last_used_at == first
    later = first + timedelta(minutes=2)
    monkeypatch.setattr("app.api.auth.utcnow", lambda: later)
    client.get("/api/v1/staff", headers=bearer(token))
    assert db.session.scalar(select(ApiClient)).last_used_at == later


@pytest.mark.app_config(API_RATE_LIMIT="3 per minute")
def test_each_client_is_rate_limited(client, make_token):
    first, second = make_token(name="one"), make_token(name="two")
    for _ in range(3):
        assert client.get("/api/v1/staff", headers=bearer(first)).status_code == 200
    _error(client.get("/api/v1/staff", headers=bearer(first)), 429, "too_many_requests")
    assert client.get("/api/v1/staff", headers=bearer(second)).status_code == 200


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")


def test_unknown_api_paths_answer_json(client):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _error(client.post("/api/v1/staff"), 405, "method_not_allowed")


def test_a_session_that_must_change_its_password_does_not_redirect_the_api(client, login, users, token):
    admin = users[Role.ADMIN]
    admin.must_change_password = True
    db.session.commit()
    login(admin)
    _error(client.get("/api/v1/staff"), 401, "token_required")
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 200


def test_a_405_names_the_methods_the_path_allows(client):
    response = client.post("/api/v1/staff")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.app_config(API_AUTH_FAILURE_LIMIT="5 per minute")
def test_an_address_sending_bad_tokens_gets_429_and_then_even_a_good_token_waits(app, client, token):
    """Issue 14: 50 bad tokens used to be 50 × 401. Other addresses are not affected."""
    for header in ["Bearer tt_0123456789ab_secret", None, "Bearer garbage", "Basic eA==", "Bearer x"]:
        response = client.get("/api/v1/staff", headers={"Authorization": header} if header else {})
        assert response.status_code == 401
    response = client.get("/api/v1/staff", headers={**bearer("tt_0123456789ab_secret"), "Accept-Language": "en"})
    error = _error(response, 429, "too_many_requests")
    assert "valid token" in error["message"] and 0 < int(response.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 429
    elsewhere = app.test_client()
    assert elsewhere.get("/api/v1/staff", headers=bearer(token),
                         environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


@pytest.mark.app_config(API_AUTH_FAILURE_LIMIT="3 per minute")
def test_requests_with_a_valid_token_do_not_count_as_failures(client, token):
    for _ in range(6):
        assert client.get("/api/v1/staff", headers=bearer(token)).status_code == 200
