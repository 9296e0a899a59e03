"""A live server on a temporary SQLite file, driven by Debian's Chromium through Playwright.

Skipped as a whole when /usr/bin/chromium or the playwright package is missing, except under CI
(CI=true), where .ci/run installs Chromium and a missing browser is a failure. Playwright's own
browser downloads are never used.
"""

import importlib.util
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "_artifacts" / "screenshots"


def _missing_browser_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright Python package (pip install playwright)"
    return None


@pytest.fixture(scope="session", autouse=True)
def browser_available():
    reason = _missing_browser_reason()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests: {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(browser_available, tmp_path_factory):
    """Base URL of the app served by werkzeug in a daemon thread, with one user per role."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.core.roles import Role
    from app.extensions import db
    from tests import factories

    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 8,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade()
        org = factories.make_org()
        station = org.stations[0]
        team = station.teams[0]
        users = {
            Role.ADMIN: factories.make_user("admin", roles=[Role.ADMIN], name="王管理"),
            Role.HR: factories.make_user("hr01", roles=[Role.HR], name="李人事"),
            Role.TRAINER: factories.make_user("trainer01", roles=[Role.TRAINER], name="赵讲师"),
            Role.COLLECTOR: factories.make_user("c0001", roles=[Role.COLLECTOR], name="张三",
                                                station=station, team=team),
        }
        factories.make_user("c0002", roles=[Role.COLLECTOR], name="李四", station=station, team=team)
        db.session.commit()
        staff_numbers = {role: user.staff_no for role, user in users.items()}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app, staff_numbers=staff_numbers,
                          password=factories.PASSWORD)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def open_page(browser):
    """open_page(options) → (page, console errors) in a new Chinese browser context, closed after the test."""
    contexts = []

    def _open(options):
        context = browser.new_context(**options, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page, errors

    yield _open
    for context in contexts:
        context.close()
