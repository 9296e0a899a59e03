"""A session that took place without a roll call, in Chromium: flagged on the batch page (desktop and a 390 px
phone) and on the lecturer's home page, then cleared by the lecturer's late roll with a reason."""

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_training import _fits_the_screen, _log_in, _today, freeze_training_clock, local_time

pytestmark = pytest.mark.browser

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _no_wider_than(page, width: int) -> bool:
    """The document itself is no wider than the phone (a phone browser would zoom out a wider page, which
    window.innerWidth follows)."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


def _batch_with_a_past_session(live_server, today):
    """A running batch of two collectors: yesterday's law morning has no roll; tomorrow's etiquette is ahead."""
    from app.accounts.models import User
    from app.extensions import db
    from tests import factories

    with live_server.app.app_context():
        trainer = db.session.scalar(db.select(User).where(User.staff_no == "trainer01"))
        people = [factories.make_user(f"c08{n}", name=name) for n, name in ((1, "周一"), (2, "吴二"))]
        batch = factories.make_batch("浏览器补排期", starts_on=today - timedelta(days=1), days=3, status="running",
                                     members=people)
        past = factories.make_session(batch, "law", trainer, room="五号教室", seats=people)
        factories.make_session(batch, "etiquette", trainer, day=today + timedelta(days=1), room="五号教室",
                               seats=people)
        db.session.commit()
        ids = batch.id, past.id
        db.session.remove()
        return ids


def test_a_past_session_without_its_roll_is_flagged_and_a_late_roll_clears_it(live_server, open_page, screenshots,
                                                                             monkeypatch):
    from playwright.sync_api import expect

    today = _today(live_server)
    freeze_training_clock(monkeypatch, local_time(live_server, today, "09:00"))
    batch_id, session_id = _batch_with_a_past_session(live_server, today)
    batch_url = f"{live_server.url}/training/batches/{batch_id}"

    hr, hr_errors = open_page(DESKTOP)
    _log_in(hr, live_server, "hr01")
    hr.goto(batch_url)
    expect(hr.locator("#due-rolls")).to_contain_text("有 1 个课次已结束，但点名尚未完成。")
    flagged = hr.locator(f"[data-roll-due='{session_id}']")
    expect(flagged).to_contain_text("点名未完成：2 人中 2 人未记录")
    assert hr.locator("[data-roll-due]").count() == 1  # tomorrow's session is not flagged
    hr.screenshot(path=screenshots / "attendance-flag-batch-desktop-zh_Hans.png", full_page=True)
    hr.goto(f"{live_server.url}/hr")
    expect(hr.locator("#due-rolls-home")).to_contain_text("浏览器补排期")
    assert not hr_errors, hr_errors

    phone, phone_errors = open_page(PHONE_390)
    _log_in(phone, live_server, "hr01")
    phone.goto(batch_url)
    badge = phone.locator(f"[data-roll-due='{session_id}'] .roll-due")
    badge.scroll_into_view_if_needed()
    expect(badge).to_be_visible()
    box = badge.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # the flag is on screen, not cut off
    expect(phone.locator("#due-rolls")).to_be_visible()
    assert _fits_the_screen(phone) and _no_wider_than(phone, 390)
    phone.screenshot(path=screenshots / "attendance-flag-batch-phone390-zh_Hans.png", full_page=True)
    assert not phone_errors, phone_errors

    lecturer, lecturer_errors = open_page(PHONE_390)
    _log_in(lecturer, live_server, "trainer01")
    lecturer.goto(f"{live_server.url}/trainer")
    home = lecturer.locator("#due-rolls-home")
    expect(home).to_contain_text("您的待补录点名课次")
    assert _fits_the_screen(lecturer) and _no_wider_than(lecturer, 390)
    lecturer.screenshot(path=screenshots / "attendance-flag-trainer-home-phone390-zh_Hans.png", full_page=True)
    home.get_by_role("link", name="补录点名").first.click()
    lecturer.wait_for_url(re.compile(rf"/training/sessions/{session_id}/roll$"))
    expect(lecturer.locator("#roll-window")).to_contain_text("已经结束")
    lecturer.locator("#rest-present").click()  # ticks the rest present, without saving
    lecturer.locator("button[name=action][value=save]").click()
    expect(lecturer.locator(".alert-danger")).to_contain_text("请填写原因")
    lecturer.fill("#reason", "课次为事后补排，按纸质签到表补录")
    lecturer.locator("#rest-present").click()
    lecturer.locator("button[name=action][value=save]").click()
    expect(lecturer.locator(".alert-success")).to_be_visible()
    expect(lecturer.locator(".roll-person .badge", has_text="补录于").first).to_be_visible()
    lecturer.screenshot(path=screenshots / "attendance-late-roll-phone390-zh_Hans.png", full_page=True)
    assert not [e for e in lecturer_errors if "status of 400" not in e], lecturer_errors  # the refused save

    hr.goto(batch_url)
    expect(hr.locator("#sessions")).to_be_visible()
    assert hr.locator("[data-roll-due]").count() == 0 and hr.locator("#due-rolls").count() == 0


def test_the_code_screen_closes_with_the_check_in_window(live_server, open_page, monkeypatch):
    from playwright.sync_api import expect

    from app.core.roles import Role
    from app.extensions import db
    from tests import factories

    today = _today(live_server)
    with live_server.app.app_context():
        # a lecturer of its own: trainer01 teaches today in the other browser tests (one live server for all)
        trainer = factories.make_user("trainer83", roles=[Role.TRAINER], name="吴讲师")
        person = factories.make_user("c083", name="郑三")
        batch = factories.make_batch("浏览器签到期", starts_on=today, days=1, status="running", members=[person])
        session_id = factories.make_session(batch, "integrity", trainer, slot="pm", room="六号教室", seats=[person]).id
        db.session.commit()
        db.session.remove()
    freeze_training_clock(monkeypatch, local_time(live_server, today, "18:29"))
    page, errors = open_page(DESKTOP)
    _log_in(page, live_server, "trainer83")
    page.goto(f"{live_server.url}/training/sessions/{session_id}/code")
    expect(page.locator("#checkin-qr")).to_be_visible()
    freeze_training_clock(monkeypatch, local_time(live_server, today, "18:30"))  # 17:30 + the hour's grace
    expect(page.locator("#checkin-closed")).to_contain_text("18:30", timeout=15000)  # the next poll reloads
    assert page.locator("#checkin-qr").count() == 0
    assert not [e for e in errors if "status of 409" not in e], errors
