"""HR's end of a training period in Chromium, on the demo's data (last year's two batches, sat through the real
services): the dashboard draws its charts, HR opens the second batch's evaluation sheet, signs it off, and
downloads the roster as XLSX, which the test opens back with openpyxl."""

import re
import threading
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SECOND_BATCH = "2025年第2期"


@pytest.fixture(scope="module")
def demo_server(browser_available, tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app, demo
    from app.core.clock import utcnow
    from app.extensions import db

    folder = tmp_path_factory.mktemp("evaluation")
    app = create_app({
        "SECRET_KEY": "browser-test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1, "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade()
        demo.run(now=utcnow())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="evaluation-server", daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app, hr="hr01",
                          password=demo.DEMO_PASSWORD)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def _log_in(page, server):
    page.goto(f"{server.url}/login")
    page.fill("#staff_no", server.hr)
    page.fill("#password", server.password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/hr$"))


def _members(server, batch_name) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.training.models import Batch, BatchMember

    with server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(BatchMember).join(Batch)
                                 .where(Batch.name == batch_name))


def test_hr_reads_the_dashboard_signs_off_a_batch_and_downloads_the_roster(demo_server, open_page, screenshots,
                                                                          tmp_path):
    from playwright.sync_api import expect

    page, errors = open_page(DESKTOP)
    _log_in(page, demo_server)

    page.goto(f"{demo_server.url}/reports/dashboards")
    expect(page.locator("#chart-histogram-box")).to_be_visible()
    drawn = page.evaluate("() => Boolean(window.Chart && window.Chart.getChart(document.getElementById('chart-trend')))")
    assert drawn, "the trend chart is not drawn"
    page.screenshot(path=screenshots / "evaluation-dashboard-desktop-zh_Hans.png", full_page=True)

    page.goto(f"{demo_server.url}/evaluation")
    page.get_by_role("link", name=SECOND_BATCH).click()
    page.wait_for_url(re.compile(r"/evaluation/batches/\d+$"))
    expect(page.locator("#signed-off")).to_have_count(0)
    rows = page.locator("#evaluation-sheet tbody tr")
    assert rows.count() == _members(demo_server, SECOND_BATCH)
    page.locator("#sign-off").click()
    expect(page.locator("#signed-off")).to_be_visible()
    expect(page.locator("#sign-off")).to_have_count(0)  # locked: no compute or sign-off button any more
    page.screenshot(path=screenshots / "evaluation-batch-signed-off-zh_Hans.png", full_page=True)

    with page.expect_download() as info:
        page.locator("#roster-downloads a", has_text="xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert SECOND_BATCH in download.suggested_filename and "草稿" not in download.suggested_filename
    saved = tmp_path / "roster.xlsx"
    download.save_as(saved)
    sheet = load_workbook(saved).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:2] == ("工号", "姓名") and "总分" in table[0] and "评定" in table[0]
    assert len(table) - 1 == rows.count()
    total = table[0].index("总分")
    assert all(isinstance(row[total], (int, float)) for row in table[1:])
    assert {row[table[0].index("评定")] for row in table[1:]} <= {"优秀", "良好", "合格", "不合格"}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert not errors, errors


def test_the_evaluation_sheet_fits_a_phone(demo_server, open_page, screenshots):
    page, errors = open_page(PHONE)
    _log_in(page, demo_server)
    page.goto(f"{demo_server.url}/evaluation")
    page.get_by_role("link", name="2025年第1期").click()
    page.wait_for_url(re.compile(r"/evaluation/batches/\d+$"))
    assert page.locator("#roster-downloads a").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page wider than the screen"
    page.screenshot(path=screenshots / "evaluation-batch-phone-zh_Hans.png", full_page=True)
    assert not errors, errors
