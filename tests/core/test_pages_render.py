"""Every page a role can open renders in both locales, with the right <html lang>."""

import pytest

from app.accounts.roles import Role
from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, access_of
from app.extensions import db


def _plain_get_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in BUILTIN_PUBLIC_ENDPOINTS or "GET" not in rule.methods or rule.arguments:
            continue
        yield rule


@pytest.mark.parametrize("locale, lang, marker", [("zh_Hans", "zh-Hans", "收费"), ("en", "en", "Toll")])
@pytest.mark.parametrize("role", list(Role))
def test_every_page_a_role_may_open_renders_in_both_locales(app, client, users, login, role, locale, lang, marker):
    user = users[role]
    user.locale = locale
    db.session.commit()
    login(user)
    checked = 0
    for rule in _plain_get_routes(app):
        if not access_of(app.view_functions[rule.endpoint]).admits(user):
            continue
        response = client.get(rule.rule, follow_redirects=True)
        assert response.status_code == 200, rule.rule
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert f'<html lang="{lang}">' in body, rule.rule
            assert marker in body, rule.rule
            checked += 1
    assert checked >= 2


def test_language_choice_is_remembered_for_the_user(app, client, users, login):
    collector = users[Role.COLLECTOR]
    login(collector)
    client.post("/language", data={"locale": "en", "next": "/me"})
    assert db.session.get(type(collector), collector.id).locale == "en"
    other_device = app.test_client()
    other_device.post("/login", data={"staff_no": collector.staff_no, "password": "Test@2026pw"})
    assert '<html lang="en">' in other_device.get("/me").get_data(as_text=True)


def test_anonymous_visitors_get_chinese_by_default_and_can_switch(client):
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "fr", "next": "/login"})
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)
