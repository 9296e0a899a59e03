"""Exam day: N candidates arrive, log in, sit one exam and submit, each as a browser would, through gunicorn.

usage: python bench/exam_day.py [--candidates N] [--quick] [--database-url postgresql+psycopg://…] [--skip-sqlite]
                                [--arrival-s S] [--think-s 30-60] [--questions Q] [--servers K] [--redis-url URL]
                                [--workers W]

The app runs under gunicorn with the production configuration (gunicorn.conf.py) on loopback, its database
built by `flask --app wsgi db upgrade`, passwords hashed with the app's configured argon2 parameters (one hash,
computed once, stored for every account: verifying it costs a login what it costs in production). Setup is
not measured.

Each candidate arrives at a random moment of `--arrival-s` and, in order: loads the login page and its static
files (a browser cache per candidate that honours Cache-Control, ETag and Last-Modified), logs in with the page's
CSRF token, follows the redirect home, opens 我的考试, the exam's start page, starts, loads the paper, and then
the paper page talks to the server as app/static/js/exam.js does (class Page, the only place that knows it):
a change-save a moment after each answer and, between changes, either the periodic save (with a sync on load)
or the heartbeat `GET …/clock`, whichever the paper announces (`data-clock-url`). Answers come one question at
a time at a think time drawn from `--think-s`; after the last one the candidate opens the submit page, submits and reads
the result, so submits spread over the last minutes as candidates finish. Candidates overlap: no global phases.

In the same run: the floor (bench/floor_app.py: one indexed UPDATE + commit on the same database, under the same
gunicorn.conf.py) and the save endpoint, each closed loop, and their ratio. Afterwards the database is read:
every change the server acknowledged must be stored (lost answers = 0). CPU is split from /proc between the
server (gunicorn processes), the database (PostgreSQL processes) and the client (this process). Last line: JSON.
"""

import argparse
import heapq
import http.client
import itertools
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.databases import empty_postgres  # noqa: E402

PASSWORD = "Bench@2026pw"
BLANK_WORDS = ("绿色通道", "通行费", "三十", "30", "收费", "票据", "abc", "车道")
TICK = os.sysconf("SC_CLK_TCK")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- Database and seed ----------------------------------------------------------------------------

def prepare_database(url: str | None, folder: Path) -> str:
    if url:
        empty_postgres(url)
    else:
        url = f"sqlite:///{folder / 'exam_day.db'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return url


def drafts():
    from app.banks.drafts import Draft, QuestionType

    made = []
    for n in range(30):
        made.append(Draft(QuestionType.SINGLE, f"第{n + 1}题：收费站对第{n + 1}类车辆应当如何处理（ ）？",
                          options=[f"按规定收费{n}", f"免费放行{n}", f"报告站长{n}", f"拒绝通行{n}"], correct={n % 4},
                          difficulty=n % 5 + 1, explanation=f"依据《收费公路管理条例》第{n + 1}条。"))
        made.append(Draft(QuestionType.MULTIPLE, f"第{n + 31}题：下列关于第{n + 1}项收费制度的说法，正确的有（ ）。",
                          options=[f"应当公示收费标准{n}", f"应当出具票据{n}", f"可以随意减免{n}", f"应当文明服务{n}"],
                          correct={0, 1, 3}, difficulty=n % 5 + 1, explanation="收费应当公开、规范。"))
    for n in range(20):
        made.append(Draft(QuestionType.TRUE_FALSE, f"第{n + 61}题：收费员在第{n + 1}号车道可以私自收取现金。",
                          truth=n % 2 == 0, difficulty=n % 5 + 1))
        made.append(Draft(QuestionType.FILL_BLANK, f"第{n + 81}题：鲜活农产品运输车辆享受____政策，免收车辆____。",
                          blanks=[["绿色通道"], ["通行费", "车辆通行费"]], difficulty=n % 5 + 1))
    return made


def paper_rules(questions: int) -> list[tuple[str, int]]:
    """The paper's mix (30 % single, 30 % multiple, 20 % true/false, the rest fill-in) within the bank's 100."""
    single = min(30, round(questions * 0.3))
    multiple = min(30, round(questions * 0.3))
    true_false = min(20, round(questions * 0.2))
    fill = min(20, questions - single - multiple - true_false)
    return [(kind, count) for kind, count in (("single", single), ("multiple", multiple),
                                              ("true_false", true_false), ("fill_blank", fill)) if count > 0]


def seed(url: str, accounts: int, questions: int, duration_minutes: int, floor_rows: int) -> tuple[int, str]:
    """`accounts` collectors of one station, a trainer, the bank and the published exam, and the floor's table;
    returns the exam id and the argon2 parameters the hash was made with."""
    from app.accounts.models import User, UserRole
    from app.accounts.passwords import hash_password
    from app.banks.services import add_questions, create_bank
    from app.core.clock import utcnow
    from app.core.roles import Role
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.services import ExamSettings, RuleData, create_exam, publish, set_audience, set_blueprint
    from app.extensions import db
    from app.org.models import Office, Station, Team

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})  # the configured argon2, not cheap
    with app.app_context():
        now = utcnow()
        password_hash = hash_password(PASSWORD)  # once: every account verifies the same (full-cost) hash
        office = Office(name="基准收费所")
        station = Station(office=office, name="基准收费站", kind="station")
        team = Team(station=station, name="一班")
        trainer = User(staff_no="trainer", name="讲师", password_hash=password_hash, active=True,
                       must_change_password=False)
        trainer.role_rows = [UserRole(role=Role.TRAINER.value)]
        db.session.add_all([office, station, team, trainer])
        for i in range(accounts):
            user = User(staff_no=f"e{i:05d}", name=f"考生{i}", password_hash=password_hash, station=station, team=team,
                        active=True, must_change_password=False)
            user.role_rows = [UserRole(role=Role.COLLECTOR.value)]
            db.session.add(user)
        db.session.flush()
        ensure_courses()
        course = find_course("law")
        bank = create_bank(trainer, course, "考试日题库", now=now, ip="bench")
        add_questions(trainer, bank, drafts(), now=now)
        exam = create_exam(trainer, course, ExamSettings(
            title="收费业务考试", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=6),
            duration_minutes=duration_minutes, pass_mark=Decimal(questions * 2 * 6) / 10), now=now, ip="bench")
        rules = [RuleData(count=count, bank_id=bank.id, type=kind, points_each=Decimal(2))
                 for kind, count in paper_rules(questions)]
        set_blueprint(trainer, exam, rules, [], now=now, ip="bench")
        set_audience(trainer, exam, station_ids=[station.id], team_ids=[], user_ids=[], now=now, ip="bench")
        publish(trainer, exam, now=now, ip="bench")
        db.session.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL)"))
        db.session.execute(text("INSERT INTO bench_floor (id, hits) VALUES (:id, 0)"),
                           [{"id": i} for i in range(1, floor_rows + 1)])
        db.session.commit()
        exam_id = exam.id
        argon2 = (f"argon2id m={app.config['ARGON2_MEMORY_KIB']} KiB, t={app.config['ARGON2_TIME_COST']}, "
                  f"p={app.config['ARGON2_PARALLELISM']}")
        db.session.remove()
        db.engine.dispose()
    return exam_id, argon2


# --- The servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with gunicorn.conf.py (what production runs), on a port of its own, without a control socket.
    `port` starts it again where a killed one listened, `own_group` in a process group of its own (which
    bench/crash_exam.py kills whole, as a host losing the server would)."""

    def __init__(self, url: str, folder: Path, app: str, ready_path: str, workers: int | None,
                 ratelimit_storage: str | None = None, port: int | None = None, own_group: bool = False):
        self.port = port or free_port()
        self.log = open(folder / f"gunicorn-{self.port}.log", "a")  # noqa: SIM115  (closed in stop)
        env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench",
               "SESSION_IDLE_MINUTES": "240"}
        if ratelimit_storage:
            env["RATELIMIT_STORAGE_URI"] = ratelimit_storage
        if workers:
            env["GUNICORN_WORKERS"] = str(workers)
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "--bind", f"127.0.0.1:{self.port}", "--no-control-socket", app]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=own_group)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", ready_path)
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start: see " + self.log.name)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database, so counts of an earlier run do not throttle this one's logins."""
    import redis

    redis.Redis.from_url(url).flushdb()


# --- CPU from /proc -------------------------------------------------------------------------------

def _stat(pid: int) -> tuple[int, int, float, float] | None:
    """(pid, parent, own CPU seconds, reaped children's CPU seconds)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    own = (int(fields[11]) + int(fields[12])) / TICK
    children = (int(fields[13]) + int(fields[14])) / TICK
    return pid, int(fields[1]), own, children


def _all_stats() -> dict[int, tuple]:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))):
            stats[stat[0]] = stat
    return stats


def tree_cpu(roots: list[int], stats: dict | None = None) -> float:
    """CPU seconds of each root, of its reaped children, and of its live descendants: exact at this instant, so the
    difference of two readings is what the tree used between them, however many workers were recycled."""
    stats = stats or _all_stats()
    children: dict[int, list[int]] = {}
    for pid, parent, _own, _reaped in stats.values():
        children.setdefault(parent, []).append(pid)
    total = 0.0
    for root in roots:
        if root in stats:
            total += stats[root][3]
        queue = [root]
        while queue:
            pid = queue.pop()
            if pid in stats:
                total += stats[pid][2]
            queue.extend(children.get(pid, []))
    return total


def postmaster() -> int | None:
    """The PostgreSQL server's main process on this host (its children are every backend, of every database)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                comm = Path(f"/proc/{entry}/comm").read_text().strip()
                parent = _stat(int(entry))
            except OSError:
                continue
            if comm in {"postgres", "postmaster"} and parent and parent[1] == 1:
                return int(entry)
    return None


class CpuMeter:
    """Server, database and client CPU over a span. PostgreSQL's own figure counts every database on the host
    (other work shares it); the backends of the bench's database are also sampled on their own."""

    def __init__(self, servers: list["Server"], database: str | None):
        self.servers = [server.process.pid for server in servers]
        self.postmaster = postmaster() if database else None
        self.database = database
        self.backends: dict[int, list[float]] = {}  # pid → [CPU at the start (0 if it began later), CPU last seen]
        self.starting = True
        self.stop_event = threading.Event()

    def _sample(self):
        while not self.stop_event.wait(0.5):
            self._sample_backends()

    def _sample_backends(self):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if cmdline.startswith("postgres: ") and f" {self.database} " in cmdline and (stat := _stat(pid)):
                # a backend first seen after the start began during the span: all it used counts
                baseline_last = self.backends.setdefault(pid, [stat[2] if self.starting else 0.0, stat[2]])
                baseline_last[1] = stat[2]

    def __enter__(self):
        stats = _all_stats()
        self.server0 = tree_cpu(self.servers, stats)
        self.db0 = tree_cpu([self.postmaster], stats) if self.postmaster else None
        self.client0 = self._client()
        self.wall0 = time.perf_counter()
        if self.postmaster:
            self._sample_backends()
            self.starting = False
            self.thread = threading.Thread(target=self._sample, daemon=True)
            self.thread.start()
        return self

    @staticmethod
    def _client() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def __exit__(self, *_exc):
        stats = _all_stats()
        wall = time.perf_counter() - self.wall0
        self.figures = {"wall_s": round(wall, 1),
                        "server_cpu_s": round(tree_cpu(self.servers, stats) - self.server0, 1),
                        "client_cpu_s": round(self._client() - self.client0, 1)}
        if self.postmaster:
            self.stop_event.set()
            self.thread.join()
            self._sample_backends()
            own = sum(last - baseline for baseline, last in self.backends.values())
            self.figures["database_cpu_s"] = round(own, 1)
            self.figures["postgres_all_databases_cpu_s"] = round(tree_cpu([self.postmaster], stats) - self.db0, 1)
        else:
            self.figures["database_cpu_s"] = None  # SQLite runs inside the server's processes
        for key in ("server_cpu_s", "database_cpu_s", "client_cpu_s"):
            if self.figures.get(key) is not None:
                self.figures[key.replace("_cpu_s", "_cores")] = round(self.figures[key] / wall, 2)


# --- Measuring ------------------------------------------------------------------------------------

@dataclass
class Step:
    name: str
    latencies: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None = None):
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)

    def figures(self, wall: float | None = None) -> dict:
        ordered = sorted(self.latencies)

        def pct(p):
            return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 1) if ordered else None

        made = {"requests": len(ordered), "errors": len(self.errors), "p50_ms": pct(50), "p95_ms": pct(95),
                "p99_ms": pct(99), "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
                "error_samples": sorted(set(self.errors))[:3]}
        if wall:
            made["throughput_rps"] = round((len(ordered) - len(self.errors)) / wall, 1)
        return made


STEPS = ("login_page", "login", "home", "my_exams", "start_page", "start", "paper", "load_sync", "change_save",
         "periodic", "submit_page", "submit", "result", "static")


class Measure:
    def __init__(self):
        self.steps = {name: Step(name) for name in STEPS}
        self.static = {"fetched": 0, "revalidated": 0, "from_cache": 0}
        self.lock = threading.Lock()

    def count_static(self, how: str):
        with self.lock:
            self.static[how] += 1


class Failed(Exception):
    """A step the candidate cannot go on without failed (already counted as that step's error)."""


# --- The browser ----------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


SUBRESOURCE = re.compile(r'<(?:script[^>]*?\ssrc|link[^>]*?\shref)="(/[^/"][^"]*)"[^>]*>')
LINK_REL = re.compile(r'rel="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
INPUT = re.compile(r'<input[^>]*?type="(radio|checkbox|text)"[^>]*?name="(q\d+(?:-\d+)?)"[^>]*?value="([^"]*)"')
DATA = re.compile(r'data-([a-z-]+)="([^"]*)"')


class Browser:
    """One candidate's browser: cookies, a keep-alive connection, and a cache for static files that does what a
    browser does with Cache-Control (fresh: not asked; else revalidated with ETag / Last-Modified)."""

    PAGE_TIMEOUT = 60.0  # a browser waits for a page
    XHR_TIMEOUT = 10.0  # exam.js aborts a save after 10 s (REQUEST_TIMEOUT_MS)

    def __init__(self, port: int, measure: Measure):
        self.port = port
        self.measure = measure
        self.cookies: dict[str, str] = {}
        self.cache: dict[str, dict] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.idle_since = 0.0

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def fetch(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
              timeout: float = PAGE_TIMEOUT) -> Response:
        if self.connection is not None and time.monotonic() - self.idle_since > 1.5:
            self.close()  # the server's keep-alive may have ended: a browser opens a new connection
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        self.connection.timeout = timeout
        if self.connection.sock is not None:
            self.connection.sock.settimeout(timeout)
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "zh-CN,zh;q=0.9", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=sent)
            raw = self.connection.getresponse()
            data = raw.read()
        except BaseException:
            self.close()
            raise
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, cookie = value.split(";", 1)[0].partition("=")
                if "expires=thu, 01 jan 1970" in value.lower() or not cookie:
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = cookie.strip()
        if raw.will_close:
            self.close()
        self.idle_since = time.monotonic()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)

    def timed(self, step: str, method: str, path: str, expect: int | tuple, body: bytes | None = None,
              headers: dict | None = None, timeout: float = PAGE_TIMEOUT) -> Response:
        """One request, measured as `step`; raises Failed (counted) on a refused connection, a timeout or an
        unexpected status."""
        started = time.perf_counter()
        try:
            response = self.fetch(method, path, body, headers, timeout)
        except Exception as exc:  # a refused connection or a timeout is an error of the step, not of the bench
            self.measure.steps[step].add(time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:120])
            raise Failed(step) from exc
        error = None if response.status in (expect if isinstance(expect, tuple) else (expect,)) else \
            f"HTTP {response.status}"
        self.measure.steps[step].add(time.perf_counter() - started, error)
        if error:
            raise Failed(step)
        return response

    def page(self, step: str, path: str, body: bytes | None = None) -> Response:
        """Load a page as a browser does: follow redirects (all counted in `step`), then its static files."""
        started = time.perf_counter()
        method = "POST" if body is not None else "GET"
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        try:
            for _hop in range(5):
                response = self.fetch(method, path, body, headers)
                if response.status not in (301, 302, 303, 307, 308):
                    break
                path = re.sub(r"^https?://[^/]+", "", response.headers["location"])
                method, body, headers = "GET", None, {}
        except Exception as exc:
            self.measure.steps[step].add(time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:120])
            raise Failed(step) from exc
        error = None if response.status == 200 else f"HTTP {response.status}"
        self.measure.steps[step].add(time.perf_counter() - started, error)
        if error:
            raise Failed(step)
        self.subresources(response.body.decode(errors="replace"))
        return response

    def subresources(self, html: str):
        for match in SUBRESOURCE.finditer(html):
            tag, url = match.group(0), unescape(match.group(1))
            rel = LINK_REL.search(tag)
            if tag.startswith("<link") and not (rel and set(rel.group(1).split()) & {"stylesheet", "icon",
                                                                                     "preload", "modulepreload"}):
                continue
            self.static(url)

    def static(self, url: str):
        now = time.monotonic()
        kept = self.cache.get(url)
        if kept and kept["fresh_until"] > now:
            self.measure.count_static("from_cache")
            return
        headers = {}
        if kept and kept.get("etag"):
            headers["If-None-Match"] = kept["etag"]
        if kept and kept.get("last_modified"):
            headers["If-Modified-Since"] = kept["last_modified"]
        started = time.perf_counter()
        try:
            response = self.fetch("GET", url, headers=headers)
        except Exception as exc:
            self.measure.steps["static"].add(time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:120])
            return  # a missing style sheet does not stop the candidate
        ok = response.status == 200 or (response.status == 304 and kept)
        self.measure.steps["static"].add(time.perf_counter() - started, None if ok else f"HTTP {response.status}")
        if not ok:
            return
        self.measure.count_static("revalidated" if response.status == 304 else "fetched")
        control = response.headers.get("cache-control", "").lower()
        if "no-store" in control:
            self.cache.pop(url, None)
            return
        max_age = re.search(r"max-age=(\d+)", control)
        entry = kept if response.status == 304 else {
            "etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
        fresh = int(max_age.group(1)) if max_age and "no-cache" not in control else 0
        entry["fresh_until"] = now + fresh
        self.cache[url] = entry


# --- The paper page: what app/static/js/exam.js sends ---------------------------------------------

class Page:
    """The exam page's requests, mirroring app/static/js/exam.js (keep them in step). Every change is a change of
    its own question (win, seq, seen), sent DEBOUNCE seconds after the last answer, one request at a time; failed
    requests are retried with exponential back-off (1 s doubling, at most 30 s, jittered); before the submit page,
    pending changes are sent. Between changes, one of two versions of the page, told apart by whether the paper
    announces a heartbeat (`data-clock-url`):

    - the periodic save: a sync on load, and every PERIOD seconds a save (empty when nothing is pending);
    - the heartbeat: no request on load; `GET …/clock` every HEARTBEAT seconds (IDLE_HEARTBEAT once the
      candidate has not answered for IDLE_AFTER), each jittered × 0.75–1.25 and counted again from every save's
      reply; a pending change goes as a save instead, and a revision past what the page knows (or 410) asks the
      save endpoint what changed.

    `scale` compresses these periods with the think time (--period-s). What the server acknowledged is kept to
    check against the database afterwards."""

    DEBOUNCE = 1.5
    MAX_BACKOFF = 30.0
    PERIOD = 15.0
    HEARTBEAT = 60.0
    IDLE_HEARTBEAT = 120.0
    IDLE_AFTER = 120.0

    def __init__(self, browser: Browser, attempt_id: int, html: str, scale: float, rng: random.Random):
        self.browser = browser
        self.attempt_id = attempt_id
        self.rng = rng
        self.scale = scale
        data = {}
        for key, value in DATA.findall(html.split('id="exam-paper"', 1)[1].split(">", 1)[0]):
            data[key] = unescape(value)
        self.csrf = data["csrf"]
        self.known = int(data.get("known") or 0)
        self.save_url = data.get("save-url") or f"/my/attempts/{attempt_id}/save"
        self.clock_url = data.get("clock-url")
        self.window = os.urandom(16).hex()
        self.seq = 0
        self.fields: dict[str, tuple[str, list]] = {}
        for kind, name, value in INPUT.findall(html):
            self.fields.setdefault(name, (kind, []))[1].append(unescape(value))
        self.positions = sorted({position_of(name) for name in self.fields})
        self.state: dict[str, list] = {name: [""] for name, (kind, _v) in self.fields.items() if kind == "text"}
        self.latest: dict[int, dict] = {}  # position → newest change not yet acknowledged
        self.acknowledged: dict[str, list] = {}  # input name → values the server confirmed
        self.debounce_at: float | None = None
        self.last_active = time.perf_counter()
        self.period_at = time.perf_counter() + self._period()
        self.failures = 0

    def _period(self) -> float:
        if not self.clock_url:
            return self.PERIOD * self.scale
        idle = time.perf_counter() - self.last_active > self.IDLE_AFTER * self.scale
        return (self.IDLE_HEARTBEAT if idle else self.HEARTBEAT) * self.scale * self.rng.uniform(0.75, 1.25)

    def on_load(self):
        if not self.clock_url:
            self.sync("load_sync")  # the periodic-save page syncs once on load

    def answer(self, position: int, now: float):
        """The candidate answers (or changes) one question: a change of its own, sent after the pause."""
        for name, (kind, values) in self.fields.items():
            if position_of(name) != position:
                continue
            if kind == "radio":
                self.state[name] = [self.rng.choice(values)]
            elif kind == "checkbox":
                self.state[name] = sorted(self.rng.sample(values, self.rng.randint(1, len(values))))
            else:
                self.state[name] = [self.rng.choice(BLANK_WORDS)]
        self.seq += 1
        names = [name for name in self.fields if position_of(name) == position]
        self.latest[position] = {"q": position, "fields": {name: list(self.state.get(name, [])) for name in names},
                                 "flagged": False, "win": self.window, "seq": self.seq, "seen": {}}
        self.debounce_at = now + self.DEBOUNCE
        self.last_active = now

    def due(self) -> float:
        return min(self.debounce_at or float("inf"), self.period_at)

    def fire(self, now: float):
        """Whatever timer is due: the change-save after the pause (or a retry), the periodic request."""
        if self.debounce_at is not None and now >= self.debounce_at:
            self.debounce_at = None
            self.sync("change_save" if self.latest else "periodic")
        if time.perf_counter() >= self.period_at:
            self.period_at = time.perf_counter() + self._period()
            if self.latest:
                self.sync("change_save")
            elif self.clock_url:
                self.heartbeat()
            else:
                self.sync("periodic")

    def _backoff(self) -> float:
        self.failures += 1
        wait = min(self.MAX_BACKOFF, 2 ** (self.failures - 1))
        return wait / 2 + self.rng.random() * wait / 2

    def sync(self, step: str) -> bool:
        sent = list(self.latest.values())
        body = json.dumps({"known": self.known, "changes": sent}).encode()
        try:
            response = self.browser.timed(step, "POST", self.save_url, 200, body, {
                "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.csrf},
                timeout=Browser.XHR_TIMEOUT)
        except Failed:
            self.debounce_at = time.perf_counter() + self._backoff()
            return False
        self.failures = 0
        self.absorb(response.json(), sent)
        if self.clock_url:
            self.period_at = time.perf_counter() + self._period()  # a save's reply is a heartbeat too
        return True

    def heartbeat(self):
        try:
            response = self.browser.timed("periodic", "GET", self.clock_url, (200, 410),
                                          headers={"Accept": "application/json"}, timeout=Browser.XHR_TIMEOUT)
        except Failed:
            self.period_at = time.perf_counter() + self._backoff()
            return
        self.failures = 0
        rev = response.json().get("rev")
        if response.status == 410 or (isinstance(rev, int) and rev > self.known):
            self.sync("periodic")  # another window saved, or the end: the save endpoint says what to show

    def absorb(self, data: dict, sent: list[dict]):
        outcomes = {(r.get("win"), r.get("seq")): r.get("outcome") for r in data.get("results", [])}
        for change in sent:
            outcome = outcomes.get((change["win"], change["seq"]))
            if outcome not in ("stored", "replaced"):
                continue
            if outcome == "stored":
                self.acknowledged.update(change["fields"])
            kept = self.latest.get(change["q"])
            if kept is not None and kept["seq"] == change["seq"]:
                del self.latest[change["q"]]
        if isinstance(data.get("rev"), int):
            self.known = max(self.known, data["rev"])

    def before_leaving(self):
        """The submit link waits until every change is acknowledged (exam.js, .exam-submit-link)."""
        for _try in range(5):
            if not self.latest:
                return
            if not self.sync("change_save"):
                time.sleep(min(self.MAX_BACKOFF, 2 ** self.failures) / 2)
        if self.latest:
            raise Failed("change_save")


def position_of(name: str) -> int:
    return int(name[1:].partition("-")[0])


# --- One candidate's day, as a generator of the moments it waits for ------------------------------

@dataclass
class Plan:
    exam_id: int
    arrival: float  # seconds after the start of the day
    thinks: list[float]  # per question
    scale: float  # the page's periods × this (--period-s against exam.js's own)
    pause: float  # scale of the pauses between pages (reading them)


@dataclass
class Outcome:
    staff_no: str
    attempt_id: int = 0
    page: Page | None = None
    finished: bool = False
    failed_at: str | None = None
    submitted_at: float | None = None


def candidate_day(browser: Browser, outcome: Outcome, plan: Plan, day_start: float, rng: random.Random):
    """Yields the absolute time (perf_counter) of the next thing the candidate does; runs requests in between."""
    yield day_start + plan.arrival
    try:
        login_page = browser.page("login_page", "/login")
        token = CSRF_INPUT.search(login_page.body.decode()).group(1)
        body = f"staff_no={outcome.staff_no}&password={PASSWORD}&csrf_token={token}".encode()
        landed = browser.timed("login", "POST", "/login", 302, body,
                               {"Content-Type": "application/x-www-form-urlencoded"})
        browser.page("home", re.sub(r"^https?://[^/]+", "", landed.headers["location"]))
        yield time.perf_counter() + plan.pause * rng.uniform(1, 3)
        browser.page("my_exams", "/my/exams")
        yield time.perf_counter() + plan.pause * rng.uniform(1, 3)
        start_page = browser.page("start_page", f"/my/exams/{plan.exam_id}")
        token = CSRF_INPUT.search(start_page.body.decode()).group(1)
        yield time.perf_counter() + plan.pause * rng.uniform(2, 5)
        started = browser.timed("start", "POST", f"/my/exams/{plan.exam_id}/start", 302,
                                f"csrf_token={token}".encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        outcome.attempt_id = int(re.search(r"/my/attempts/(\d+)", started.headers["location"]).group(1))
        paper = browser.page("paper", f"/my/attempts/{outcome.attempt_id}")
        page = outcome.page = Page(browser, outcome.attempt_id, paper.body.decode(), plan.scale, rng)
        page.on_load()
        order = list(page.positions)
        revisits = rng.sample(order, k=max(1, len(order) // 10))  # a few answers changed on a second look
        for position, think in zip(order + revisits, plan.thinks + plan.thinks[:len(revisits)], strict=False):
            answer_at = time.perf_counter() + think
            while True:
                due = min(answer_at, page.due())
                yield due
                now = time.perf_counter()
                if now >= page.due():
                    page.fire(now)
                if time.perf_counter() >= answer_at:
                    page.answer(position, time.perf_counter())
                    break
        for _retry in range(8):  # the last answer's save (retried as the page does), then to the submit page
            if not page.latest or page.debounce_at is None:
                break
            yield page.debounce_at
            page.fire(time.perf_counter())
        page.before_leaving()
        submit_page = browser.page("submit_page", f"/my/attempts/{outcome.attempt_id}/submit")
        token = CSRF_INPUT.search(submit_page.body.decode()).group(1)
        yield time.perf_counter() + plan.pause * rng.uniform(2, 5)
        browser.timed("submit", "POST", f"/my/attempts/{outcome.attempt_id}/submit", 302,
                      f"csrf_token={token}".encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        outcome.submitted_at = time.perf_counter() - day_start
        browser.page("result", f"/my/attempts/{outcome.attempt_id}/result")
        outcome.finished = True
    except Failed as failed:
        outcome.failed_at = str(failed)
    except Exception as exc:  # the bench's own error: say where
        outcome.failed_at = f"bench: {type(exc).__name__}: {exc}"
    finally:
        browser.close()


class Scheduler:
    """Many candidates, bounded threads: each candidate is a generator of the moments it waits for; a thread runs
    it from one moment to the next. `lag` records how late each moment was served after it was due and announced
    (the client's own backlog; a moment that passed during the candidate's own slow request is not lag)."""

    def __init__(self, threads: int):
        self.heap: list = []
        self.counter = itertools.count()
        self.ready = threading.Condition()
        self.pool = ThreadPoolExecutor(threads)
        self.running = 0
        self.lag: list[float] = []

    def add(self, due: float, generator):
        with self.ready:
            heapq.heappush(self.heap, (due, next(self.counter), generator, time.perf_counter()))
            self.ready.notify()

    def _advance(self, due: float, generator):
        self.lag.append(time.perf_counter() - due)
        try:
            following = next(generator)
        except StopIteration:
            following = None
        with self.ready:
            self.running -= 1
            if following is not None:
                heapq.heappush(self.heap, (following, next(self.counter), generator, time.perf_counter()))
            self.ready.notify()

    def run(self):
        while True:
            with self.ready:
                while True:
                    if not self.heap and not self.running:
                        self.pool.shutdown()
                        return
                    if self.heap and self.heap[0][0] <= time.perf_counter():
                        due, _n, generator, announced = heapq.heappop(self.heap)
                        due = max(due, announced)
                        self.running += 1
                        break
                    self.ready.wait(self.heap[0][0] - time.perf_counter() if self.heap else None)
            self.pool.submit(self._advance, due, generator)


# --- Closed loops: the floor and the save endpoint ------------------------------------------------

def closed_loop(seconds: float, clients: int, request_once) -> Step:
    """`clients` threads, each sending its next request as soon as the last one is answered."""
    step = Step("closed_loop")
    stop_at = time.perf_counter() + seconds

    def client(index: int):
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                error = request_once(index)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:120]
            step.add(time.perf_counter() - started, error)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    step.wall = time.perf_counter() - started
    return step


def prepare_blast_pages(ports: list[int], exam_id: int, clients: int, first: int, rng: random.Random) -> list[Page]:
    """Candidates for the save endpoint's closed loop, logged in and started before the day (setup)."""
    measure = Measure()  # not reported

    def prepare(index: int) -> Page:
        browser = Browser(ports[index % len(ports)], measure)
        outcome = Outcome(f"e{first + index:05d}")
        login_page = browser.page("login_page", "/login")
        token = CSRF_INPUT.search(login_page.body.decode()).group(1)
        browser.timed("login", "POST", "/login", 302,
                      f"staff_no={outcome.staff_no}&password={PASSWORD}&csrf_token={token}".encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"})
        start_page = browser.page("start_page", f"/my/exams/{exam_id}")
        token = CSRF_INPUT.search(start_page.body.decode()).group(1)
        started = browser.timed("start", "POST", f"/my/exams/{exam_id}/start", 302, f"csrf_token={token}".encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"})
        attempt_id = int(re.search(r"/my/attempts/(\d+)", started.headers["location"]).group(1))
        paper = browser.page("paper", f"/my/attempts/{attempt_id}")
        return Page(browser, attempt_id, paper.body.decode(), 1.0, random.Random(rng.random()))

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(prepare, range(clients)))


def blast_save(pages: list[Page], rng: random.Random):
    """One change of one question, saved: the unit of the exam day's writes."""
    def once(index: int) -> str | None:
        page = pages[index]
        page.answer(rng.choice(page.positions), time.perf_counter())
        page.debounce_at = None
        return None if page.sync("change_save") else "save failed"
    return once


def blast_heartbeat(pages: list[Page]):
    def once(index: int) -> str | None:
        page = pages[index]
        response = page.browser.fetch("GET", page.clock_url, headers={"Accept": "application/json"},
                                      timeout=Browser.XHR_TIMEOUT)
        return None if response.status == 200 else f"HTTP {response.status}"
    return once


def blast_floor(ports: list[int], rows: int):
    """As many floor servers as app servers, the clients spread over them as the candidates are."""
    connections: dict[int, http.client.HTTPConnection] = {}

    def once(index: int) -> str | None:
        connection = connections.get(index) or http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)],
                                                                           timeout=30)
        connections[index] = connection
        try:
            connection.request("GET", f"/{random.randint(1, rows)}")
            raw = connection.getresponse()
            raw.read()
        except Exception:
            connection.close()
            connections.pop(index, None)
            raise
        if raw.will_close:
            connection.close()
            connections.pop(index, None)
        return None if raw.status == 200 else f"HTTP {raw.status}"
    return once


# --- The day --------------------------------------------------------------------------------------

def run_day(url: str, folder: Path, args, rng: random.Random) -> dict:
    n = args.candidates
    think_low, think_high = args.think
    began = time.perf_counter()
    # The closed-loop candidates start before the day and save after it: their attempts must outlast the whole day.
    duration = int((args.arrival_s + args.questions * 1.1 * think_high + 120) // 60) + 5
    exam_id, argon2 = seed(url, n + args.closed_loop_clients, args.questions, duration, floor_rows=1000)
    if args.redis_url:
        flush_redis(args.redis_url)
    servers = [Server(url, folder, "wsgi:app", "/login", args.workers, args.redis_url) for _ in range(args.servers)]
    ports = [server.port for server in servers]
    measure = Measure()
    figures: dict = {"argon2": argon2, "exam_minutes": duration, "ratelimit_storage": args.redis_url or "memory://"}
    try:
        pages = prepare_blast_pages(ports, exam_id, args.closed_loop_clients, n, rng)
        heartbeat = bool(pages[0].clock_url)
        scale = args.period_s / (Page.HEARTBEAT if heartbeat else Page.PERIOD) if args.period_s else 1.0
        figures["setup_s"] = round(time.perf_counter() - began, 1)  # seed, servers, closed-loop candidates
        figures["periodic_request"] = (f"heartbeat GET …/clock every {Page.HEARTBEAT * scale:g} s (± 25 %)"
                                       if heartbeat else f"empty POST …/save every {Page.PERIOD * scale:g} s")
        outcomes = [Outcome(f"e{i:05d}") for i in range(n)]
        scheduler = Scheduler(args.client_threads)
        day_start = time.perf_counter() + 0.5
        for index, outcome in enumerate(outcomes):
            plan = Plan(exam_id, rng.uniform(0, args.arrival_s), [rng.uniform(think_low, think_high)
                                                                   for _ in range(args.questions)],
                        scale, args.pause)
            browser = Browser(ports[index % len(ports)], measure)
            scheduler.add(day_start, candidate_day(browser, outcome, plan, day_start, random.Random(rng.random())))
        database = make_url(url).database if url.startswith("postgresql") else None
        with CpuMeter(servers, database) as cpu:
            scheduler.run()
        figures["day"] = cpu.figures
        figures["day"]["client_lag_p99_ms"] = round(sorted(scheduler.lag)[int(0.99 * (len(scheduler.lag) - 1))]
                                                    * 1000, 1) if scheduler.lag else None
        submitted = sorted(o.submitted_at for o in outcomes if o.submitted_at is not None)
        figures["day"]["submits_between_s"] = [round(submitted[0]), round(submitted[-1])] if submitted else None
        figures["candidates_finished"] = sum(o.finished for o in outcomes)
        failures: dict[str, int] = {}
        for o in outcomes:
            if o.failed_at:
                failures[o.failed_at] = failures.get(o.failed_at, 0) + 1
        figures["candidates_stopped_at"] = failures

        # The closed loops, after the day: the save endpoint, then the floor under the same gunicorn.conf.py.
        save = closed_loop(args.closed_loop_s, args.closed_loop_clients, blast_save(pages, rng))
        figures["save_closed_loop"] = save.figures(save.wall)
        if heartbeat:
            beat = closed_loop(args.closed_loop_s, args.closed_loop_clients, blast_heartbeat(pages))
            figures["heartbeat_closed_loop"] = beat.figures(beat.wall)
    finally:
        for server in servers:
            server.stop()
    floor_servers = [Server(url, folder, "bench.floor_app:app", "/1", args.workers) for _ in range(args.servers)]
    try:
        floor = closed_loop(args.closed_loop_s, args.closed_loop_clients,
                            blast_floor([server.port for server in floor_servers], 1000))
    finally:
        for server in floor_servers:
            server.stop()
    figures["floor_closed_loop"] = floor.figures(floor.wall)
    floor_rps = figures["floor_closed_loop"]["throughput_rps"]
    figures["save_to_floor"] = round(figures["save_closed_loop"]["throughput_rps"] / floor_rps, 2) if floor_rps else None
    figures["steps"] = {name: step.figures() for name, step in measure.steps.items()}
    figures["static_files"] = measure.static
    figures["check"] = check_database(url, [o.page for o in outcomes if o.page] + pages,
                                      {o.attempt_id for o in outcomes if o.attempt_id})
    return figures


def expected_response(kind: str, values: list[str]):
    if kind == "radio":
        return {"true": True, "false": False}.get(values[0], int(values[0]) if values[0].isdigit() else None)
    if kind == "checkbox":
        return sorted(int(v) for v in values)
    return values


def check_database(url: str, pages: list[Page], day_attempts: set[int]) -> dict:
    """Read what the database holds: every acknowledged answer stored; the day's attempts submitted and scored."""
    engine = create_engine(url)
    lost = checked = 0
    samples = []
    with engine.connect() as connection:
        attempts = connection.execute(text("SELECT id, status, score FROM attempts")).all()
        items = connection.execute(text("SELECT attempt_id, position, response FROM paper_items")).all()
    engine.dispose()
    stored = {(row.attempt_id, row.position): (json.loads(row.response) if isinstance(row.response, str)
                                               else row.response) for row in items}
    for page in pages:
        blanks: dict[int, dict[int, str]] = {}
        for name, values in page.acknowledged.items():
            position, _, blank = name[1:].partition("-")
            kind = page.fields[name][0]
            if blank:
                blanks.setdefault(int(position), {})[int(blank)] = values[0]
                continue
            checked += 1
            if stored.get((page.attempt_id, int(position))) != expected_response(kind, values):
                lost += 1
                samples.append(f"attempt {page.attempt_id} {name}: stored "
                               f"{stored.get((page.attempt_id, int(position)))!r}, acknowledged {values!r}")
        for position, answers in blanks.items():
            checked += 1
            wanted = [answers.get(i, "") for i in range(1, max(answers) + 1)]
            wanted = wanted if any(wanted) else None
            if stored.get((page.attempt_id, position)) != wanted:
                lost += 1
                samples.append(f"attempt {page.attempt_id} q{position}: stored "
                               f"{stored.get((page.attempt_id, position))!r}, acknowledged {wanted!r}")
    day = [a for a in attempts if a.id in day_attempts]
    return {"attempts": len(day), "submitted": sum(a.status == "submitted" for a in day),
            "scored": sum(a.score is not None for a in day), "answers_checked": checked, "lost_answers": lost,
            "lost_samples": samples[:5]}


def report(backend: str, figures: dict) -> None:
    print(f"{backend:10} {figures['argon2']}; periodic request: {figures['periodic_request']}", flush=True)
    for name, f in figures["steps"].items():
        if not f["requests"]:
            continue
        print(f"{backend:10} {name:12} {f['requests']:6} req  p50 {f['p50_ms']} ms  p95 {f['p95_ms']} ms  "
              f"p99 {f['p99_ms']} ms  max {f['max_ms']} ms  errors {f['errors']}"
              + (f"  e.g. {f['error_samples'][0]}" if f["error_samples"] else ""), flush=True)
    s = figures["static_files"]
    print(f"{backend:10} static files: {s['fetched']} fetched, {s['revalidated']} revalidated (304), "
          f"{s['from_cache']} from the cache unasked", flush=True)
    for name in ("save_closed_loop", "heartbeat_closed_loop", "floor_closed_loop"):
        if name not in figures:
            continue
        f = figures[name]
        print(f"{backend:10} {name:18} {f['throughput_rps']} req/s  p50 {f['p50_ms']} ms  p99 {f['p99_ms']} ms  "
              f"errors {f['errors']}", flush=True)
    print(f"{backend:10} save / floor throughput: {figures['save_to_floor']}", flush=True)
    day = figures["day"]
    print(f"{backend:10} day {day['wall_s']} s: CPU server {day['server_cpu_s']} s ({day['server_cores']} cores), "
          f"database {day['database_cpu_s'] if day['database_cpu_s'] is not None else 'n/a (SQLite, in the server)'}"
          + (f" s ({day['database_cores']} cores; PostgreSQL all databases {day['postgres_all_databases_cpu_s']} s)"
             if day["database_cpu_s"] is not None else "")
          + f", client {day['client_cpu_s']} s ({day['client_cores']} cores); client lag p99 "
          f"{day['client_lag_p99_ms']} ms; submits between {day['submits_between_s']} s", flush=True)
    check = figures["check"]
    print(f"{backend:10} candidates finished {figures['candidates_finished']}, stopped at "
          f"{figures['candidates_stopped_at'] or 'none'}; database: {check['attempts']} attempts, {check['submitted']} "
          f"submitted, {check['scored']} scored; {check['answers_checked']} acknowledged answers checked, "
          f"{check['lost_answers']} lost", flush=True)
    for sample in check["lost_samples"]:
        print(f"{backend:10} lost: {sample}", flush=True)


def think_range(value: str) -> tuple[float, float]:
    low, _, high = value.partition("-")
    low_s, high_s = float(low), float(high or low)
    if not 0 <= low_s <= high_s:
        raise argparse.ArgumentTypeError("think time: LOW-HIGH seconds, LOW ≤ HIGH")
    return low_s, high_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--quick", action="store_true",
                        help="40 candidates over 6 s, 6 questions, 1.5-2.5 s think time, a 2 s period, 3 s closed "
                             "loops of 8 clients, pauses × 0.3: under a minute a database")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (it is emptied)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--arrival-s", type=float, default=600.0, help="arrivals spread over this many seconds")
    parser.add_argument("--think-s", type=think_range, default=(30.0, 60.0), dest="think",
                        help="think time per question, LOW-HIGH seconds")
    parser.add_argument("--questions", type=int, default=30, help="questions on the paper (at most 100)")
    parser.add_argument("--period-s", type=float,
                        help="the page's periodic request, seconds (default: exam.js's own, 15 s for the periodic "
                             "save, 60 s for the heartbeat, other periods scaled alike); smaller compresses time")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="scale of the pauses between pages (1-3 s before 我的考试 and the start page, 2-5 s "
                             "before start and submit)")
    parser.add_argument("--servers", type=int, default=1, help="app servers (gunicorn instances) on one database")
    parser.add_argument("--redis-url", help="rate-limit storage the servers share (RATELIMIT_STORAGE_URI), as "
                        "production runs several servers; the database is emptied first, e.g. redis://127.0.0.1:6379/14")
    parser.add_argument("--workers", type=int, help="gunicorn workers per server (default: gunicorn.conf.py's)")
    parser.add_argument("--client-threads", type=int,
                        help="threads the client runs candidates on (default: one per candidate, at most 4,000): "
                             "fewer make requests start late when the server is slow (the client lag)")
    parser.add_argument("--closed-loop-s", type=float, default=20.0, help="length of each closed loop")
    parser.add_argument("--closed-loop-clients", type=int, default=16, help="requests in flight in the closed loops")
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    if args.quick:
        args.candidates, args.arrival_s, args.questions, args.think, args.period_s = 40, 6.0, 6, (1.5, 2.5), 2.0
        args.pause, args.closed_loop_s, args.closed_loop_clients = 0.3, 3.0, 8
    if not 1 <= args.questions <= 100:
        parser.error("--questions: 1 to 100")
    args.client_threads = args.client_threads or min(args.candidates, 4000)
    threading.stack_size(512 * 1024)  # thousands of client threads, each only waiting on its socket
    rng = random.Random(args.seed)
    results = {"candidates": args.candidates, "arrival_s": args.arrival_s, "think_s": list(args.think),
               "questions": args.questions, "period_s": args.period_s, "servers": args.servers,
               "workers": args.workers or "gunicorn.conf.py", "cores": os.cpu_count(),
               "uptime_start": uptime(), "load_start": load_average()}
    print(f"start: {results['uptime_start']}", flush=True)
    for backend, url in (("sqlite", None), ("postgresql", args.database_url)):
        if (backend == "postgresql" and not url) or (backend == "sqlite" and args.skip_sqlite):
            continue
        with tempfile.TemporaryDirectory() as folder:
            database = prepare_database(url, Path(folder))
            load_before = load_average()
            figures = run_day(database, Path(folder), args, rng)
            figures["load"] = f"{load_before} → {load_average()}"
        results[backend] = figures
        report(backend, figures)
    results["uptime_end"] = uptime()
    results["load_end"] = load_average()
    print(f"end: {results['uptime_end']}", flush=True)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
