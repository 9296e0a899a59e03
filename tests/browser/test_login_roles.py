"""Each role logs in through the real form, lands on its page, switches language and logs out,
on a desktop and on a phone, with no console errors (CSP violations would show there)."""

import re

import pytest

from app.core.roles import Role

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
LANDING = {Role.ADMIN: "/admin", Role.HR: "/hr", Role.TRAINER: "/trainer", Role.COLLECTOR: "/me"}
ENGLISH_TITLE = {
    Role.ADMIN: "Administration",
    Role.HR: "Training office",
    Role.TRAINER: "Trainer",
    Role.COLLECTOR: "Hello, 张三",
}


@pytest.fixture
def page_for(browser):
    """page_for(viewport) → (page, console errors); contexts are closed afterwards."""
    contexts = []

    def _open(viewport):
        context = browser.new_context(**VIEWPORTS[viewport], locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page, errors

    yield _open
    for context in contexts:
        context.close()


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _open_collapsed_menu(page):
    page.locator(".navbar-toggler").click()
    page.locator("#main-nav.show").wait_for()  # the opening animation has finished


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_logs_in_switches_language_and_logs_out(live_server, page_for, screenshots, role, viewport):
    from playwright.sync_api import expect

    page, console_errors = page_for(viewport)
    base = live_server.url
    page.goto(f"{base}/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    if role == Role.ADMIN:
        page.screenshot(path=screenshots / f"login-{viewport}-zh_Hans.png", full_page=True)
        assert _fits_the_screen(page)

    page.fill("#staff_no", live_server.staff_numbers[role])
    page.fill("#password", live_server.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}{LANDING[role]}")
    page.wait_for_load_state()
    title = page.locator("h1#landing-title")
    expect(title).to_be_visible()
    chinese_title = title.inner_text()
    assert chinese_title and chinese_title != ENGLISH_TITLE[role]
    assert _fits_the_screen(page), "the page is wider than the screen"
    page.screenshot(path=screenshots / f"{role.value}-{viewport}-zh_Hans.png", full_page=True)

    toggler = page.locator(".navbar-toggler")
    home_link = page.locator("#main-nav .nav-link", has_text=re.compile("首页|Home"))
    if viewport == "phone":
        expect(toggler).to_be_visible()
        expect(home_link).to_be_hidden()
        _open_collapsed_menu(page)
        expect(home_link).to_be_visible()
        expect(page.locator("#account-menu")).to_be_visible()
        assert _fits_the_screen(page)
        page.screenshot(path=screenshots / f"{role.value}-{viewport}-menu.png", full_page=True)
        toggler.click()
        expect(home_link).to_be_hidden()
    else:
        expect(toggler).to_be_hidden()
        expect(home_link).to_be_visible()

    page.locator('#language-form button[value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state()  # the new page's stylesheets and script are in
    expect(page).to_have_url(f"{base}{LANDING[role]}")
    expect(title).to_have_text(ENGLISH_TITLE[role])
    assert _fits_the_screen(page)
    page.screenshot(path=screenshots / f"{role.value}-{viewport}-en.png", full_page=True)

    page.locator('#language-form button[value="zh_Hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.wait_for_load_state()  # the new page's stylesheets and script are in
    expect(title).to_have_text(chinese_title)

    if viewport == "phone":
        _open_collapsed_menu(page)
    page.locator("#account-menu").click()
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(re.escape(f"{base}/login")))
    page.goto(f"{base}{LANDING[role]}")
    expect(page).to_have_url(re.compile(re.escape(f"{base}/login")))

    assert console_errors == []


def test_a_wrong_password_shows_the_message_without_console_errors(live_server, page_for):
    from playwright.sync_api import expect

    page, console_errors = page_for("phone")
    page.goto(f"{live_server.url}/login")
    page.fill("#staff_no", "c0001")
    page.fill("#password", "not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/login")
    assert console_errors == []
