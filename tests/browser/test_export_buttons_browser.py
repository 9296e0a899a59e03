"""The export buttons read well on a phone (390 px) and a desktop (1366 px): Excel (.xlsx) first and filled,
CSV after it as a link labelled for other systems, the hint about staff numbers' zeros under them, nothing
wider than the screen; the Excel button downloads a workbook set up to print (issue 18, item 8)."""

import re

import pytest
from openpyxl import load_workbook

from app.core.roles import Role

pytestmark = pytest.mark.browser

SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 768}},
}


def _log_in_as_hr(page, server):
    page.goto(f"{server.url}/login")
    page.fill("#staff_no", server.staff_numbers[Role.HR])
    page.fill("#password", server.password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/hr$"))


@pytest.mark.parametrize("size", SIZES)
def test_excel_comes_first_and_csv_is_labelled_for_other_systems_at_phone_and_desktop_widths(
        live_server, open_page, screenshots, tmp_path, size):
    page, errors = open_page(SIZES[size])
    _log_in_as_hr(page, live_server)
    links = page.locator("#all-results-downloads a")
    assert links.count() == 2
    xlsx, csv_link = links.nth(0), links.nth(1)
    assert xlsx.inner_text() == "Excel（.xlsx）" and csv_link.inner_text() == "CSV（供其他系统导入）"
    hint = page.locator("#all-results-downloads-csv-hint")
    assert hint.is_visible() and "工号开头的 0" in hint.inner_text()
    first, second = xlsx.bounding_box(), csv_link.bounding_box()
    assert (first["y"], first["x"]) < (second["y"], second["x"])  # Excel is read first
    assert first["height"] >= 28 and second["height"] >= 28  # big enough to tap
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page wider than the screen"
    page.screenshot(path=screenshots / f"export-buttons-{size}-zh_Hans.png")
    if size == "desktop":
        with page.expect_download() as info:
            xlsx.click()
        saved = tmp_path / "results.xlsx"
        info.value.save_as(saved)
        sheet = load_workbook(saved).active
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert not errors, errors
