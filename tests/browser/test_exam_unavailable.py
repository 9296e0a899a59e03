"""The exam page during a database outage: a save answered 503 with Retry-After keeps the answer in the browser,
shows the offline notice, waits at least half the Retry-After (the jitter spreads a room's retries) instead of
hammering the server, and saves the answer once the server answers again."""

import json

import pytest

from tests.browser.test_exam_delivery import SAVED, _items
from tests.browser.test_exam_windows import _attempt, _exam_requests, _let_time_pass, _paper

pytestmark = pytest.mark.browser

UNAVAILABLE = {"status": 503, "headers": {"Retry-After": "30", "Content-Type": "application/json"},
               "body": json.dumps({"error": {"status": 503, "code": "unavailable", "retry_after": 30}})}


def test_a_save_answered_503_keeps_the_answer_and_retries_after_retry_after(live_server, open_page):
    from playwright.sync_api import expect

    attempt_id, by_type = _attempt(live_server)
    truth = by_type["true_false"][0]
    page, _errors = _paper(open_page, live_server, attempt_id, fake_clock=True)
    page.route("**/save", lambda route: route.fulfill(**UNAVAILABLE))
    requests = _exam_requests(page)
    page.locator(f"#q{truth}-true").check()
    _let_time_pass(page, 5, step=1)  # the debounce, then the save and its 503
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10000)
    assert requests.count("save") == 1, requests
    journal = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('exam-'))")
    assert journal, "the unsaved answer must wait in the browser"

    _let_time_pass(page, 10, step=1)  # under half of Retry-After: no retry yet
    assert requests.count("save") == 1, requests

    page.unroute("**/save")
    _let_time_pass(page, 35, step=5)
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=20000)
    expect(page.locator("#offline-banner")).to_be_hidden()
    assert _items(live_server, attempt_id)[truth][1] is True
