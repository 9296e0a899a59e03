"""The XSS corpus through every user-supplied text field, every page viewed as every role (docs/security.md §24).

Every free-text column of every row of the page-render world holds a payload (tests/security/hostile.py); each
role then opens every page it may, and no page may contain anything that could run or restyle it
(`dangers`, from the bank pages' XSS test). A new text column fails the classification test until it is either
poisoned here or explained as technical.
"""

from flask import url_for

from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, access_of
from app.core.roles import Role
from tests.banks.test_pages_xss import dangers
from tests.core.test_route_permissions import Visitor
from tests.security.hostile import JSON_TEXT_FIELDS, SPECIAL, TECHNICAL, TEXT_FIELDS, poison, text_columns


def test_every_text_column_is_classified(app):
    poisoned = {f"{table}.{column}" for table, columns in TEXT_FIELDS.items() for column in columns}
    classified = poisoned | set(TECHNICAL) | set(SPECIAL)
    assert not poisoned & set(TECHNICAL)
    assert text_columns() - classified == set(), "classify these columns in tests/security/hostile.py"
    assert classified - text_columns() == set(), "these columns no longer exist"
    assert set(JSON_TEXT_FIELDS) <= set(TEXT_FIELDS)


def test_no_page_runs_hostile_text_for_any_role(app, users, real_arguments):
    arguments = {role: real_arguments(role) for role in Role}
    assert poison(keep_staff_no=users.values()) >= len(TEXT_FIELDS)
    problems, pages = [], 0
    for role in [None, *Role]:
        visitor = Visitor(app, users[role] if role else None)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            access = access_of(app.view_functions[rule.endpoint]) if rule.endpoint not in BUILTIN_PUBLIC_ENDPOINTS \
                else None
            if access is None or "GET" not in rule.methods or not access.admits(users[role] if role else None):
                continue
            if role is None and not access.public:
                continue
            with app.test_request_context():
                url = url_for(rule.endpoint, **{name: arguments[role or Role.ADMIN][name] for name in rule.arguments})
            response = visitor.open("GET", url, follow_redirects=True)
            if response.status_code >= 500:
                problems.append(f"{role} {url}: {response.status_code}")
            if response.mimetype == "text/html":
                pages += 1
                found = dangers(response.get_data(as_text=True))
                if found:
                    problems.append(f"{role} {url}: {sorted(set(found))}")
    assert pages > 100
    assert not problems, "\n".join(problems)
