"""Numbers beyond the database's range are "not found" or ignored, never a 500 (docs/security.md §20).

SQLite's INTEGER stops at 2^63−1 and PostgreSQL's `integer` at 2^31−1; an id or page number above that used to
reach the query and fail there. The walks cover whatever `app.url_map` holds, so a new route is checked too.
"""

import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from app.core.integers import MAX_INT, whole_number
from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, access_of
from app.core.roles import Role
from app.extensions import db
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.core.test_route_permissions import SKIPPED_METHODS, Visitor

OUT_OF_RANGE = ["0", "-1", str(2**31), str(2**63), str(10**23)]
# Just above what this run's database holds in an INTEGER column (the walk is long: one value per database);
# GET requests also try a character str.isdigit() takes but int() refuses.
OVERFLOW = str(2**31) if POSTGRES_URL else str(2**63)
JUNK = ["", "x", "1.5", "١", "²", "1_0", " 1"]
PLACEHOLDER = 7340033  # a value no real id has, replaced in the built URL
APP = Path(__file__).resolve().parents[2] / "app"
ROLES_IN_ORDER = [Role.COLLECTOR, Role.TRAINER, Role.HR, Role.ADMIN]


def _integer_arguments(rule) -> list[str]:
    return [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint not in BUILTIN_PUBLIC_ENDPOINTS:
            yield rule


def _visitor_for(app, users, rule, visitors):
    """A signed-in visitor of the first role the route admits (anonymous for public routes)."""
    access = access_of(app.view_functions[rule.endpoint])
    if access.public:
        role = None
    else:
        role = next((r for r in ROLES_IN_ORDER if access.admits(users[r])), None)
        if role is None:
            return None  # API routes: tokens only (tests/api covers their parameters)
    if role not in visitors:
        visitors[role] = Visitor(app, users[role] if role else None)
    return visitors[role]


def parameter_names() -> set[str]:
    """Every query or form parameter the app reads by name, found in its source, plus the filter forms' fields."""
    names = set()
    for path in APP.rglob("*.py"):
        names |= set(re.findall(r'(?:args|values|form|source)\.get(?:list)?\(\s*"(\w+)"', path.read_text()))
    return names | {"page", "station", "team", "exam", "bank", "course", "plan", "batch", "topic", "topics",
                    "difficulty", "difficulty_min", "difficulty_max", "count", "seed", "course_id", "plan_id",
                    "user_id", "batch_id", "waiver_id", "id", "ids", "lecturer", "capacity"}


def test_whole_number_takes_only_ascii_digits_within_the_integer_column():
    assert whole_number("0") == 0 and whole_number(str(MAX_INT)) == MAX_INT and whole_number(12) == 12
    for bad in [*OUT_OF_RANGE[1:], *JUNK, None, True, 2**31, 1.0]:
        with pytest.raises(ValueError):
            whole_number(bad)


def test_every_integer_in_a_route_path_beyond_the_column_is_404(app, users, real_arguments):
    arguments = real_arguments(Role.ADMIN)
    visitors, problems, walked = {}, [], 0
    for rule in _rules(app):
        names = _integer_arguments(rule)
        visitor = _visitor_for(app, users, rule, visitors) if names else None
        if visitor is None:
            continue
        for name in names:
            values = {key: arguments.get(key, PLACEHOLDER) for key in rule.arguments}
            values[name] = PLACEHOLDER
            _domain, url = rule.build(values)
            for method in sorted(rule.methods - SKIPPED_METHODS):
                for bad in OUT_OF_RANGE:
                    # No route matches, so nothing can change: the same signed-in client serves every request.
                    response = visitor.client.open(url.replace(str(PLACEHOLDER), bad, 1), method=method)
                    walked += 1
                    if response.status_code != 404:
                        problems.append(f"{method} {rule.rule} {name}={bad}: {response.status_code}")
    assert walked > 300
    assert not problems, "\n".join(problems)


def test_integer_query_and_form_parameters_beyond_the_column_never_give_a_500(app, users, org, real_arguments):
    names = sorted(parameter_names())
    # Taken before any POST deletes an object; accounts acted on are a bystander's, so every visitor can log in.
    bystander = factories.make_user("c0999", team=org.stations[0].teams[0])
    db.session.commit()
    arguments_of = {role: {**real_arguments(role), "user_id": bystander.id, "staff_no": bystander.staff_no}
                    for role in Role}
    visitors, problems, walked = {}, [], 0
    for rule in _rules(app):
        visitor = _visitor_for(app, users, rule, visitors)
        if visitor is None:
            continue
        role = visitor.user and next(r for r, u in users.items() if u.id == visitor.user.id)
        arguments = arguments_of[role or Role.ADMIN]
        _domain, url = rule.build({name: arguments.get(name, PLACEHOLDER) for name in rule.arguments})
        for method in sorted(rule.methods - SKIPPED_METHODS):
            for bad in [OVERFLOW, "²"] if method == "GET" else [OVERFLOW]:
                values = dict.fromkeys(names, bad)
                if method == "GET":
                    response = visitor.open(method, url, query_string=values)
                else:
                    response = visitor.open(method, url, data=values)
                walked += 1
                if response.status_code >= 500:
                    problems.append(f"{method} {rule.rule} ={bad}: {response.status_code}")
    assert walked > 300
    assert not problems, "\n".join(problems)
