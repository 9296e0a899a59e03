"""Guessing a signed-in user's password at an unlocked PC ends in a clear, translated "too many" page, on a
desktop and on a phone (issue 14, finding 1)."""

import pytest

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_wrong_confirmations_end_in_a_translated_too_many_page(live_server, open_page, screenshots, viewport):
    from playwright.sync_api import expect

    from app.extensions import db
    from tests import factories

    staff_no = f"c09{len(viewport)}"  # an account of its own: its allowance is not shared with other tests
    with live_server.app.app_context():
        factories.make_user(staff_no, name="王五")
        db.session.commit()
    page, console_errors = open_page(VIEWPORTS[viewport])
    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#staff_no", staff_no)
    page.fill("#password", live_server.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/me")
    page.goto(f"{base}/account/confirm")
    for _ in range(5):  # PASSWORD_CHECK_LIMIT_PER_SESSION: 5 per 15 minutes
        page.fill("#password", "wrong-Pa55word")
        page.get_by_role("button", name="继续").click()
        expect(page.locator(".invalid-feedback")).to_have_text("密码不正确。")
    page.fill("#password", live_server.password)
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_text("密码输错次数过多，请 15 分钟后再试。")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots / f"password-recheck-429-{viewport}.png", full_page=True)
    # The page itself answers 429, which Chromium logs; nothing else may go wrong (a CSP violation would show).
    assert [error for error in console_errors if "status of 429" not in error] == []
