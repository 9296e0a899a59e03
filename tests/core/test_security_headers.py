"""Security headers on every page, and pages that need no inline script or style (so the CSP can forbid them)."""

from html.parser import HTMLParser

import pytest

from app.core.roles import Role
from tests.core.test_route_permissions import IDENTITIES, Visitor, route_cases
from tests.factories import PASSWORD


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, event-handler attributes, style attributes."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name == "href" and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} href={value!r}>")
        if tag == "script" and not dict(attrs).get("src"):
            self.problems.append("<script> without src")
            self._in_inline_script = True
        if tag == "style":
            self.problems.append("<style> element")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")


def inline_code_in(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.problems


def header_problems(response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    if directives.get("script-src") != ["'self'"]:
        problems.append(f"script-src is {directives.get('script-src')}")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append("CSP allows unsafe-inline/unsafe-eval")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"object-src is {directives.get('object-src')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    return problems


def _html_responses(app, users):
    """(description, response) for every HTML page each identity can reach by GET, plus form error pages."""
    for role in IDENTITIES:
        visitor = Visitor(app, users[role] if role else None)
        for _rule, _method, url in route_cases(app, methods={"GET"}):
            response = visitor.open("GET", url, follow_redirects=True)
            yield f"{role or 'anonymous'} GET {url}", response
    anonymous = app.test_client()
    yield "failed login", anonymous.post("/login", data={"staff_no": "nobody", "password": "x"})
    yield "empty login", anonymous.post("/login", data={})
    collector = app.test_client()
    collector.post("/login", data={"staff_no": users[Role.COLLECTOR].staff_no, "password": PASSWORD})
    yield "refused password change", collector.post("/account/password", data={"current_password": "x"})
    yield "sessions page", collector.get("/account/sessions")
    yield "404 page", collector.get("/no-such-page")


def test_every_html_page_has_the_security_headers(app, users):
    problems, checked = [], 0
    for where, response in _html_responses(app, users):
        if response.mimetype != "text/html":
            continue
        checked += 1
        problems += [f"{where}: {p}" for p in header_problems(response)]
    assert checked > 10
    assert not problems, "\n".join(problems)


def test_no_html_page_has_inline_script_event_handlers_or_style_attributes(app, users):
    problems, checked = [], 0
    for where, response in _html_responses(app, users):
        if response.mimetype != "text/html":
            continue
        checked += 1
        problems += [f"{where}: {p}" for p in inline_code_in(response.get_data(as_text=True))]
    assert checked > 10
    assert not problems, "\n".join(problems)


def test_json_and_static_responses_have_the_headers_too(app, client):
    for response in (
        client.get("/static/css/app.css"),
        client.get("/me", headers={"Accept": "application/json"}),
        client.get("/no-such-page", headers={"Accept": "application/json"}),
    ):
        response.close()  # static files are streamed from an open file
        assert header_problems(response) == []


def test_pages_are_not_cached_and_not_framed(app, client, users, login):
    login(users[Role.COLLECTOR])
    response = client.get("/me")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_hsts_is_sent_when_served_over_https(client):
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    "html, found",
    [
        ('<script src="/static/x.js"></script>', False),
        ("<script>alert(1)</script>", True),
        ('<button onclick="go()">x</button>', True),
        ('<div style="color:red">x</div>', True),
        ('<a href="javascript:go()">x</a>', True),
        ('<p data-style="x">online</p>', False),
    ],
)
def test_the_inline_code_check_finds_what_it_should(html, found):
    assert bool(inline_code_in(html)) is found
