"""Reports speed and memory, the issue's figures in one run: 10,000 staff × 10 exams = 100,000 submitted
results downloaded as CSV and XLSX through the Flask test client (the streamed body read to the end, as a
browser would), then the item analysis of one exam with 5,000 attempts × 100 questions.

usage: python bench/reports.py [--quick] [--staff N] [--exams N] [--attempts N] [--questions N] [--repeat N]
                               [--no-items] [--seed N] [--database-url postgresql+psycopg://…]
--quick: 1,000 staff and the item analysis's quick size (1,000 attempts); --repeat: timed runs of each
export and of the analysis, the median reported (default 3, 2 with --quick); --no-items: exports only.
Each part starts on a fresh database (`bench.databases.fresh_app`): a new SQLite file, or the PostgreSQL
database at --database-url, which is emptied.

Targets (the issue's, on the 2-core dev machine): the all-results CSV ≤ 2 s, XLSX ≤ 10 s, memory ≤ 250 MB
(10^6 bytes), item analysis ≤ 2 s (median of the runs). They are only the issue's figures at the full size;
the JSON says `at_issue_size`.

What is timed:
- "all results": HR's export of every result of every exam (`/reports/results.<fmt>`), one file of
  staff × exams rows — the biggest file the app makes; the CSV and XLSX targets are checked against it;
- "per exam": the exams' own results exports (`/reports/exams/<id>/results.<fmt>`), one after another, total;
- the item analysis: `bench/item_analysis.py`'s `build` and `run` (imported, so that script stays the one
  place for it): its own exam, bank and graded paper items, `analyse_exam` timed.
Each export figure is the request from start to the last byte, including the query, the audit row and the
commit.

Data for the exports: stations, teams and staff (zero-padded staff numbers, bulk inserted without passwords
except HR's), closed exams of the four courses, one submitted and graded attempt per person and exam
(scores random), bulk inserted. No paper items: the results exports read attempts only; the item analysis
seeds its own exam with paper items.

Memory, per export:
- "peak": the process's resident set high-water mark (VmHWM) during the request. The seeding raises VmHWM
  itself, so it is reset before each request (Linux's /proc/self/clear_refs "5"); where that is refused, the
  resident set sampled every 5 ms stands in. It still counts what the process held before the request (the
  interpreter, the app, memory the allocator kept from the seeding), so it is what a worker doing this export
  needs at most: the 250 MB target is checked against the largest of these peaks ("app_rss" is the
  resident set of the freshly made app, before seeding: the part of it any worker holds);
- "rss": that peak minus the resident set just before the request (the request's own growth; the allocator's
  leftovers can hide some of it, so a lower bound);
- "traced": tracemalloc's peak of Python allocations during one more, untimed run (tracemalloc slows it).
"process peak" is the whole run's high-water mark, seeding and item analysis included, for information.

Machine context first: CPUs, load average (again at the end: the machine may be shared), Python, database, and
the seconds of a fixed pure-Python loop, to compare figures from different machines.
The last line is JSON with every figure and `targets`: each with its limit, the measured value and whether it
is met (null when not measured), and `targets_met`.
"""

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import item_analysis  # noqa: E402
from bench.databases import fresh_app  # noqa: E402

PASSWORD = "Bench@2026pw"
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MB = 1_000_000
LIMITS = {"csv_seconds": 2, "xlsx_seconds": 10, "memory_mb": 250, "item_analysis_seconds": 2}


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


class HighWater:
    """The process's peak resident set (VmHWM). Resetting it lets a request's peak leave out the seeding;
    `overall` keeps the whole run's peak across resets (ru_maxrss is reset with it, so cannot)."""

    def __init__(self):
        self.overall = 0
        self.resettable = True

    def now(self) -> int:
        with open("/proc/self/status") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        self.overall = max(self.overall, kib * 1024)
        return kib * 1024

    def reset(self) -> bool:
        self.now()
        try:
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
        except OSError:
            self.resettable = False
        return self.resettable


def reference_loop() -> float:
    """Best of three runs of a fixed pure-Python loop: one core's speed, to compare machines."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for n in range(2_000_000):
            total += n * n % 7
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def machine() -> dict:
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "platform": platform.platform(),
            "reference_loop_seconds": reference_loop()}


def database_version() -> str:
    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        return "PostgreSQL " + db.session.execute(db.text("SHOW server_version")).scalar()
    return f"SQLite {sqlite3.sqlite_version}"


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


def timed(client, urls: list[str], repeat: int, high_water: HighWater) -> dict:
    """Median seconds of `repeat` timed runs of the downloads, their memory peaks, then one traced run."""
    timings, grown, peak, size, head = [], 0, 0, 0, b""
    for _ in range(repeat):
        reset = high_water.reset()
        started = time.perf_counter()
        with PeakRSS() as rss:
            size = 0
            for url in urls:
                status, bytes_read, head = _download(client, url)
                assert status == 200, (url, status)
                size += bytes_read
        timings.append(time.perf_counter() - started)
        grown = max(grown, rss.grown)
        peak = max(peak, high_water.now() if reset else rss.peak)
    tracemalloc.start()
    for url in urls:
        _download(client, url)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": round(statistics.median(timings), 3), "runs": [round(t, 3) for t in timings],
            "bytes": size, "peak_mb": round(peak / MB, 1), "rss_mb": round(grown / MB, 1),
            "traced_mb": round(traced / MB, 1), "head": head.hex()}


def exports(database_url: str | None, staff: int, exams: int, repeat: int, seed_value: int,
            high_water: HighWater) -> dict:
    """Seed, then time the exports; returns the figures (printing a line per figure)."""
    from app.audit import actions
    from app.audit.models import AuditEvent
    from app.extensions import db

    figures = {"staff": staff, "exams": exams, "results": staff * exams, "repeat": repeat}
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(database_url, Path(folder))
        app.config.update(WTF_CSRF_ENABLED=False, ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8, ARGON2_PARALLELISM=1)
        figures["app_rss_mb"] = round(_rss() / MB, 1)
        with app.app_context():
            figures["database"] = database_version()
            started = time.perf_counter()
            ids = seed(staff, exams, random.Random(seed_value))
            figures["seed_seconds"] = round(time.perf_counter() - started, 1)
            figures["seed_peak_mb"] = round(high_water.now() / MB, 1)
            print(f"seeded {staff:,} staff × {exams} exams = {staff * exams:,} submitted results "
                  f"in {figures['seed_seconds']:.1f} s ({figures['database']}); resident set of the fresh app "
                  f"{figures['app_rss_mb']:.0f} MB, process peak so far {figures['seed_peak_mb']:.0f} MB")
            db.session.remove()
        client = app.test_client()
        response = client.post("/login", data={"staff_no": ids["hr_staff_no"], "password": PASSWORD})
        assert response.status_code == 302, "HR could not log in"
        for fmt in ("csv", "xlsx"):
            for name, urls in (("all", [f"/reports/results.{fmt}"]),
                               ("per_exam", [f"/reports/exams/{i}/results.{fmt}" for i in ids["exam_ids"]])):
                figure = timed(client, urls, repeat, high_water)
                figures[f"{name}_{fmt}"] = figure
                what = "all results in one file" if name == "all" else f"{len(urls)} per-exam exports, total"
                print(f"{fmt.upper():4} {what}: {figure['seconds']:.2f} s (median of {figure['runs']}), "
                      f"{figure['bytes'] / MB:.1f} MB, peak RSS {figure['peak_mb']:.0f} MB "
                      f"(+{figure['rss_mb']:.1f}), traced peak {figure['traced_mb']:.1f} MB")
        with app.app_context():
            counts = [event.details["rows"] for event in db.session.scalars(
                db.select(AuditEvent).where(AuditEvent.action == actions.REPORT_EXPORTED).order_by(AuditEvent.id))]
            db.session.remove()
            db.engine.dispose()
    # Each export ran repeat + 1 times (timed, then traced), in CSV and XLSX.
    runs = 2 * (repeat + 1)
    figures["audited_rows_ok"] = (counts.count(staff * exams) == runs and len(counts) == runs * (1 + exams))
    figures["peak_source"] = "VmHWM reset per request" if high_water.resettable else "sampled RSS"
    figures["exports_peak_mb"] = max(figures[f"{name}_{fmt}"]["peak_mb"]
                                     for name in ("all", "per_exam") for fmt in ("csv", "xlsx"))
    print(f"audit rows hold the right counts: {figures['audited_rows_ok']}; "
          f"exports' peak RSS {figures['exports_peak_mb']:.0f} MB ({figures['peak_source']})")
    return figures


def items(database_url: str | None, quick: bool, attempts: int | None, questions: int | None, repeat: int,
          seed_value: int, high_water: HighWater) -> dict:
    """bench/item_analysis.py's run, with the process's peak during it (its build included)."""
    reset = high_water.reset()
    figures = item_analysis.run(quick, database_url, attempts=attempts, questions=questions, repeat=repeat,
                                seed=seed_value)
    if reset:
        figures["peak_mb"] = round(high_water.now() / MB, 1)
    return figures


def targets(figures: dict) -> dict:
    """Each target's limit, measured value and whether it is met (None: not measured this run)."""
    analysis = figures.get("item_analysis")
    measured = {"csv_seconds": figures["all_csv"]["seconds"], "xlsx_seconds": figures["all_xlsx"]["seconds"],
                "memory_mb": figures["exports_peak_mb"],
                "item_analysis_seconds": analysis["analyse_median_seconds"] if analysis else None}
    return {name: {"limit": limit, "measured": measured[name],
                   "met": None if measured[name] is None else measured[name] <= limit}
            for name, limit in LIMITS.items()}


def all_met(checks: dict) -> bool | None:
    """False if any target is missed, None if none is missed but one was not measured."""
    met = [check["met"] for check in checks.values()]
    if False in met:
        return False
    return None if None in met else True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 staff; the item analysis's quick size")
    parser.add_argument("--staff", type=int, help="default 10,000 (1,000 with --quick)")
    parser.add_argument("--exams", type=int, default=10)
    parser.add_argument("--attempts", type=int, help="item analysis: default 5,000 (1,000 with --quick)")
    parser.add_argument("--questions", type=int, help="item analysis: questions per paper, default 100")
    parser.add_argument("--repeat", type=int, help="timed runs of each figure, median reported (default 3; 2 quick)")
    parser.add_argument("--no-items", action="store_true", help="skip the item analysis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL database for benchmarks (it is emptied)")
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 3)
    staff = args.staff or (1_000 if args.quick else 10_000)
    context = machine()
    print(f"{context['cpus']} CPUs, load average {context['load_average']}, Python {context['python']}, "
          f"{context['platform']}; reference loop {context['reference_loop_seconds']:.3f} s")
    high_water = HighWater()
    figures = {"machine": context,
               **exports(args.database_url, staff, args.exams, repeat, args.seed, high_water)}
    if not args.no_items:
        figures["item_analysis"] = items(args.database_url, args.quick, args.attempts, args.questions, repeat,
                                         args.seed, high_water)
    high_water.now()
    figures["process_peak_mb"] = round(high_water.overall / MB, 1)
    figures["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["at_issue_size"] = (staff, args.exams) == (10_000, 10) and (args.no_items or (
        figures["item_analysis"]["attempts"], figures["item_analysis"]["questions"]) == (5_000, 100))
    figures["targets"] = targets(figures)
    figures["targets_met"] = all_met(figures["targets"])
    print(f"process peak {figures['process_peak_mb']:.0f} MB (seeding included); load average at the end "
          f"{figures['load_average_end']}")
    for name, check in figures["targets"].items():
        print(f"target {name} ≤ {check['limit']}: {check['measured']} → "
              f"{'met' if check['met'] else 'not measured' if check['met'] is None else 'MISSED'}")
    print(f"targets met: {figures['targets_met']} (at the issue's size: {figures['at_issue_size']})")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
