"""Translated messages that quote user input are escaped like any other text."""

import ast
from pathlib import Path

from flask import render_template_string

from app.core.i18n import lazy_gettext as _l
from app.core.i18n import lazy_ngettext
from app.core.roles import Role
from app.extensions import db
from app.org.services import create_station

APP = Path(__file__).resolve().parents[2] / "app"
PAYLOAD = "<script>alert(1)</script>"


def test_a_lazy_message_quoting_user_input_is_escaped_in_templates(app):
    with app.test_request_context():
        html = render_template_string("{{ m }}|{{ n }}", m=_l("Station %(name)s", name=PAYLOAD),
                                      n=lazy_ngettext("%(num)d x %(v)s", "%(num)d xs %(v)s", 2, v=PAYLOAD))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_domain_error_naming_a_station_is_escaped_on_the_page(app, client, users, login):
    create_station(PAYLOAD)
    db.session.commit()
    login(users[Role.ADMIN])
    response = client.post("/stations/new", data={"name": PAYLOAD, "kind": "station"})
    body = response.get_data(as_text=True)
    assert PAYLOAD not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_no_module_takes_lazy_strings_from_flask_babel_directly():
    """Flask-Babel's own lazy strings skip escaping; app.core.i18n has the safe ones."""
    offenders = []
    for path in APP.rglob("*.py"):
        if path == APP / "core" / "i18n.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
                and any(alias.name.startswith("lazy_") for alias in node.names)
            ):
                offenders.append(str(path.relative_to(APP)))
    assert not offenders
