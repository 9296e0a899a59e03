"""Requests per candidate per minute from the real exam page (app/static/js/exam.js) in Chromium, and the SQL
statements each of those requests costs the server.

usage: python bench/page_requests.py [--minutes M] [--quick]

One collector, one 30-minute exam of 12 questions, served by werkzeug in this process on a fresh SQLite file;
Debian's Chromium through Playwright with its fake clock (page.clock), so simulated minutes take seconds of real
time. Three pages, each watched for M simulated minutes (default 10; --quick 4), counting every request the page
makes by kind (save, clock, submit):

  idle     the page is open in front and nobody touches it;
  hidden   the page is open behind another tab or app (document.hidden, and a visibilitychange);
  active   the candidate answers a question every 30–60 s (a random think time).

Requests per minute come from the simulated time; the statements per request are counted on the server's
engine by request path. Indicative only on a loaded machine: the counts do not depend on its speed, as long
as each request is answered well within a simulated second. Last line: JSON.
"""

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import PASSWORD  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
STEP_MS = 1000


def _server(folder: Path):
    from flask import has_request_context, request
    from flask_migrate import upgrade
    from sqlalchemy import event
    from werkzeug.serving import make_server

    from app import create_app
    from app.core.roles import Role
    from app.exams.services import RuleData
    from app.extensions import db
    from tests import factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'requests.db'}", "SECRET_KEY": "bench",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    statements = Counter()
    with app.app_context():
        upgrade()
        org = factories.make_org()
        trainer = factories.make_user("trainer01", roles=[Role.TRAINER])
        people = [factories.make_user(f"c{n:04d}", roles=[Role.COLLECTOR], station=org.stations[0])
                  for n in range(1, 4)]
        bank = factories.make_exam_bank(trainer, per_type=6).bank
        rules = [RuleData(count=6, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in ("single", "true_false")]
        exam = factories.make_exam(trainer, bank, rules=rules, audience=people, duration_minutes=30)
        db.session.commit()
        exam_id, staff = exam.id, [person.staff_no for person in people]

        def count(_conn, _cursor, _statement, *_args):
            if has_request_context():
                statements[request.path.rsplit("/", 1)[-1]] += 1

        event.listen(db.engine, "before_cursor_execute", count)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", exam_id, staff, statements


def _watch(browser, url, exam_id, staff_no, scenario, minutes, seed):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#staff_no", staff_no)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/me")
    page.goto(f"{url}/my/exams/{exam_id}")
    page.clock.install()
    page.locator("#start-exam").click()
    page.wait_for_url("**/my/attempts/*")
    page.wait_for_timeout(300)
    kinds = Counter()
    page.on("request", lambda r: kinds.update([r.url.rsplit("/", 1)[-1].split("?")[0]]) if "/my/attempts/" in r.url
            else None)
    if scenario == "hidden":
        page.evaluate("""() => {
            Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
            Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
            document.dispatchEvent(new Event("visibilitychange"));
        }""")
    inputs = page.locator("input[type=radio]")
    rng = random.Random(seed)
    next_answer = rng.uniform(30, 60) * 1000
    for step in range(minutes * 60 * 1000 // STEP_MS):
        page.clock.run_for(STEP_MS)
        page.wait_for_timeout(15)  # real time for a request the step set off to be answered
        if scenario == "active" and (step + 1) * STEP_MS >= next_answer:
            inputs.nth(rng.randrange(inputs.count())).check()
            next_answer += rng.uniform(30, 60) * 1000
    page.wait_for_timeout(300)
    context.close()
    return {kind: round(n / minutes, 2) for kind, n in sorted(kinds.items())} | {
        "total": round(sum(kinds.values()) / minutes, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    minutes = 4 if args.quick else args.minutes
    load = os.getloadavg()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        server, url, exam_id, staff, statements = _server(Path(folder))
        requests = defaultdict(Counter)
        results = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"])
            for n, scenario in enumerate(("idle", "hidden", "active")):
                statements.clear()
                results[scenario] = _watch(browser, url, exam_id, staff[n], scenario, minutes, seed=n)
                for kind in ("save", "clock"):
                    requests[scenario][kind] = results[scenario].get(kind, 0) * minutes
                results[scenario]["statements per request"] = {
                    kind: round(statements[kind] / requests[scenario][kind], 1)
                    for kind in ("save", "clock") if requests[scenario][kind]}
                print(f"{scenario:7s} requests/min {results[scenario]}")
            browser.close()
        server.shutdown()
    print(json.dumps({"minutes": minutes, "load_before": load, "load_after": os.getloadavg(), **results}))


if __name__ == "__main__":
    main()
