"""Error pages: friendly, translated, right status, JSON for JSON callers, never debug details."""

import re

import pytest
from flask_babel import force_locale

from app.core.error_handlers import MESSAGES, size_label
from app.core.permissions import PUBLIC, allow
from app.core.roles import Role
from tests.core.test_route_permissions import csrf_tokens_in
from tests.factories import PASSWORD

SECRET_DETAIL = "boom-7f3a-secret-detail"
LOCALES = [("zh_Hans", "zh-Hans"), ("en", "en")]
STATUSES = [400, 403, 404, 405, 413, 429, 500]
DEBUG_MARKERS = ("Traceback", SECRET_DETAIL, "RuntimeError", "werkzeug", "sqlalchemy", 'File "/')

pytestmark = pytest.mark.app_config(
    WTF_CSRF_ENABLED=True,
    MAX_CONTENT_LENGTH=1024,
    LOGIN_LIMIT_PER_ACCOUNT="1 per 15 minutes",
    PROPAGATE_EXCEPTIONS=False,
)


def _boom():
    raise RuntimeError(SECRET_DETAIL)


@pytest.fixture
def app_with_boom(app):
    """The app plus a test-only route that fails; added before the first request, as Flask requires."""
    app.add_url_rule("/test-only/boom", "test_only_boom", allow(PUBLIC)(_boom))
    return app


def _token(client) -> str:
    return csrf_tokens_in(client.get("/no-such-page"))[0]


def _switch_locale(client, locale):
    response = client.post("/language", data={"locale": locale, "csrf_token": _token(client)})
    assert response.status_code == 302


def _login(client, user, password=PASSWORD):
    return client.post("/login", data={"staff_no": user.staff_no, "password": password, "csrf_token": _token(client)})


def _trigger(status, client, users, headers):
    if status == 400:
        return client.post("/language", data={"locale": "en"}, headers=headers)  # no CSRF token
    if status == 403:
        _login(client, users[Role.COLLECTOR])
        return client.get("/admin", headers=headers)
    if status == 404:
        return client.get("/no-such-page", headers=headers)
    if status == 405:
        return client.get("/logout", headers=headers)
    if status == 413:
        return client.post("/login", data={"staff_no": "x" * 4096, "password": "y"}, headers=headers)
    if status == 429:
        _login(client, users[Role.COLLECTOR], password="wrong-Pa55word")
        return _login_with_headers(client, users[Role.COLLECTOR], headers)
    if status == 500:
        return client.get("/test-only/boom", headers=headers)
    raise AssertionError(status)


def _login_with_headers(client, user, headers):
    data = {"staff_no": user.staff_no, "password": PASSWORD, "csrf_token": _token(client)}
    return client.post("/login", data=data, headers=headers)


def _expected_title(app, status, locale) -> str:
    with app.test_request_context(), force_locale(locale):
        return str(MESSAGES[status][0])


@pytest.mark.fresh_app  # app_with_boom adds a route
@pytest.mark.parametrize("locale, lang", LOCALES)
@pytest.mark.parametrize("status", STATUSES)
def test_error_page_is_friendly_and_translated(app_with_boom, users, status, locale, lang):
    app = app_with_boom
    client = app.test_client()
    _switch_locale(client, locale)
    response = _trigger(status, client, users, headers={})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body
    title = _expected_title(app, status, locale)
    assert re.search(rf"<h1[^>]*>\s*{re.escape(title)}\s*</h1>", body), title
    assert f">{status}<" in body
    assert 'href="/"' in body  # a way back to the start page
    for marker in DEBUG_MARKERS:
        assert marker not in body
    if locale == "zh_Hans":
        assert title != _expected_title(app, status, "en"), "the Chinese page is not translated"


@pytest.mark.fresh_app  # app_with_boom adds a route
@pytest.mark.parametrize("locale, _lang", LOCALES)
@pytest.mark.parametrize("status", STATUSES)
def test_error_answers_json_callers_in_json(app_with_boom, users, status, locale, _lang):
    app = app_with_boom
    client = app.test_client()
    _switch_locale(client, locale)
    response = _trigger(status, client, users, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["title"] == _expected_title(app, status, locale)
    assert error["message"]
    text = response.get_data(as_text=True)
    for marker in DEBUG_MARKERS:
        assert marker not in text


@pytest.mark.fresh_app  # app_with_boom adds a route
def test_a_500_is_logged_for_the_administrator_but_not_shown(app_with_boom, caplog):
    response = app_with_boom.test_client().get("/test-only/boom")
    assert response.status_code == 500
    assert SECRET_DETAIL not in response.get_data(as_text=True)
    assert SECRET_DETAIL in caplog.text
    assert not app_with_boom.debug


def test_too_large_page_names_the_limit(app, users):
    client = app.test_client()
    _switch_locale(client, "en")
    body = _trigger(413, client, users, headers={}).get_data(as_text=True)
    assert "1 KiB" in body


def test_csrf_failure_page_explains_what_to_do(app, users):
    client = app.test_client()
    _switch_locale(client, "en")
    body = _trigger(400, client, users, headers={}).get_data(as_text=True)
    assert "Reload the page and try again." in body


@pytest.mark.parametrize(
    "size, label",
    [(16 * 1024 * 1024, "16 MiB"), (1024, "1 KiB"), (512 * 1024, "512 KiB"), (1536 * 1024, "1.5 MiB"), (100, "100 B")],
)
def test_size_label_never_rounds_the_limit_to_zero(app, size, label):
    with app.test_request_context(), force_locale("en"):
        assert size_label(size) == label
