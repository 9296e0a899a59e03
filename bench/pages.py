"""Trainer and HR pages at a province's size: each page's p50/p99 and SQL statement count, and the time to
compute a batch's evaluations (issue 17, item 4).

usage: python bench/pages.py [--quick] [--staff N] [--exams N] [--repeat N] [--seed N]
                             [--database-url postgresql+psycopg://…]
--quick: 1,000 staff and 3 requests per page; default 10,000 staff × 10 exams (100,000 results) and 10 requests.

Data: bench/reports.py's `seed` (imported: one place for the province's shape), then what the pages need on
top: a training plan over half the stations (5,000 staff at the default size), its batch holding all of
them with two sessions and their attendance, and each exam's candidates: that batch plus the other half's
stations (everyone). HR requests each page through the Flask test client; the evaluation compute (a POST)
is timed on its own, each run recomputing the whole batch.

Statements are counted with a `before_cursor_execute` listener on the engine during one untimed request.
Target (the issue's, on a quiet 2-core machine): every page p99 ≤ 1 s, the compute ≤ 5 s. Figures taken on
a loaded machine say so beside the `uptime` printed first and last. The last line is JSON.
"""

import argparse
import json
import random
import statistics
import subprocess  # nosec B404: runs `uptime`, a fixed command
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import fresh_app  # noqa: E402
from bench.reports import PASSWORD, database_version, seed  # noqa: E402

PAGE_LIMIT_MS = 1000
COMPUTE_LIMIT_S = 5


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # nosec B603 B607


def seed_training(ids: dict) -> dict:
    """A plan over half the stations, its batch with everyone of them, two sessions with attendance, and every
    exam's audience: the batch plus the other stations. Returns the plan and batch ids."""
    from app.accounts.models import User
    from app.courses.models import Course
    from app.exams.models import AudienceEntry
    from app.extensions import db
    from app.org.models import Station
    from app.training.models import Attendance, Batch, BatchMember, Seat, TrainingPlan, TrainingSession

    now = datetime.now(UTC)
    hr_id = db.session.scalar(db.select(User.id).where(User.staff_no == ids["hr_staff_no"]))
    stations = list(db.session.scalars(db.select(Station).order_by(Station.id)))
    half = len(stations) // 2
    plan = TrainingPlan(name="基准年度计划", created_at=now, stations=stations[:half])
    starts = date.today() - timedelta(days=70)
    batch = Batch(plan=plan, name="基准一期", starts_on=starts, ends_on=starts + timedelta(days=2),
                  status="finished", created_at=now)
    db.session.add_all([plan, batch])
    db.session.flush()
    members = list(db.session.scalars(db.select(User.id).where(User.station_id.in_([s.id for s in stations[:half]]))))
    db.session.execute(db.insert(BatchMember), [{"batch_id": batch.id, "plan_id": plan.id, "user_id": user_id,
                                                 "added_at": now} for user_id in members])
    courses = list(db.session.scalars(db.select(Course).order_by(Course.id)))
    for day, course in enumerate(courses[:2]):
        session = TrainingSession(batch_id=batch.id, course_id=course.id, day=starts + timedelta(days=day), slot="am",
                                  room="一号教室", capacity=len(members), lecturer_id=hr_id, created_at=now)
        db.session.add(session)
        db.session.flush()
        db.session.execute(db.insert(Seat), [{"session_id": session.id, "user_id": u} for u in members])
        db.session.execute(db.insert(Attendance), [
            {"session_id": session.id, "user_id": u, "status": "absent" if n % 17 == 0 else "present",
             "note": "", "via": "roll", "recorded_at": now, "recorded_by_id": hr_id} for n, u in enumerate(members)])
    entries = []
    for exam_id in ids["exam_ids"]:
        entries.append({"exam_id": exam_id, "batch_id": batch.id})
        entries.extend({"exam_id": exam_id, "station_id": station.id} for station in stations[half:])
    db.session.execute(db.insert(AudienceEntry), entries)
    db.session.commit()
    return {"plan_id": plan.id, "batch_id": batch.id, "batch_members": len(members)}


class Statements:
    """Counts the SQL statements the engine runs while `counting`."""

    def __init__(self, engine):
        self.count = 0
        self.counting = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args, **_kwargs):
        if self.counting:
            self.count += 1

    def measure(self, call) -> int:
        self.count, self.counting = 0, True
        try:
            call()
        finally:
            self.counting = False
        return self.count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(staff: int, exams: int, repeat: int, seed_value: int, database_url: str | None) -> dict:
    from app.extensions import db

    figures: dict = {"staff": staff, "exams": exams, "results": staff * exams, "repeat": repeat, "pages": {}}
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(database_url, Path(folder))
        app.config.update(WTF_CSRF_ENABLED=False, ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8, ARGON2_PARALLELISM=1)
        with app.app_context():
            figures["database"] = database_version()
            started = time.perf_counter()
            ids = seed(staff, exams, random.Random(seed_value))
            ids.update(seed_training(ids))
            figures["seed_seconds"] = round(time.perf_counter() - started, 1)
            figures["batch_members"] = ids["batch_members"]
            statements = Statements(db.engine)
            db.session.remove()
        print(f"seeded {staff:,} staff × {exams} exams in {figures['seed_seconds']} s ({figures['database']}); "
              f"batch and plan of {ids['batch_members']:,}", flush=True)
        client = app.test_client()
        response = client.post("/login", data={"staff_no": ids["hr_staff_no"], "password": PASSWORD})
        assert response.status_code == 302, "HR could not log in"
        exam_id, batch_id = ids["exam_ids"][-1], ids["batch_id"]
        compute_url = f"/evaluation/batches/{batch_id}/compute"

        def post_compute():
            response = client.post(compute_url)
            assert response.status_code == 302, (compute_url, response.status_code)

        timings = []
        for _ in range(max(2, repeat // 3)):
            started = time.perf_counter()
            post_compute()
            timings.append(time.perf_counter() - started)
        compute = {"p50_ms": round(statistics.median(timings) * 1000, 1),
                   "max_ms": round(max(timings) * 1000, 1), "statements": statements.measure(post_compute)}
        figures["compute"] = compute
        print(f"evaluation compute ({ids['batch_members']:,} people): p50 {compute['p50_ms']:.0f} ms, "
              f"max {compute['max_ms']:.0f} ms, {compute['statements']} statements", flush=True)
        pages = {
            "exams_list": "/exams/",
            "exam_results": f"/exams/{exam_id}/results",
            "exam_candidates": f"/exams/{exam_id}/candidates",
            "evaluation_batch": f"/evaluation/batches/{batch_id}",
            "dashboards_exam": f"/reports/dashboards?exam={exam_id}",
            "training_batch": f"/training/batches/{batch_id}",
            "plan": f"/training/plans/{ids['plan_id']}",
        }
        for name, url in pages.items():
            def get(url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            count = statements.measure(get)  # also the warm-up
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                get()
                timings.append(time.perf_counter() - started)
            figure = {"url": url, "p50_ms": round(statistics.median(timings) * 1000, 1),
                      "p99_ms": round(percentile(timings, 0.99) * 1000, 1), "statements": count}
            figures["pages"][name] = figure
            print(f"{name:18} p50 {figure['p50_ms']:8.1f} ms  p99 {figure['p99_ms']:8.1f} ms  "
                  f"{count:4d} statements  {url}", flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    figures["targets_met"] = (all(p["p99_ms"] <= PAGE_LIMIT_MS for p in figures["pages"].values())
                              and compute["max_ms"] <= COMPUTE_LIMIT_S * 1000)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 staff, 3 requests per page")
    parser.add_argument("--staff", type=int, help="default 10,000 (1,000 with --quick)")
    parser.add_argument("--exams", type=int, default=10)
    parser.add_argument("--repeat", type=int, help="timed requests per page (default 10; 3 with --quick)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL database for benchmarks (it is emptied)")
    args = parser.parse_args()
    staff = args.staff or (1_000 if args.quick else 10_000)
    repeat = args.repeat or (3 if args.quick else 10)
    before = uptime()
    print(f"uptime at the start: {before}", flush=True)
    figures = run(staff, args.exams, repeat, args.seed, args.database_url)
    figures["uptime_start"], figures["uptime_end"] = before, uptime()
    print(f"uptime at the end: {figures['uptime_end']}")
    print(f"targets (page p99 ≤ {PAGE_LIMIT_MS} ms, compute ≤ {COMPUTE_LIMIT_S} s) met: {figures['targets_met']}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
