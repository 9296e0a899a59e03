"""The role × route matrix: every route declares who may use it, and the app enforces exactly that.

The walk covers whatever `app.url_map` holds, so a route added later is checked without editing
this file. Ids in URLs are ones that do not exist: an admitted role may get 404, never 403 or 500.

`route_cases`, `Visitor` and `csrf_tokens_in` are reused by the CSRF, security-header, error-page and
password-change tests (they could move to a shared tests/ helper module).
"""

import uuid
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from werkzeug.routing.converters import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, PUBLIC, access_of, allow
from app.core.roles import Role
from tests.factories import PASSWORD

SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
MISSING_ID = 999999
IDENTITIES = [None, *Role]  # None = anonymous visitor

# Written by hand so a widened @allow on a landing page cannot go unnoticed.
LANDING_PAGES = {
    "/admin": {Role.ADMIN},
    "/hr": {Role.HR, Role.ADMIN},
    "/trainer": {Role.TRAINER},
    "/me": set(Role),
}


def _fake_value(converter):
    if isinstance(converter, IntegerConverter):
        return MISSING_ID
    if isinstance(converter, FloatConverter):
        return float(MISSING_ID)
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=MISSING_ID)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def declared_rules(app):
    """Every rule except Flask's own static files, in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in BUILTIN_PUBLIC_ENDPOINTS]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def route_cases(app, methods=None):
    """(rule, method, url) for each route and method, URL arguments filled with ids that do not exist."""
    for rule in declared_rules(app):
        values = {name: _fake_value(converter) for name, converter in rule._converters.items()}
        _domain, url = rule.build(values)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            if methods is None or method in methods:
                yield rule, method, url


def undeclared_routes(app) -> list[str]:
    return [
        f"{rule.rule} ({rule.endpoint})"
        for rule in declared_rules(app)
        if access_of(app.view_functions[rule.endpoint]) is None
    ]


class _TokenFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tokens = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.tokens.append(attrs.get("value"))


def csrf_tokens_in(response) -> list[str]:
    finder = _TokenFinder()
    finder.feed(response.get_data(as_text=True))
    return finder.tokens


class Visitor:
    """A browser for one identity; logs in again after any request that could have ended its session."""

    def __init__(self, app, user=None):
        self.app = app
        self.user = user
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self.app.test_client()
            if self.user is not None:
                data = {"staff_no": self.user.staff_no, "password": PASSWORD}
                tokens = csrf_tokens_in(self._client.get("/login"))  # only there when CSRF is on
                if tokens:
                    data["csrf_token"] = tokens[0]
                response = self._client.post("/login", data=data)
                assert response.status_code == 302, f"could not log in as {self.user.staff_no}"
        return self._client

    def open(self, method, url, **kwargs):
        response = self.client.open(url, method=method, **kwargs)
        if method != "GET":
            self._client = None  # a POST may have logged out or ended sessions: start afresh next time
        return response


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_every_route_declares_who_may_use_it(app):
    undeclared = undeclared_routes(app)
    assert not undeclared, f"routes without an @allow(...) declaration: {undeclared}"


@pytest.mark.fresh_app  # adds routes
def test_the_declaration_check_names_a_route_without_one(app):
    app.add_url_rule("/probe-undeclared", "probe_undeclared", lambda: "hello")
    app.add_url_rule("/probe-declared", "probe_declared", allow(PUBLIC)(lambda: "hello"))
    undeclared = undeclared_routes(app)
    assert "/probe-undeclared (probe_undeclared)" in undeclared
    assert not any(entry.startswith("/probe-declared") for entry in undeclared)


def test_token_routes_are_declared_with_a_scope_and_admit_no_session(app, users):
    token_routes = [rule for rule in declared_rules(app) if access_of(app.view_functions[rule.endpoint]).by_token]
    assert {rule.rule for rule in token_routes} >= {"/api/v1/staff", "/api/v1/exams", "/api/v1/results"}
    for rule in token_routes:
        access = access_of(app.view_functions[rule.endpoint])
        assert access.scope and not access.public
        assert not any(access.admits(users[role]) for role in Role)
        assert rule.rule.startswith("/api/")


def test_the_walk_covers_the_known_routes(app):
    walked = {(rule.endpoint, method) for rule, method, _url in route_cases(app)}
    for case in [
        ("main.admin_home", "GET"),
        ("accounts.login", "POST"),
        ("accounts.logout", "POST"),
        ("accounts.end_my_session", "POST"),
        ("accounts.set_language", "POST"),
    ]:
        assert case in walked
    assert not any(method in SKIPPED_METHODS for _endpoint, method in walked)


@pytest.mark.parametrize("role", IDENTITIES, ids=lambda r: r.value if r else "anonymous")
def test_each_route_admits_exactly_the_roles_it_declares(app, users, role):
    user = users[role] if role else None
    visitor = Visitor(app, user)
    problems = []
    for rule, method, url in route_cases(app):
        access = access_of(app.view_functions[rule.endpoint])
        response = visitor.open(method, url)
        status = response.status_code
        where = f"{method} {url} ({rule.endpoint})"
        if status >= 500:
            problems.append(f"{where}: {status}")
        elif access.by_token:
            # API routes take a bearer token only: a session, even an admin's, is not enough.
            if status != 401 or not response.headers.get("WWW-Authenticate", "").startswith("Bearer"):
                problems.append(f"{where}: token route answered {status} without a token")
        elif access.public:
            if status == 403:
                problems.append(f"{where}: public route answered 403")
        elif user is None:
            if not _is_login_redirect(response):
                problems.append(f"{where}: anonymous got {status} instead of a redirect to /login")
        elif not access.admits(user):
            if status != 403:
                problems.append(f"{where}: {role} is not declared but got {status}, not 403")
        elif status == 403:
            problems.append(f"{where}: {role} is declared but got 403")
        elif method == "GET" and _is_login_redirect(response):
            problems.append(f"{where}: {role} is declared but was sent to the login page")
    assert not problems, "\n".join(problems)


def test_anonymous_json_callers_get_401_on_every_non_public_route(app):
    visitor = Visitor(app)
    problems = []
    for rule, method, url in route_cases(app):
        if access_of(app.view_functions[rule.endpoint]).public:
            continue
        response = visitor.open(method, url, headers={"Accept": "application/json"})
        if response.status_code != 401 or response.get_json()["error"]["status"] != 401:
            problems.append(f"{method} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path, admitted", list(LANDING_PAGES.items()))
def test_landing_pages_admit_only_their_roles(app, users, path, admitted):
    endpoint, _args = app.url_map.bind("localhost").match(path)
    access = access_of(app.view_functions[endpoint])
    assert not access.public
    assert {role for role in Role if access.admits(users[role])} == admitted

    assert _is_login_redirect(Visitor(app).open("GET", path))
    for role in Role:
        status = Visitor(app, users[role]).open("GET", path).status_code
        assert status == (200 if role in admitted else 403), f"{role} on {path}"


def test_a_person_with_several_roles_is_admitted_by_any_of_them(app, users):
    from app.accounts.models import UserRole
    from app.extensions import db

    trainer = users[Role.TRAINER]
    trainer.role_rows.append(UserRole(role=Role.HR.value))
    db.session.commit()
    visitor = Visitor(app, trainer)
    assert visitor.open("GET", "/trainer").status_code == 200
    assert visitor.open("GET", "/hr").status_code == 200
    assert visitor.open("GET", "/admin").status_code == 403
