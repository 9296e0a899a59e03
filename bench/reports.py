"""Export speed and memory: 10,000 staff × 10 exams = 100,000 submitted results, downloaded as CSV and XLSX
through the Flask test client (the streamed body is read to the end, as a browser would).

usage: python bench/reports.py [--staff N] [--exams N] [--quick] [--database-url postgresql+psycopg://…]
                               (that database is emptied; default: a new SQLite file)

What is timed:
- "all results": HR's export of every result of every exam (`/reports/results.<fmt>`), one file of
  staff × exams rows — the biggest file the app makes;
- "per exam": the ten exams' own results exports (`/reports/exams/<id>/results.<fmt>`), one after another,
  total seconds.
Each figure is the request from start to the last byte, including the query, the audit row and the commit.

Data: stations, teams and staff (zero-padded staff numbers, bulk inserted without passwords except HR's),
10 closed exams of the four courses, one submitted and graded attempt per person and exam (scores random),
bulk inserted. No paper items (the issue's 50 questions per paper): the
results exports read attempts only, so items would change nothing here but the set-up time; the item-analysis
figure that needs them can be added to `run()` later.

Memory, two ways: "rss" is the process's resident set high-water mark during the timed request, sampled
every 5 ms from /proc/self/statm, minus the resident set just before it (memory the allocator kept from the
set-up can hide some growth, so this is a lower bound); "traced" is tracemalloc's peak of Python
allocations during a second, untimed run of the same request (tracemalloc slows the run down, so it is not
timed). Both should stay flat as rows grow: compare --quick with the full run.
The last line is JSON with every figure.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import fresh_app  # noqa: E402

PASSWORD = "Bench@2026pw"
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MB = 1024 * 1024


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakRSS:
    """Samples the resident set every few milliseconds in a thread; `grown` is the peak minus the start."""

    def __init__(self, every: float = 0.005):
        self.every = every
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(self.every)

    def __enter__(self):
        self.start = self.peak = _rss()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def grown(self) -> int:
        return self.peak - self.start


def seed(staff: int, exams: int, rng: random.Random) -> dict:
    """Stations, teams, staff, HR, exams and one graded attempt per person and exam; returns ids."""
    from app.accounts.models import User, UserRole
    from app.accounts.passwords import hash_password
    from app.courses.catalog import ensure_courses
    from app.exams.models import Attempt, Exam
    from app.extensions import db
    from app.org.models import Office, Station, Team

    now = datetime.now(UTC)
    office = Office(name="基准收费所")
    db.session.add(office)
    stations = [Station(office=office, name=f"基准{n:02d}收费站") for n in range(1, 21)]
    teams = [Team(station=station, name=f"{t}班") for station in stations for t in "一二三"]
    db.session.add_all([*stations, *teams])
    db.session.flush()
    hr = User(staff_no="hr-bench", name="人事基准", password_hash=hash_password(PASSWORD), active=True,
              created_at=now)
    db.session.add(hr)
    db.session.flush()
    db.session.add(UserRole(user_id=hr.id, role="hr"))
    # Explicit ids above HR's (PostgreSQL's sequence is not advanced by them; nothing inserts users later).
    staff_ids = range(hr.id + 1, hr.id + 1 + staff)
    users = []
    for n, user_id in enumerate(staff_ids, start=1):
        team = teams[n % len(teams)]
        users.append({"id": user_id, "staff_no": f"{n:06d}", "name": f"员工{n}", "station_id": team.station_id,
                      "team_id": team.id, "active": True, "created_at": now})
    db.session.execute(db.insert(User), users)
    db.session.execute(db.insert(UserRole), [{"user_id": user_id, "role": "collector"} for user_id in staff_ids])
    courses = ensure_courses()
    made = []
    opens = now - timedelta(days=60)
    for n in range(exams):
        exam = Exam(course=courses[n % len(courses)], title=f"基准考试{n + 1:02d}", status="closed",
                    opens_at=opens + timedelta(days=n), closes_at=opens + timedelta(days=n, hours=8),
                    duration_minutes=60, pass_mark=Decimal(60), created_at=now)
        db.session.add(exam)
        db.session.flush()
        made.append(exam)
    db.session.commit()
    for exam in made:
        rows = []
        for n in staff_ids:
            started = exam.opens_at + timedelta(minutes=rng.randrange(0, 300))
            score = Decimal(rng.randrange(30, 100)) + Decimal(rng.choice((0, 5))) / 10
            rows.append({"exam_id": exam.id, "user_id": n, "number": 1, "status": "submitted", "seed": n,
                         "started_at": started, "deadline_at": started + timedelta(minutes=60),
                         "submitted_at": started + timedelta(minutes=rng.randrange(10, 60)),
                         "submitted_how": "candidate", "max_score": Decimal(100), "score": score,
                         "passed": score >= 60, "graded_at": started + timedelta(minutes=60),
                         "writer": "", "save_seq": 0, "mean_difficulty": Decimal("3.00")})
        db.session.execute(db.insert(Attempt), rows)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Fresh statistics, as autovacuum would gather soon after such a load (otherwise the planner guesses).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("ANALYZE"))
    return {"hr_staff_no": hr.staff_no, "exam_ids": [exam.id for exam in made]}


def _download(client, url: str) -> tuple[int, int, bytes]:
    """Status, bytes and the first bytes of the body, read to its end chunk by chunk."""
    response = client.get(url)
    size, head = 0, b""
    for chunk in response.response:
        if not head:
            head = bytes(chunk[:4])
        size += len(chunk)
    response.close()
    return response.status_code, size, head


def timed(client, urls: list[str]) -> dict:
    started = time.perf_counter()
    with PeakRSS() as rss:
        sizes = []
        for url in urls:
            status, size, head = _download(client, url)
            assert status == 200, (url, status)
            sizes.append(size)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    for url in urls:
        _download(client, url)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": round(seconds, 3), "bytes": sum(sizes), "rss_mb": round(rss.grown / MB, 1),
            "traced_mb": round(traced / MB, 1), "head": head.hex()}


def run(quick: bool, database_url: str | None, *, staff: int | None = None, exams: int = 10,
        seed_value: int = 1) -> dict:
    """Seed, then time the exports; returns the figures (printing a line per figure)."""
    from app.audit import actions
    from app.audit.models import AuditEvent
    from app.extensions import db

    staff = staff or (1_000 if quick else 10_000)
    figures = {"staff": staff, "exams": exams, "results": staff * exams,
               "database": "postgresql" if database_url else "sqlite"}
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(database_url, Path(folder))
        app.config.update(WTF_CSRF_ENABLED=False, ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8, ARGON2_PARALLELISM=1)
        with app.app_context():
            started = time.perf_counter()
            ids = seed(staff, exams, random.Random(seed_value))
            figures["seed_seconds"] = round(time.perf_counter() - started, 1)
            print(f"seeded {staff:,} staff × {exams} exams = {staff * exams:,} submitted results "
                  f"in {figures['seed_seconds']:.1f} s ({figures['database']})")
            db.session.remove()
        client = app.test_client()
        response = client.post("/login", data={"staff_no": ids["hr_staff_no"], "password": PASSWORD})
        assert response.status_code == 302, "HR could not log in"
        for fmt in ("csv", "xlsx"):
            for name, urls in (("all", [f"/reports/results.{fmt}"]),
                               ("per_exam", [f"/reports/exams/{i}/results.{fmt}" for i in ids["exam_ids"]])):
                figure = timed(client, urls)
                key = f"{name}_{fmt}"
                figures[key] = figure
                what = "all results in one file" if name == "all" else f"{len(urls)} per-exam exports, total"
                print(f"{fmt.upper():4} {what}: {figure['seconds']:.2f} s, {figure['bytes'] / MB:.1f} MiB, "
                      f"peak RSS +{figure['rss_mb']:.1f} MiB, traced peak {figure['traced_mb']:.1f} MiB")
        with app.app_context():
            counts = [event.details["rows"] for event in db.session.scalars(
                db.select(AuditEvent).where(AuditEvent.action == actions.REPORT_EXPORTED).order_by(AuditEvent.id))]
            # Each export ran twice (timed, then traced): all CSV, per-exam CSV, all XLSX, per-exam XLSX.
            all_rows = [c for c in counts if c == staff * exams]
            figures["audited_rows_ok"] = len(all_rows) == 4 and len(counts) == 4 * (1 + exams)
            db.session.remove()
            db.engine.dispose()
    figures["targets"] = {"csv_seconds": 2, "xlsx_seconds": 10, "memory_mb": 250}
    figures["within_targets"] = (figures["all_csv"]["seconds"] <= 2 and figures["all_xlsx"]["seconds"] <= 10
                                 and all(figures[k]["rss_mb"] <= 250 and figures[k]["traced_mb"] <= 250
                                         for k in ("all_csv", "all_xlsx", "per_exam_csv", "per_exam_xlsx")))
    print(f"audit rows hold the right counts: {figures['audited_rows_ok']}; "
          f"within targets (CSV ≤ 2 s, XLSX ≤ 10 s, ≤ 250 MB): {figures['within_targets']}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, help="default 10,000 (1,000 with --quick)")
    parser.add_argument("--exams", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1,000 staff")
    parser.add_argument("--database-url", help="a PostgreSQL database for benchmarks (it is emptied)")
    args = parser.parse_args()
    figures = run(args.quick, args.database_url, staff=args.staff, exams=args.exams, seed_value=args.seed)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
