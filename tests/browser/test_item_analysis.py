"""A trainer reads the item analysis of an exam in Chromium: from the results page, on a desktop and a phone."""

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _graded_exam(live_server) -> tuple[str, int]:
    """A trainer of its own (so other browser tests see nothing new) with an exam four candidates sat."""
    from app.core.roles import Role
    from app.extensions import db
    from app.org.models import Team
    from tests import factories
    from tests.reports.items_support import objective_exam, sit_all

    with live_server.app.app_context():
        trainer = factories.make_user("trainer09", roles=[Role.TRAINER], name="钱讲师")
        team = db.session.scalars(db.select(Team).order_by(Team.id)).first()
        people = [factories.make_user(f"c09{n:02d}", team=team) for n in range(4)]
        exam, _bank, _questions = objective_exam(trainer, people, title="条目分析考试")
        sit_all(exam, people)
        exam_id = exam.id
        db.session.remove()
    return "trainer09", exam_id


def _log_in(page, live_server, staff_no):
    page.goto(f"{live_server.url}/login")
    page.fill("#staff_no", staff_no)
    page.fill("#password", live_server.password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/(me|home|admin|hr|trainer)?$|/$"))


def test_a_trainer_opens_the_item_analysis_from_the_results_page(live_server, open_page, screenshots):
    staff_no, exam_id = _graded_exam(live_server)
    page, errors = open_page(DESKTOP)
    _log_in(page, live_server, staff_no)
    page.goto(f"{live_server.url}/exams/{exam_id}/results")
    page.click("#item-analysis-link")
    page.wait_for_selector("#item-table")
    assert page.locator("#item-table tbody tr").count() == 4
    assert page.locator("#item-table meter").count() == 10
    assert page.locator("#sample-warning").is_visible()
    page.screenshot(path=screenshots / "item-analysis-desktop-zh_Hans.png", full_page=True)

    phone, phone_errors = open_page(PHONE)
    _log_in(phone, live_server, staff_no)
    phone.goto(f"{live_server.url}/reports/exams/{exam_id}/items")
    phone.wait_for_selector("#item-table")
    # the table scrolls inside its wrapper; the page itself fits the screen
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=screenshots / "item-analysis-phone-zh_Hans.png", full_page=True)
    assert errors == [] and phone_errors == []
