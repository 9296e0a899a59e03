"""Static files: URLs carrying the content's hash, a year's caching for them, ETags from the content."""

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import event

from app import create_app
from app.core import static_files
from app.core.roles import Role
from app.extensions import db
from tests.conftest import BASE_TEST_CONFIG

APP = Path(__file__).resolve().parents[2] / "app"
STATIC = APP / "static"
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]*)"')


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _static_links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in STATIC_LINK.findall(html)]


def _split(link: str) -> tuple[str, str]:
    path, _, query = link.partition("?")
    assert query.startswith("v="), link
    return path.removeprefix("/static/"), query.removeprefix("v=")


def _app_serving(folder: Path):
    """An app of its own whose static files come from `folder` (its database is never touched)."""
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.extensions["static_files"].folder = str(folder)
    return app


def test_every_static_link_on_the_login_page_carries_the_files_hash_and_is_cached_for_a_year(client):
    links = _static_links(client.get("/login").text)
    assert {_split(link)[0] for link in links} >= {"css/app.css", "vendor/bootstrap-5.3.9/bootstrap.min.css",
                                                   "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js", "favicon.svg"}
    for link in links:
        filename, version = _split(link)
        digest = _sha256(STATIC / filename)
        assert version == digest[:12]
        response = client.get(link)
        assert response.status_code == 200
        assert response.data == (STATIC / filename).read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["ETag"] == f'"{digest}"'
        assert "Last-Modified" not in response.headers


def test_a_signed_in_page_links_its_own_static_files_with_their_hash(client, users, login):
    login(users[Role.TRAINER])
    links = _static_links(client.get("/", follow_redirects=True).text)
    assert links
    for link in links:
        filename, version = _split(link)
        assert version == _sha256(STATIC / filename)[:12]


def test_a_static_url_without_the_hash_or_with_another_is_cached_briefly(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert response.headers["ETag"] == f'"{_sha256(STATIC / "css/app.css")}"'


def test_a_revalidation_with_the_etag_gets_304_and_keeps_the_cache_header(client):
    first = client.get("/static/css/app.css?v=" + _sha256(STATIC / "css/app.css")[:12])
    again = client.get(first.request.url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("url", ["/static/nothing.css", "/static/../config.py", "/static/%2e%2e/config.py",
                                 "/static/css", "/static/css/"])
def test_a_missing_or_outside_static_file_is_not_found(client, url):
    assert client.get(url).status_code == 404


def test_a_static_response_asks_nothing_of_the_database_and_sets_no_cookie(client, users, login):
    """Anything depending on the session would make browsers refetch (Vary: Cookie) and cost a query."""
    login(users[Role.COLLECTOR])
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/static/css/app.css?v=" + _sha256(STATIC / "css/app.css")[:12])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_changed_file_gets_a_new_url_and_the_old_url_is_no_longer_cached_for_long(tmp_path):
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app = _app_serving(folder)
    client = app.test_client()
    before = _static_links(client.get("/login").text)
    old = next(link for link in before if link.startswith("/static/css/app.css?"))
    stylesheet = folder / "css" / "app.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.changed { color: red; }\n")
    after = _static_links(client.get("/login").text)
    new = next(link for link in after if link.startswith("/static/css/app.css?"))
    assert new != old
    assert _split(new)[1] == _sha256(stylesheet)[:12]
    assert client.get(new).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b".changed" in client.get(new).data
    assert client.get(old).headers["Cache-Control"] == "public, max-age=60"
    assert set(before) - {old} == set(after) - {new}  # the other files kept their URLs


def test_two_servers_with_different_file_times_answer_alike(tmp_path):
    answers = []
    for number, mtime in enumerate((1_600_000_000, 1_700_000_000)):
        folder = tmp_path / f"server{number}"
        shutil.copytree(STATIC, folder)
        for path in folder.rglob("*"):
            os.utime(path, (mtime, mtime))
        client = _app_serving(folder).test_client()
        links = _static_links(client.get("/login").text)
        responses = [client.get(link) for link in links]
        answers.append((links, [(r.status_code, r.data, {k: v for k, v in r.headers if k != "Date"})
                                for r in responses]))
    assert answers[0] == answers[1]
    assert all(headers["ETag"] for _status, _body, headers in answers[0][1])


def test_files_are_hashed_once_per_process(tmp_path, monkeypatch):
    (tmp_path / "a.css").write_text("a { }")
    files = static_files.StaticFiles(str(tmp_path))
    hashed = []
    real = hashlib.sha256
    monkeypatch.setattr(static_files.hashlib, "sha256", lambda body: hashed.append(body) or real(body))
    versions = {files.get("a.css").version for _ in range(5)}
    assert len(versions) == 1
    assert hashed == [b"a { }"]


def test_templates_and_scripts_build_static_urls_with_url_for_only():
    """A literal /static/ path would carry no hash and be cached for a minute only."""
    literal = re.compile(r"""["'(]/static/""")
    offenders = [
        str(path.relative_to(APP))
        for pattern in ("**/*.html", "static/js/*.js", "static/css/*.css")
        for path in APP.glob(pattern)
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
