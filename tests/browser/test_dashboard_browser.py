"""HR opens the dashboards in Chromium on a desktop and a phone: every chart is drawn by Chart.js (served by the
app) on a canvas with a real size, the page fits the phone's width, and the console stays clean (a CSP
violation would show there). A live server of its own holds the hand-made results of tests/reports."""

import re
import threading
from types import SimpleNamespace

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

CHARTS = ("chart-histogram", "chart-station", "chart-team", "chart-course", "chart-trend", "chart-attendance-batch",
          "chart-attendance-station")


@pytest.fixture(scope="module")
def dashboard_server(browser_available, tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from tests import factories
    from tests.reports import dashboard_data

    folder = tmp_path_factory.mktemp("dashboards")
    app = create_app({
        "SECRET_KEY": "browser-test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1, "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade()
        data = dashboard_data.build()
        hr_staff_no, law_id = data.hr.staff_no, data.law.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dashboard-server", daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", hr=hr_staff_no, law_id=law_id,
                          password=factories.PASSWORD)
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


def _drawn(page, canvas_id) -> dict:
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const chart = window.Chart && window.Chart.getChart(canvas);
            const box = canvas.getBoundingClientRect();
            return {chart: Boolean(chart), width: box.width, height: box.height,
                    points: chart ? chart.data.datasets.reduce((n, set) => n + set.data.length, 0) : 0};
        }""",
        canvas_id,
    )


@pytest.mark.parametrize("size, options", [("desktop", DESKTOP), ("phone", PHONE)])
def test_hr_sees_every_chart_drawn_on_desktop_and_phone(dashboard_server, open_page, screenshots, size, options):
    from playwright.sync_api import expect

    page, errors = open_page(options)
    _log_in(page, dashboard_server)
    if size == "desktop":  # through the menu, then the exam's link in the table of exams
        link = page.locator("#main-nav a[href='/reports/dashboards']")
        if not link.is_visible():  # folded into the "Results and reports" dropdown
            page.locator("#main-nav .dropdown-toggle", has_text="成绩与报表").click()
        link.click()
        page.wait_for_url(re.compile(r"/reports/dashboards$"))
        page.locator("#table-exams a", has_text="法规考试").click()
    else:
        page.goto(f"{dashboard_server.url}/reports/dashboards?exam={dashboard_server.law_id}")
    page.wait_for_url(re.compile(r"/reports/dashboards"))
    expect(page.locator("#chart-histogram-box")).to_be_visible()
    for canvas_id in CHARTS:
        page.locator(f"#{canvas_id}").scroll_into_view_if_needed()
        drawn = _drawn(page, canvas_id)
        assert drawn["chart"], canvas_id
        assert drawn["width"] > 100 and drawn["height"] > 100, (canvas_id, drawn)
        assert drawn["points"] > 0, canvas_id
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page wider than the screen"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshots / f"dashboard-{size}-zh_Hans.png", full_page=True)
    assert not errors, errors
