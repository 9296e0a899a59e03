"""One log line per request (no query values), in text or JSON; a request id taken from a sane X-Request-ID
or made up, echoed in the response and shown on error pages; the 500 handler's log carries it too."""

import json
import logging
import re

import pytest

from app import create_app
from app.config import ConfigError, load_config
from app.core.permissions import PUBLIC, allow
from app.core.request_log import LogFormatter, parse_log_format
from app.core.roles import Role
from tests.conftest import BASE_TEST_CONFIG

GENERATED = re.compile(r"[0-9a-f]{32}")


def _lines(caplog):
    return [r for r in caplog.records if r.name == "app.requests"]


@pytest.mark.parametrize("offered", ["abc-123", "lb.7f3a_9", "A" * 64])
def test_a_sane_request_id_is_echoed(client, offered):
    response = client.get("/login", headers={"X-Request-ID": offered})
    assert response.headers["X-Request-ID"] == offered


@pytest.mark.parametrize("offered", ["A" * 65, "has space", "tab\there", "semi;colon", "ünïcode", ""])
def test_an_insane_request_id_is_replaced_by_a_new_one(client, offered):
    response = client.get("/login", headers={"X-Request-ID": offered})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_a_request_without_an_id_gets_a_new_one_each_time(client):
    first, second = client.get("/login"), client.get("/login")
    assert GENERATED.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize(("locale", "label"), [("zh_Hans", "请求编号：lb-42"), ("en", "Request ID: lb-42")])
def test_error_pages_show_the_request_id(client, locale, label):
    client.post("/language", data={"locale": locale})
    response = client.get("/no-such-page", headers={"X-Request-ID": "lb-42"})
    assert response.status_code == 404
    assert label in response.get_data(as_text=True)


def test_one_line_per_request_with_query_keys_but_never_their_values(client, login, users, caplog):
    user = users[Role.HR]
    login(user)
    with caplog.at_level(logging.INFO, logger="app.requests"):
        response = client.get("/org/staff?q=secret-value-1&page=2&q=again", headers={"X-Request-ID": "rid-1"})
    (record,) = _lines(caplog)
    line = record.getMessage()
    assert re.fullmatch(rf"GET /org/staff\?q&page {response.status_code} \d+\.\dms user={user.id} "
                        r"request_id=rid-1 ip=127\.0\.0\.1", line), line
    assert "secret-value-1" not in line and "again" not in line
    assert record.request["status"] == response.status_code and record.request["user"] == str(user.id)


def test_an_anonymous_request_logs_a_dash_and_a_crafted_path_cannot_forge_a_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="app.requests"):
        client.get("/no-such%0Apage 200 1.0ms user=1")
    (record,) = _lines(caplog)
    line = record.getMessage()
    assert "\n" not in line and " user=- " in line
    assert line.startswith("GET /no-such%0Apage%20200%201.0ms%20user=1 404 ")


def test_static_files_and_probes_are_logged_at_debug_only(client, caplog):
    with caplog.at_level(logging.INFO, logger="app.requests"):
        client.get("/healthz")
        client.get("/readyz")
        client.get("/static/css/app.css")
    assert _lines(caplog) == []
    with caplog.at_level(logging.DEBUG, logger="app.requests"):
        client.get("/healthz")
    assert [r.levelno for r in _lines(caplog)] == [logging.DEBUG]


@pytest.mark.app_config(LOG_FORMAT="json")
def test_log_format_json_formats_records_as_one_json_object(app, client, caplog):
    with caplog.at_level(logging.INFO, logger="app.requests"):
        client.get("/login?next=/secret", headers={"X-Request-ID": "rid-json"})
    (record,) = _lines(caplog)
    line = LogFormatter().format(record)  # the app's LOG_FORMAT decides (gunicorn.conf.py uses this formatter)
    assert "\n" not in line
    body = json.loads(line)
    assert body["logger"] == "app.requests" and body["level"] == "INFO"
    assert {key: body[key] for key in ("method", "path", "status", "user", "request_id", "remote_addr")} == {
        "method": "GET", "path": "/login?next", "status": 200, "user": "-", "request_id": "rid-json",
        "remote_addr": "127.0.0.1"}
    assert isinstance(body["duration_ms"], float)


def test_the_text_format_adds_the_request_id_to_other_records(app):
    with app.test_request_context("/", headers={"X-Request-ID": "rid-7"}):
        from app.core.request_log import request_id

        request_id()
        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "something broke", (), None)
        assert LogFormatter(mode="text").format(record).endswith("something broke request_id=rid-7")
        assert json.loads(LogFormatter(mode="json").format(record))["request_id"] == "rid-7"


def test_log_format_accepts_only_text_or_json(tmp_path):
    assert load_config(str(tmp_path), environ={"LOG_FORMAT": "json"})["LOG_FORMAT"] == "json"
    assert load_config(str(tmp_path), environ={})["LOG_FORMAT"] == "text"
    with pytest.raises(ConfigError, match=r"LOG_FORMAT='xml' is not a log format \(expected text or json\)"):
        load_config(str(tmp_path), environ={"LOG_FORMAT": "xml"})
    with pytest.raises(ValueError, match="LOG_FORMAT='xml' is not text or json"):
        parse_log_format("xml")  # settings given to create_app directly (tests) are checked at registration
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                    "LOG_FORMAT": "xml"})


@pytest.mark.fresh_app
@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_the_500_handler_logs_the_request_id_the_page_shows(app, client, caplog):
    def _boom():
        raise RuntimeError("boom")

    app.add_url_rule("/test-only/boom", "test_only_boom", allow(PUBLIC)(_boom))
    with caplog.at_level(logging.INFO):
        response = client.get("/test-only/boom", headers={"X-Request-ID": "rid-500"})
    assert response.status_code == 500
    assert "请求编号：rid-500" in response.get_data(as_text=True)
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "request_id=rid-500" in error.getMessage() and error.exc_info is not None
    assert [r.request["status"] for r in _lines(caplog)] == [500]
