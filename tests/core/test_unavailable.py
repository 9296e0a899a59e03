"""The database out of reach: 503 with Retry-After, a translated page that needs no database, JSON for JSON
callers, one warning line; pooled connections are pinged so a database restart leaves no dead ones behind."""

import importlib.util
import logging

import pytest
from sqlalchemy import exc, text

from app import create_app
from app.api import clients
from app.api.scopes import SCOPES
from app.core.clock import utcnow
from app.core.roles import Role
from app.core.unavailable import RETRY_AFTER_SECONDS, engine_options, is_unavailable
from app.extensions import db
from tests.conftest import BASE_TEST_CONFIG
from tests.exams import take_helpers
from tests.factories import PASSWORD
from tests.outage import database_down

PAGES = {"zh_Hans": ("暂时无法使用", "请求编号"), "en": ("Temporarily unavailable", "Request ID")}


def _assert_unavailable_page(response, locale):
    title, request_id_label = PAGES[locale]
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    assert title in page
    assert request_id_label in page and response.headers["X-Request-ID"] in page
    assert "/static/css/app.css" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert f'lang="{locale.replace("_", "-")}"' in page


@pytest.mark.parametrize(("accept_language", "locale"), [(None, "zh_Hans"), ("en-US,en;q=0.9", "en"),
                                                         ("zh-CN,zh;q=0.9", "zh_Hans")])
def test_a_login_while_the_database_is_down_gets_the_503_page_in_the_requests_language(
        client, users, accept_language, locale, caplog):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    with database_down(), caplog.at_level(logging.INFO):
        response = client.post("/login", data={"staff_no": "c0001", "password": PASSWORD}, headers=headers)
    _assert_unavailable_page(response, locale)
    warnings = [r for r in caplog.records if r.name == "app.database"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING and warnings[0].exc_info is None
    assert response.headers["X-Request-ID"] in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback, no error records"


def test_the_language_chosen_in_the_footer_wins_over_accept_language(client, users):
    client.post("/language", data={"locale": "en"})
    with database_down():
        response = client.get("/login", headers={"Accept-Language": "zh-CN"})
    # The login form itself needs no database: it is served; a signed-in page is not.
    assert response.status_code == 200
    with database_down():
        response = client.post("/login", data={"staff_no": "c0001", "password": PASSWORD},
                               headers={"Accept-Language": "zh-CN"})
    _assert_unavailable_page(response, "en")


def test_a_signed_in_user_whose_session_cannot_be_loaded_gets_the_503_page(client, login, users):
    assert login(users[Role.COLLECTOR]).status_code == 302
    with database_down():
        response = client.get("/", headers={"Accept-Language": "en"})
    _assert_unavailable_page(response, "en")
    assert client.get("/me").status_code == 200, "back to normal once the database answers"


def test_the_exam_pages_save_gets_json_503_with_retry_after(client, login, users):
    collector = users[Role.COLLECTOR]
    exam = take_helpers.make_exam(users[Role.TRAINER], [collector])
    login(collector)
    attempt = take_helpers.start(client, exam)
    with database_down():
        response = client.post(f"/my/attempts/{attempt.id}/save", json={"known": 0, "changes": []},
                               headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    error = response.get_json()["error"]
    assert error["status"] == 503 and error["code"] == "unavailable" and error["retry_after"] == 30


def test_the_api_gets_json_503(client, users):
    _client, token = clients.create_client(users[Role.ADMIN], "HR system", list(SCOPES), ip="test", now=utcnow())
    db.session.commit()
    with database_down():
        response = client.get("/api/v1/staff", headers={"Authorization": f"Bearer {token}",
                                                        "Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.get_json()["error"] == {
        "status": 503, "code": "unavailable", "title": "Temporarily unavailable",
        "message": "The system cannot reach its database at the moment. Your saved work is safe. "
                   "Wait a minute, then try again.", "retry_after": 30}


@pytest.mark.skipif(importlib.util.find_spec("psycopg") is None, reason="needs psycopg")
def test_a_postgresql_server_nobody_listens_on_answers_503_not_500(app):
    """A real refused connection: an app whose database URL points at a closed port."""
    closed = create_app({**BASE_TEST_CONFIG, "PROPAGATE_EXCEPTIONS": False,
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nothing"})
    response = closed.test_client().post("/login", data={"staff_no": "c0001", "password": PASSWORD})
    _assert_unavailable_page(response, "zh_Hans")
    health = closed.test_client().get("/readyz")
    assert health.status_code == 503 and health.get_json()["checks"]["database"]["ok"] is False
    with closed.app_context():
        db.engine.dispose()


def test_a_wrong_query_is_not_an_outage(app):
    """SQLite reports a missing table as an OperationalError too: only errors of reaching the database are 503s."""
    with pytest.raises(exc.DBAPIError) as raised:
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))
    db.session.rollback()
    assert not is_unavailable(raised.value)


def test_refused_connections_and_pool_timeouts_count_as_unavailable():
    refused = exc.OperationalError("connect", {}, Exception("connection refused"))
    assert is_unavailable(refused)
    assert is_unavailable(exc.TimeoutError("QueuePool limit reached"))
    assert not is_unavailable(exc.IntegrityError("insert", {}, Exception("duplicate key")))
    assert not is_unavailable(ValueError("not a database error"))


def test_every_engine_pings_its_connections_and_recycles_them(app):
    pool = db.engine.pool
    assert pool._pre_ping is True
    assert pool._recycle == 1800
    options = engine_options("postgresql+psycopg://toll@db.internal/toll")
    assert options["pool_pre_ping"] and options["pool_recycle"] == 1800
    assert options["connect_args"] == {"connect_timeout": 5}
    assert "pool_recycle" not in engine_options("sqlite://"), "an in-memory database would be lost by a recycle"
    assert "connect_args" not in engine_options("sqlite:////tmp/x.db")
