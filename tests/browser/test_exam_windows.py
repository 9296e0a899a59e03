"""Answers survive what windows, networks and reloads do, in Chromium with real browser contexts: a second
browser loaded before the first saved more never blanks those answers; a change refused because another window
changed the question says so and shows the saved answer; an answer given offline survives a reconnect and an
immediate reload, whether or not its save reached the server; another window's answer, and a submit made on
another device, reach a page through its heartbeat, a page nobody touches sends no save at all, and a failed
heartbeat shows the offline notice until one gets through; and the exam
bar (time, save status, submit) stays in sight at every scroll position on a 390×844 phone and on a desktop.

Tests that wait for the heartbeat drive the page's timers with Playwright's fake clock (page.clock) instead of
waiting out its 60–240 s periods."""

import re
from decimal import Decimal
from itertools import count

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_exam_delivery import SAVED, _items, _log_in, _unexpected

pytestmark = pytest.mark.browser

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
_titles = count(1)


def _attempt(live_server, questions_per_type: int = 1) -> tuple[int, dict[str, list[int]]]:
    """A new exam for c0001, started: (attempt id, positions by question type)."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.core.clock import utcnow
    from app.exams.attempts import start_attempt
    from app.exams.services import RuleData
    from app.extensions import db
    from tests import factories

    with live_server.app.app_context():
        trainer = db.session.scalar(select(User).where(User.staff_no == "trainer01"))
        collector = db.session.scalar(select(User).where(User.staff_no == "c0001"))
        bank = factories.make_exam_bank(trainer, per_type=max(3, questions_per_type)).bank
        rules = [RuleData(count=questions_per_type, bank_id=bank.id, type=t, points_each=Decimal(2))
                 for t in ("single", "multiple", "true_false", "fill_blank")]
        exam = factories.make_exam(trainer, bank, rules=rules, audience=[collector], title=f"多窗口考试{next(_titles)}",
                                   pass_mark=Decimal(2))
        attempt = start_attempt(collector, exam, now=utcnow(), ip="test")
        db.session.commit()
        by_type = {}
        for item in attempt.items:
            by_type.setdefault(item.version.type, []).append(item.position)
        return attempt.id, by_type


def _paper(open_page, live_server, attempt_id, options=DESKTOP, fake_clock=False):
    page, errors = open_page(options)
    _log_in(page, live_server)
    if fake_clock:
        page.clock.install()  # the page's timers run when the test says so (run_for), as well as in real time
    page.goto(f"{live_server.url}/my/attempts/{attempt_id}")
    return page, errors


def _sync_now(page):
    """What the page does when the connection returns: send its changes, hear of others'."""
    page.evaluate("window.dispatchEvent(new Event('online'))")


def _exam_requests(page) -> list[str]:
    """The paths' last parts (save, clock, submit) of every request the page makes from now on."""
    seen = []
    page.on("request", lambda request: seen.append(request.url.split("?")[0].rsplit("/", 1)[-1])
            if "/my/attempts/" in request.url else None)
    return seen


def _let_time_pass(page, seconds: int, step: int = 5):
    """`seconds` of the page's time in steps, each with a moment of real time for the requests it sets off."""
    for _ in range(seconds // step):
        page.clock.run_for(step * 1000)
        page.wait_for_timeout(50)


def test_a_second_browser_loaded_earlier_never_blanks_what_the_first_saved_since(live_server, open_page,
                                                                               screenshots):
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server)
    single, multiple, truth = by_type["single"][0], by_type["multiple"][0], by_type["true_false"][0]
    first, first_errors = _paper(open_page, live_server, attempt_id)
    first.locator(f"#q{single}-1").check()
    expect(first.locator("#save-status")).to_have_text(SAVED, timeout=10000)

    second, second_errors = _paper(open_page, live_server, attempt_id, PHONE_390)  # shows S1
    expect(second.locator(f"#q{single}-1")).to_be_checked()
    first.locator(f"#q{multiple}-0").check()
    first.locator(f"#q{truth}-true").check()
    expect(first.locator("#save-status")).to_have_text(SAVED, timeout=10000)

    _sync_now(second)  # the connection returns: no change of its own to send, the first window's answers come back
    expect(second.locator(f"#q{truth}-true")).to_be_checked(timeout=10000)
    expect(second.locator(f"#q{multiple}-0")).to_be_checked()
    stored = _items(live_server, attempt_id)
    assert (stored[single][1], stored[multiple][1], stored[truth][1]) == (1, [0], True)

    second.locator(f"#q{truth}-false").check()  # the phone saw the desktop's answer: its change is taken
    expect(second.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    assert _items(live_server, attempt_id)[truth][1] is False
    _sync_now(first)
    expect(first.locator(f"#q{truth}-false")).to_be_checked(timeout=10000)
    second.screenshot(path=screenshots / "exam-two-windows-phone-zh_Hans.png", full_page=False)
    assert _unexpected(first_errors) == [] and _unexpected(second_errors) == []


def test_a_change_to_a_question_another_window_changed_first_is_refused_visibly(live_server, open_page, screenshots):
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server)
    single = by_type["single"][0]
    first, _ = _paper(open_page, live_server, attempt_id)
    second, _ = _paper(open_page, live_server, attempt_id)
    second.route("**/save", lambda route: route.abort())  # the second window is offline for a moment
    second.locator(f"#q{single}-3").check()
    expect(second.locator("#offline-banner")).to_be_visible(timeout=10000)
    first.locator(f"#q{single}-1").check()  # meanwhile the first window answers the same question
    expect(first.locator("#save-status")).to_have_text(SAVED, timeout=10000)

    second.unroute("**/save")
    _sync_now(second)
    expect(second.locator("#refused-banner")).to_be_visible(timeout=10000)
    expect(second.locator("#refused-text")).to_contain_text(str(single))
    expect(second.locator(f"#q{single}-1")).to_be_checked()  # the saved answer is shown, not silently kept
    second.screenshot(path=screenshots / "exam-refused-desktop-zh_Hans.png", full_page=False)
    assert _items(live_server, attempt_id)[single][1] == 1
    second.locator(f"#q{single}-2").check()  # having seen it, the candidate answers again here: taken
    expect(second.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    assert _items(live_server, attempt_id)[single][1] == 2


@pytest.mark.parametrize("reached_the_server", [True, False], ids=["save-reached-server", "save-never-arrived"])
def test_an_offline_answer_survives_a_reconnect_and_an_immediate_reload(live_server, open_page, reached_the_server):
    """Sequence 3: answer offline, the connection returns, the page is reloaded while the save is under way —
    its reply is lost (the server stored it, or the request never arrived)."""
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server)
    truth, blank = by_type["true_false"][0], by_type["fill_blank"][0]
    page, errors = _paper(open_page, live_server, attempt_id)
    page.route("**/save", lambda route: route.abort())
    page.locator(f"#q{truth}-true").check()
    page.locator(f"#q{blank}-1").fill("四十")
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10000)

    held = []
    page.unroute("**/save")
    page.route("**/save", lambda route: held.append(route))  # the next save hangs on the way
    _sync_now(page)
    page.wait_for_function("() => true")
    deadline = 50
    while not held and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert held, "the page did not send its answers when the connection returned"
    if reached_the_server:
        held[0].fetch()  # the server stores them; the reply never reaches the page
    else:
        held[0].abort()  # lost on the way
    page.unroute("**/save")
    page.reload()

    expect(page.locator(f"#q{truth}-true")).to_be_checked(timeout=10000)
    expect(page.locator(f"#q{blank}-1")).to_have_value("四十")
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=20000)
    _sync_now(page)
    page.wait_for_timeout(500)
    stored = _items(live_server, attempt_id)
    assert stored[truth][1] is True and stored[blank][1][0] == "四十"
    journal = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('exam-'))")
    assert journal == [], f"acknowledged changes left in the journal: {journal}"
    assert _unexpected(errors) == []


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone-390x844", "desktop"])
def test_the_time_save_status_and_submit_stay_in_sight_down_to_the_last_question(live_server, open_page,
                                                                                 screenshots, viewport):
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server, questions_per_type=5)
    last = max(position for positions in by_type.values() for position in positions)
    page, errors = _paper(open_page, live_server, attempt_id, viewport)
    height = viewport["viewport"]["height"]
    submit = "#submit-link-bar" if viewport is PHONE_390 else "#submit-link"
    page.locator(f"#q{by_type['single'][0]}-0").check()
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    for position in (1, last // 3, last // 2, last - 1, last):
        page.locator(f"#q{position}").scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        for selector in ("#exam-countdown", "#save-status", submit):
            box = page.locator(selector).bounding_box()
            assert box is not None, f"{selector} is not rendered at question {position}"
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, \
                f"{selector} out of sight at question {position}: {box}"
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    box = page.locator("#exam-countdown").bounding_box()
    assert 0 <= box["y"] <= height
    name = "phone" if viewport is PHONE_390 else "desktop"
    page.screenshot(path=screenshots / f"exam-bar-last-question-{name}-zh_Hans.png", full_page=False)
    assert _unexpected(errors) == []


def test_another_windows_answer_reaches_a_page_through_its_heartbeat(live_server, open_page):
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server)
    single, truth = by_type["single"][0], by_type["true_false"][0]
    first, first_errors = _paper(open_page, live_server, attempt_id, fake_clock=True)
    second, second_errors = _paper(open_page, live_server, attempt_id, PHONE_390)
    requests = _exam_requests(first)
    second.locator(f"#q{single}-2").check()
    second.locator(f"#q{truth}-true").check()
    expect(second.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    expect(first.locator(f"#q{single}-2")).not_to_be_checked()

    _let_time_pass(first, 80)  # one heartbeat (60 s ± 25 %): the revision moved, so one sync
    expect(first.locator(f"#q{single}-2")).to_be_checked(timeout=10000)
    expect(first.locator(f"#q{truth}-true")).to_be_checked()
    # one sync; one beat (a second if the page's clock, which also runs in real time, got that far)
    assert requests.count("save") == 1 and requests[0] == "clock" and requests.count("clock") <= 2, requests

    first.locator(f"#q{single}-0").check()  # built on what the heartbeat brought: taken
    expect(first.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    assert _items(live_server, attempt_id)[single][1] == 0
    assert _unexpected(first_errors) == [] and _unexpected(second_errors) == []


def test_a_page_nobody_touches_sends_no_save_and_beats_less_when_idle_or_hidden(live_server, open_page):
    attempt_id, _by_type = _attempt(live_server)
    page, errors = _paper(open_page, live_server, attempt_id, fake_clock=True)
    requests = _exam_requests(page)
    _let_time_pass(page, 10 * 60)
    assert "save" not in requests, requests
    # 60 s periods for the first 2 minutes, then 120 s: 2 + 4 beats give or take the jitter (old page: 40 saves)
    assert 4 <= requests.count("clock") <= 9, requests

    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    requests.clear()
    _let_time_pass(page, 10 * 60)
    assert "save" not in requests and 1 <= requests.count("clock") <= 4, requests  # 240 s periods

    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => false});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_timeout(200)
    assert requests[-1:] == ["clock"], requests  # back in front: a beat at once (and the hidden one is dropped)
    requests.clear()
    _let_time_pass(page, 4 * 60)
    assert "save" not in requests and 2 <= requests.count("clock") <= 6, requests  # 60 s for 2 min, then 120 s
    assert _unexpected(errors) == []


def test_a_submit_on_another_device_takes_the_page_to_the_result_at_its_next_heartbeat(live_server, open_page):
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server)
    page, errors = _paper(open_page, live_server, attempt_id, fake_clock=True)
    page.locator(f"#q{by_type['single'][0]}-1").check()
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=10000)
    phone, _ = _paper(open_page, live_server, attempt_id, PHONE_390)
    phone.goto(f"{live_server.url}/my/attempts/{attempt_id}/submit")
    phone.locator("#confirm-submit").click()
    phone.wait_for_url(re.compile(r"/result$"))

    _let_time_pass(page, 80)  # the heartbeat says over; the sync it asks for says nothing was left unsaved
    page.wait_for_url(re.compile(r"/result$"), timeout=10000)
    assert _items(live_server, attempt_id)[by_type["single"][0]][1] == 1
    assert _unexpected(errors) == []


def test_a_failed_heartbeat_shows_the_offline_notice_until_a_beat_gets_through(live_server, open_page):
    from playwright.sync_api import expect

    attempt_id, _by_type = _attempt(live_server)
    page, _errors = _paper(open_page, live_server, attempt_id, fake_clock=True)
    page.route("**/clock", lambda route: route.abort())
    _let_time_pass(page, 80)
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10000)
    requests = _exam_requests(page)
    _let_time_pass(page, 20)  # it keeps trying, backing off from 1 s, and the notice stays
    assert requests.count("clock") >= 1 and "save" not in requests, requests
    expect(page.locator("#offline-banner")).to_be_visible()
    page.unroute("**/clock")
    _let_time_pass(page, 40)
    expect(page.locator("#offline-banner")).to_be_hidden(timeout=10000)
