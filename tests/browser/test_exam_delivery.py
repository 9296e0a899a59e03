"""A collector sits a timed exam in Chinese in Chromium: autosave with "saved at", the network cut for the
autosave route (answers kept in the browser, warning shown, kept over a reload, synced when it is back),
a second device saving beside the first, the phone layout, and a paper that submits itself at time-up.
tests/browser/test_exam_windows.py replays the sequences that lost answers with two real browsers."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SAVED = re.compile(r"已保存|保存于|Saved at")


@pytest.fixture(scope="module")
def exams(live_server):
    """Two exams for c0001: a 30-minute one, and a 1-minute one whose attempt started 45 s before the test."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.exams.services import RuleData
    from app.extensions import db
    from tests import factories

    with live_server.app.app_context():
        trainer = db.session.scalar(select(User).where(User.staff_no == "trainer01"))
        collector = db.session.scalar(select(User).where(User.staff_no == "c0001"))
        bank = factories.make_exam_bank(trainer, per_type=3).bank
        rules = [RuleData(count=2, bank_id=bank.id, type=t, points_each=Decimal(2))
                 for t in ("single", "multiple", "true_false", "fill_blank")]
        timed = factories.make_exam(trainer, bank, rules=rules, audience=[collector], title="交通法规考试")
        short = factories.make_exam(trainer, bank, rules=rules, audience=[collector], title="一分钟小测",
                                    duration_minutes=1, release_review="at_submit")
        db.session.commit()
        return {"timed": timed.id, "short": short.id}


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/login")
    page.fill("#staff_no", "c0001")
    page.fill("#password", live_server.password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/me$"))


def _items(live_server, attempt_id):
    """position → (type, response) as stored now."""
    from sqlalchemy import select

    from app.exams.models import PaperItem
    from app.extensions import db

    with live_server.app.app_context():
        rows = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt_id)
                                  .order_by(PaperItem.position)).all()
        return {item.position: (item.version.type, item.response) for item in rows}


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _unexpected(errors):
    """Console errors other than the failed requests the test causes on purpose (aborted saves, 409)."""
    return [e for e in errors if "Failed to load resource" not in e]


def test_a_collector_takes_a_timed_exam_with_the_network_cut_and_back(live_server, exams, open_page, screenshots):
    from playwright.sync_api import expect

    page, errors = open_page(DESKTOP)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/my/exams")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.locator(f'a.exam-row[data-exam="{exams["timed"]}"]').click()
    page.screenshot(path=screenshots / "exam-start-desktop-zh_Hans.png", full_page=True)
    page.locator("#start-exam").click()
    page.wait_for_url(re.compile(r"/my/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[-1])
    items = _items(live_server, attempt_id)
    by_type = {}
    for position, (kind, _response) in items.items():
        by_type.setdefault(kind, []).append(position)

    # Answer two questions: saved, and the status says when.
    single, multiple = by_type["single"][0], by_type["multiple"][0]
    page.locator(f"#q{single}-1").check()
    page.locator(f"#q{multiple}-0").check()
    page.locator(f"#q{multiple}-2").check()
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    expect(page.locator(f"#nav-{single}")).to_have_class(re.compile(r"\banswered\b"))
    page.locator(f"#flag-{multiple}").click()
    expect(page.locator(f"#nav-{multiple}")).to_have_class(re.compile(r"\bflagged\b"))
    expect(page.locator("#exam-countdown")).to_have_text(re.compile(r"\b(29|30):\d\d\b"))
    assert _fits_the_screen(page)
    page.screenshot(path=screenshots / "exam-paper-desktop-zh_Hans.png", full_page=False)

    # Cut the autosave route: answers stay in the browser, a warning shows.
    page.route("**/save", lambda route: route.abort())
    truth, blank = by_type["true_false"][0], by_type["fill_blank"][0]
    page.locator(f"#q{truth}-true").check()
    page.locator(f"#q{blank}-1").fill("三十")
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10000)
    page.screenshot(path=screenshots / "exam-offline-desktop-zh_Hans.png", full_page=False)
    assert _items(live_server, attempt_id)[truth][1] is None

    # A reload while offline: the answers come back from localStorage.
    page.reload()
    expect(page.locator(f"#q{truth}-true")).to_be_checked(timeout=10000)
    expect(page.locator(f"#q{blank}-1")).to_have_value("三十")
    expect(page.locator(f"#q{single}-1")).to_be_checked()  # saved before: rendered by the server
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10000)

    # The network is back: the kept answers reach the server.
    page.unroute("**/save")
    expect(page.locator("#offline-banner")).to_be_hidden(timeout=25000)
    expect(page.locator("#save-status")).to_have_text(SAVED)
    stored = _items(live_server, attempt_id)
    assert stored[truth][1] is True
    assert stored[blank][1][0] == "三十"
    assert stored[single][1] == 1 and stored[multiple][1] == [0, 2]

    # The same attempt opened on a phone: it shows what the desktop saved, and both windows keep saving.
    phone, phone_errors = open_page(PHONE)
    _log_in(phone, live_server)
    phone.goto(f"{live_server.url}/my/attempts/{attempt_id}")
    expect(phone.locator(f"#q{truth}-true")).to_be_checked()
    assert _fits_the_screen(phone)
    phone.screenshot(path=screenshots / "exam-paper-phone-zh_Hans.png", full_page=False)
    phone.locator("#navigator-toggle").click()
    expect(phone.locator("#exam-navigator.show")).to_be_visible()
    phone.screenshot(path=screenshots / "exam-navigator-phone-zh_Hans.png", full_page=False)
    phone.locator("#navigator-toggle").click()

    second_single = by_type["single"][1]
    page.locator(f"#q{second_single}-0").check()
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    assert _items(live_server, attempt_id)[second_single][1] == 0
    phone.evaluate("window.dispatchEvent(new Event('online'))")  # the phone asks what changed (as on reconnecting)
    expect(phone.locator(f"#q{second_single}-0")).to_be_checked(timeout=10000)

    # Submit from the phone: unanswered questions first, then the flagged one.
    phone.locator("#submit-link-bottom").click()
    phone.wait_for_url(re.compile(r"/submit$"))
    expect(phone.locator("#unanswered-list")).to_be_visible()
    expect(phone.locator("#flagged-list")).to_contain_text(str(multiple))
    assert _fits_the_screen(phone)
    phone.screenshot(path=screenshots / "exam-submit-phone-zh_Hans.png", full_page=True)
    phone.locator("#confirm-submit").click()
    phone.wait_for_url(re.compile(r"/result$"))
    expect(phone.locator("#result-title")).to_be_visible()
    phone.screenshot(path=screenshots / "exam-result-phone-zh_Hans.png", full_page=True)
    assert _unexpected(errors) == [] and _unexpected(phone_errors) == []


def test_a_short_exam_submits_itself_at_time_up(live_server, exams, open_page, screenshots):
    from playwright.sync_api import expect

    from app.accounts.models import User
    from app.core.clock import utcnow
    from app.exams.attempts import start_attempt
    from app.exams.models import Attempt, Exam
    from app.extensions import db

    with live_server.app.app_context():
        collector = db.session.scalar(db.select(User).where(User.staff_no == "c0001"))
        exam = db.session.get(Exam, exams["short"])
        attempt_id = start_attempt(collector, exam, now=utcnow() - timedelta(seconds=48), ip="test").id
        db.session.commit()

    page, errors = open_page(DESKTOP)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/my/attempts/{attempt_id}")
    expect(page.locator("#exam-countdown")).to_have_text(re.compile(r"00:(0\d|1[0-2])"))
    first = _items(live_server, attempt_id)
    single = next(p for p, (kind, _r) in first.items() if kind == "single")
    page.locator(f"#q{single}-2").check()
    page.wait_for_url(re.compile(r"/result$"), timeout=30000)
    expect(page.locator("#result-score")).to_be_visible()
    page.screenshot(path=screenshots / "exam-result-desktop-zh_Hans.png", full_page=True)
    with live_server.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted"
        assert attempt.submitted_how in ("candidate", "deadline")
        assert next(i.response for i in attempt.items if i.position == single) == 2
    assert _unexpected(errors) == []
