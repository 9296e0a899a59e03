"""A trainer imports in Chromium: the preview names questions another bank of the course has (a ticked box
skips them), flags an explanation that names letters and shows updates by ID; a GIFT file with a matching
question offers "import the other N"; the question editor shows the letter rule. Desktop and a 390 px phone."""

import re

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_training import _log_in

pytestmark = pytest.mark.browser

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
HEADER = "编号,题型,题干,选项A,选项B,选项C,选项D,选项E,答案,分值,难度,知识点,解析"
ROWS = (
    "I-1,判断,收费员可以私自收取现金而不出具票据。,,,,,,错,1,1,廉洁自律,",
    "I-2,单选,收费公路的收费期限由谁审查批准？,省级人民政府,国务院,交通运输部,,,A,2,2,收费政策,",
    "I-3,多选,收费纪律要求有（ ）。,不放人情车,不擅自放行,不擅自关闭车道,不在监控外收费,可酌情免费,ABCD,3,2,纪律,"
    "E即放人情车，属于违纪。",
)
MATCHING = (
    "::M1:: 收费员可以私自减免通行费。 {F}\n\n"
    "::M2:: 收费站应当在显著位置公示（ ）。 {=收费标准 ~站长电话}\n\n"
    "::M3:: 把收费站与城市配对。 {=东郊 -> 北京 =西郊 -> 上海 =北环 -> 天津}\n"
)


def _existing_bank(live_server):
    """Course integrity's bank 廉洁题库（旧） holding I-1's question, without IDs."""
    from app.accounts.actors import SYSTEM
    from app.accounts.services import find_by_staff_no
    from app.banks.importing import import_bank, read_bank_file
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course
    from app.extensions import db

    with live_server.app.app_context():
        ensure_courses()
        data = "\n".join(["题型,题干,答案,分值", "判断,收费员可以私自收取现金而不出具票据。,错,1", ""]).encode()
        result = import_bank(SYSTEM, find_course("integrity"), "廉洁题库（旧）", read_bank_file(data, "old.csv"),
                             now=utcnow(), ip="t")
        result.bank.owners.append(find_by_staff_no("trainer01"))
        db.session.commit()
        db.session.remove()


def _upload(page, live_server, name: str, data: bytes, bank_name: str):
    page.goto(f"{live_server.url}/banks/import")
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/plain", "buffer": data}])
    page.select_option("#course", "integrity")
    page.fill("#new_bank", bank_name)
    with page.expect_navigation():
        page.locator("#bank-upload button[type=submit]").click()


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_trainer_previews_and_imports_with_the_skip_choices(live_server, open_page, screenshots):
    from playwright.sync_api import expect

    _existing_bank(live_server)
    data = "\n".join([HEADER, *ROWS, ""]).encode()
    for options, label in ((DESKTOP, "desktop"), (PHONE_390, "phone")):
        page, errors = open_page(options)
        _log_in(page, live_server, "trainer01")
        _upload(page, live_server, "integrity.csv", data, f"廉洁题库（{label}）")
        expect(page.locator("#count-in-course")).to_have_text("1")
        warnings = page.locator("#import-warnings")
        expect(warnings).to_contain_text("本课程的题库“廉洁题库（旧）”已有这道题")
        expect(warnings).to_contain_text("“E即放人情车，属于违纪。”用字母指选项")
        expect(page.locator("#skip-existing")).to_be_checked()
        assert _fits_the_screen(page), label
        page.screenshot(path=str(screenshots / f"bank-import-preview-{label}.png"), full_page=True)
        assert not errors, errors
        page.close()

    page, errors = open_page(DESKTOP)
    _log_in(page, live_server, "trainer01")
    _upload(page, live_server, "integrity.csv", data, "廉洁题库（新）")
    with page.expect_navigation():
        page.locator("#import-confirm button[type=submit]").click()
    assert re.search(r"/banks/\d+$", page.url), page.url
    expect(page.locator(".alert-success")).to_contain_text("已向 廉洁题库（新） 导入 2 题")
    assert not errors, errors


def test_a_gift_file_with_a_matching_question_imports_the_others_on_request(live_server, open_page, screenshots):
    from playwright.sync_api import expect

    for options, label in ((PHONE_390, "phone"), (DESKTOP, "desktop")):
        page, errors = open_page(options)
        _log_in(page, live_server, "trainer01")
        _upload(page, live_server, "bank.gift", MATCHING.replace("。", f"（{label}）。").encode(), f"GIFT题库（{label}）")
        expect(page.locator("#import-unsupported")).to_contain_text("第 3 题（M3）：不支持匹配题型，该题无法导入。")
        button = page.locator("#import-confirm button[type=submit]")
        expect(button).to_have_text("导入其余 2 题")
        assert _fits_the_screen(page), label
        page.screenshot(path=str(screenshots / f"bank-import-unsupported-{label}.png"), full_page=True)
        with page.expect_navigation():
            button.click()
        assert re.search(r"/banks/\d+$", page.url), page.url
        expect(page.locator(".alert-success")).to_contain_text("导入 2 题")
        assert not errors, errors
        page.close()


def test_the_editor_asks_for_the_letter_rule_when_the_explanation_names_letters(live_server, open_page,
                                                                              screenshots):
    from playwright.sync_api import expect

    page, errors = open_page(DESKTOP)
    _log_in(page, live_server, "trainer01")
    row = ROWS[1].replace("I-2", "R-1").replace("审查批准", "最终审查批准")
    _upload(page, live_server, "rule.csv", "\n".join([HEADER, row, ""]).encode(), "规则题库")
    with page.expect_navigation():
        page.locator("#import-confirm button[type=submit]").click()
    page.locator("a[href*='/banks/questions/']").first.click()
    page.locator("#edit-question").click()
    page.fill("#explanation", "B、C不对：审批的是省级人民政府。")
    page.locator("#question-form button[type=submit]").first.click()
    expect(page.locator("#keep_order")).not_to_be_checked()
    expect(page.locator("#question-form")).to_contain_text("用字母指选项或引用了其他选项")
    for options, label in ((DESKTOP, "desktop"), (PHONE_390, "phone")):
        page.set_viewport_size(options["viewport"])
        page.locator("#keep_order").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"bank-question-letter-rule-{label}.png"), full_page=True)
    page.check("#keep_order")
    page.locator("#question-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/banks/questions/\d+$"))
    expect(page.locator("#option-order")).to_have_text("按原顺序（解析或选项引用了字母）")
    assert not errors, errors
