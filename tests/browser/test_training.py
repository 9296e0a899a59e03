"""HR plans training in Chromium (a plan over a station, two batches, the solver's allocation, a session today,
publishing), the lecturer shows the rotating check-in code, and a collector checks in with it on a phone."""

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _log_in(page, live_server, staff_no):
    page.goto(f"{live_server.url}/login")
    page.fill("#staff_no", staff_no)
    page.fill("#password", live_server.password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/(me|home|admin|hr|trainer)?$|/$"))


def _today(live_server):
    from app.core.clock import utcnow
    from app.core.localtime import local_today

    with live_server.app.app_context():
        return local_today(utcnow())


def _batch_of(live_server, staff_no, plan_name):
    from sqlalchemy import select

    from app.accounts.models import User
    from app.extensions import db
    from app.training.models import Batch, BatchMember, TrainingPlan

    with live_server.app.app_context():
        found = db.session.execute(
            select(Batch.id, Batch.name).join(BatchMember).join(User, User.id == BatchMember.user_id)
            .join(TrainingPlan, TrainingPlan.id == Batch.plan_id).where(User.staff_no == staff_no, TrainingPlan.name == plan_name)).one()
        db.session.remove()
        return found


def _attendance(live_server, staff_no):
    from sqlalchemy import select

    from app.accounts.models import User
    from app.extensions import db
    from app.training.models import Attendance

    with live_server.app.app_context():
        rows = db.session.execute(select(Attendance.status, Attendance.via).join(User, User.id == Attendance.user_id)
                                  .where(User.staff_no == staff_no)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _add_batch(page, name, first, last):
    page.locator("#add-batch").click()
    page.fill("#name", name)
    page.fill("#starts_on", first.isoformat())
    page.fill("#ends_on", last.isoformat())
    page.fill("#capacity", "20")
    page.locator("#batch-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/training/batches/\d+$"))


def freeze_training_clock(monkeypatch, moment):
    """The training pages of the live server (same process) run at `moment`: check-in and roll call are open only
    around a session, and the tests must pass at any hour."""
    for module in ("app.training.views.attendance", "app.training.views.batches", "app.main.landing"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)


def local_time(live_server, day, hhmm):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(live_server.app.config["TIMEZONE"])
    return datetime.combine(day, time.fromisoformat(hhmm), zone).astimezone(ZoneInfo("UTC"))


def test_hr_plans_and_publishes_a_batch_and_a_collector_checks_in_by_phone(live_server, open_page, screenshots,
                                                                            monkeypatch):
    from playwright.sync_api import expect

    plan_name = "浏览器测试培训计划"
    today = _today(live_server)
    freeze_training_clock(monkeypatch, local_time(live_server, today, "08:10"))  # the check-in window is open

    hr, hr_errors = open_page(DESKTOP)
    _log_in(hr, live_server, "hr01")
    hr.goto(f"{live_server.url}/training/plans/new")
    hr.fill("#name", plan_name)
    hr.fill("#share", "1/2")
    hr.get_by_label("东站", exact=True).check()
    hr.locator("#plan-form button[type=submit]").click()
    hr.wait_for_url(re.compile(r"/training/plans/\d+$"))
    plan_url = hr.url
    expect(hr.locator("#no-batches")).to_be_visible()

    _add_batch(hr, "浏览器第1期", today, today + timedelta(days=1))
    hr.goto(plan_url)
    _add_batch(hr, "浏览器第2期", today + timedelta(days=7), today + timedelta(days=8))
    hr.goto(plan_url)
    hr.locator("#propose-form button[type=submit]").click()
    hr.wait_for_load_state()
    expect(hr.locator(".alert-success").first).to_be_visible()
    hr.screenshot(path=screenshots / "training-plan-allocated-desktop-zh_Hans.png", full_page=True)

    batch_id, batch_name = _batch_of(live_server, "c0001", plan_name)
    if batch_name == "浏览器第2期":  # the solver chose the later batch: bring that batch forward to today
        hr.goto(f"{live_server.url}/training/batches/{batch_id}/edit")
        hr.fill("#starts_on", today.isoformat())
        hr.fill("#ends_on", (today + timedelta(days=1)).isoformat())
        hr.locator("#batch-form button[type=submit]").click()
        hr.wait_for_url(re.compile(r"/training/batches/\d+$"))
    hr.goto(f"{live_server.url}/training/batches/{batch_id}")
    hr.locator("#new-session").click()
    hr.locator("#course").select_option(label="相关法律、法规知识")
    hr.fill("#day", today.isoformat())
    hr.locator("#slot").select_option("full")
    hr.fill("#room", "一号教室")
    hr.fill("#capacity", "30")
    hr.locator("#lecturer").select_option(hr.locator("#lecturer option", has_text="赵讲师").first.get_attribute("value"))
    hr.locator("#session-form button[type=submit]").click()
    hr.wait_for_url(re.compile(r"/training/batches/\d+"))
    expect(hr.locator("#sessions")).to_contain_text("一号教室")
    hr.locator("button[name=action][value=publish]").click()
    hr.wait_for_load_state()
    expect(hr.locator("h1 .badge")).to_contain_text("已发布")
    hr.screenshot(path=screenshots / "training-batch-published-desktop-zh_Hans.png", full_page=True)
    assert not hr_errors, hr_errors

    trainer, trainer_errors = open_page(DESKTOP)
    _log_in(trainer, live_server, "trainer01")
    trainer.goto(f"{live_server.url}/training/batches/{batch_id}")
    trainer.get_by_role("link", name="签到码").first.click()
    expect(trainer.locator("#checkin-qr")).to_be_visible()
    code = re.sub(r"\D", "", trainer.locator("#checkin-digits").inner_text())
    assert len(code) == 6
    trainer.screenshot(path=screenshots / "training-checkin-code-desktop-zh_Hans.png", full_page=True)

    phone, phone_errors = open_page(PHONE)
    _log_in(phone, live_server, "c0001")
    phone.goto(f"{live_server.url}/training/my")
    expect(phone.locator("body")).to_contain_text("一号教室")
    assert _fits_the_screen(phone)
    phone.screenshot(path=screenshots / "training-my-phone-zh_Hans.png", full_page=True)
    phone.locator("#my-checkin").click()
    phone.fill("#code", "000000" if code != "000000" else "111111")
    phone.locator("#checkin-form button[type=submit]").click()
    expect(phone.locator("#checkin-form")).to_contain_text("签到码")
    assert _attendance(live_server, "c0001") == []
    phone.fill("#code", code)
    phone.locator("#checkin-form button[type=submit]").click()
    expect(phone.locator(".alert", has_text="签到成功").first).to_be_visible()  # success, or a warning when late
    assert _fits_the_screen(phone)
    phone.screenshot(path=screenshots / "training-checked-in-phone-zh_Hans.png", full_page=True)
    assert _attendance(live_server, "c0001") in ([("present", "code")], [("late", "code")])

    trainer.reload()
    expect(trainer.locator("#checkin-count")).to_have_text("1")
    assert not [e for e in trainer_errors + phone_errors if "Failed to load resource" not in e]
