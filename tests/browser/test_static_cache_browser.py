"""A browser that has a page's static files fetches none of them again, on the next visit or on a reload."""

import threading

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def counting_server(browser_available, tmp_path):
    """The login page served by a server of its own that counts the static requests reaching it."""
    from werkzeug.serving import make_server

    from app import create_app

    app = create_app({"SECRET_KEY": "browser-test-secret", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}"})
    hits = []
    serve = app.wsgi_app

    def counting(environ, start_response):
        if environ["PATH_INFO"].startswith("/static/"):
            hits.append(environ["PATH_INFO"])
        return serve(environ, start_response)

    app.wsgi_app = counting
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    thread.join(timeout=10)


def test_the_login_pages_static_files_are_fetched_once_then_come_from_the_cache(counting_server, open_page):
    base, hits = counting_server
    page, console_errors = open_page({"viewport": {"width": 1280, "height": 800}})
    page.goto(f"{base}/login", wait_until="load")
    first = sorted(hit for hit in hits if not hit.endswith("favicon.svg"))
    assert "/static/css/app.css" in first
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in first
    assert len(first) == len(set(first))
    hits.clear()
    page.goto(f"{base}/login?again=1", wait_until="load")
    page.reload(wait_until="load")
    # Chromium's favicon loader asks again whatever the cache headers say; stylesheets and scripts must not.
    assert [hit for hit in hits if not hit.endswith("favicon.svg")] == []
    assert page.evaluate("getComputedStyle(document.body).fontFamily")  # the stylesheet still applies
    assert console_errors == []
