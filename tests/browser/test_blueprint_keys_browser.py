"""A trainer who may not see a bank's keys, in Chromium: the blueprint lists only their own banks (the live
pool count works for them), and the sample paper of an exam they co-own shows that bank's questions
without keys, on a desktop and a 390 px phone."""

import re
from decimal import Decimal

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_training import _log_in
from tests.key_secrets import leaks

pytestmark = pytest.mark.browser

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TYPES = ("single", "multiple", "true_false", "fill_blank", "short_answer")


def _exams(live_server) -> dict:
    """trainer07 owns 甲的礼仪题库 (secret keys) and an exam over it co-owned by trainer08, who owns 乙的礼仪题库
    and an exam of their own. The etiquette course, so other browser tests see nothing new in theirs."""
    from app.core.roles import Role
    from app.exams.services import RuleData
    from app.extensions import db
    from tests import factories
    from tests.key_secrets import make_secret_bank

    with live_server.app.app_context():
        owner = factories.make_user("trainer07", roles=[Role.TRAINER], name="孙讲师")
        other = factories.make_user("trainer08", roles=[Role.TRAINER], name="周讲师")
        bank, _questions = make_secret_bank(owner, "甲的礼仪题库", course_code="etiquette")
        other_bank = factories.make_exam_bank(other, course_code="etiquette", per_type=1).bank
        other_bank.name = "乙的礼仪题库"
        shared = factories.make_exam(owner, bank, status="draft", title="合办礼仪考试",
                                     rules=[RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2))
                                            for t in TYPES])
        shared.owners.append(other)
        own = factories.make_exam(other, other_bank, status="draft", title="周讲师的礼仪考试",
                                  rules=[RuleData(count=1, bank_id=other_bank.id, type="single")])
        db.session.commit()
        exams = {"shared": shared.id, "own": own.id}
        db.session.remove()
    return exams


def test_a_trainer_without_the_keys_builds_and_previews_in_the_browser(live_server, open_page, screenshots):
    exams = _exams(live_server)
    for name, options in (("desktop", DESKTOP), ("phone", PHONE_390)):
        page, errors = open_page(options)
        _log_in(page, live_server, "trainer08")

        page.goto(f"{live_server.url}/exams/{exams['own']}/blueprint")
        offered = page.locator("select[name='rules-1-bank'] option").all_inner_texts()
        assert offered == ["乙的礼仪题库"]
        page.fill("input[name='rules-1-count']", "2")
        feedback = page.locator("fieldset[data-rule='2'] .pool-feedback")
        feedback.filter(has_text=re.compile(r"\d")).wait_for()
        assert "5" in feedback.inner_text()  # the five questions of the trainer's own bank
        page.screenshot(path=screenshots / f"blueprint-own-banks-{name}-zh_Hans.png", full_page=True)

        page.goto(f"{live_server.url}/exams/{exams['shared']}/preview?seed=5")
        assert page.locator(".sample-key-hidden").count() == 5
        assert page.locator(".answer-key").count() == 0
        assert leaks(page.content(), markup=True) == []
        assert "甲的礼仪题库" in page.locator(".sample-key-hidden").first.inner_text()
        if name == "phone":
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=screenshots / f"sample-paper-keys-hidden-{name}-zh_Hans.png", full_page=True)
        assert errors == []
