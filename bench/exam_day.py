"""Exam day: N candidates sit one 50-question exam at once, through gunicorn, on SQLite (and PostgreSQL).

usage: python bench/exam_day.py [--candidates N] [--quick] [--database-url postgresql+psycopg://…]
                                [--workers W] [--worker-class sync|gthread] [--threads T]

The app runs under gunicorn on loopback in a temporary instance folder, its database built by
`flask --app wsgi db upgrade`. Seeding (N collectors, a 100-question bank, a published 30-minute exam of
50 questions for all) and logins are setup, not measured; logins use cheap argon2 parameters (server and
seeding). Measured, as a browser does it: ALL START together (POST start), open the paper, its first
save (nothing to send: what changed since the page was rendered), autosave rounds sending each changed
question as a change of its own (app/exams/saving.py) spread over 15 seconds as the page does
(--save-period compresses it), then ALL SUBMIT (JSON, with the last changes) spread over one minute. The
floor is a closed-loop blast of saves without changes (an authenticated JSON read: session load, attempt
and items read), compared with the same blast of saves that write. Afterwards the database is read
directly: every acknowledged answer must be stored (lost answers = 0) and every attempt submitted and
scored. Last line: JSON.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.databases import empty_postgres  # noqa: E402

PASSWORD = "Bench@2026pw"
CHEAP_ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "8", "ARGON2_PARALLELISM": "1"}
BLANK_WORDS = ("绿色通道", "通行费", "三十", "30", "收费", "票据", "abc", "车道")


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


def seed(url: str, folder: Path, n: int) -> int:
    """N collectors of one station, a trainer, the bank and the published exam; returns the exam id."""
    from app.accounts.models import User, UserRole
    from app.accounts.passwords import hash_password
    from app.banks.services import add_questions, create_bank
    from app.core.clock import utcnow
    from app.core.roles import Role
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.services import ExamSettings, RuleData, create_exam, publish, set_audience, set_blueprint
    from app.extensions import db
    from app.org.models import Office, Station, Team

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      **{key: int(value) for key, value in CHEAP_ARGON2.items()}})
    with app.app_context():
        now = utcnow()
        password_hash = hash_password(PASSWORD)
        office = Office(name="基准收费所")
        station = Station(office=office, name="基准收费站", kind="station")
        team = Team(station=station, name="一班")
        trainer = User(staff_no="trainer", name="讲师", password_hash=password_hash, active=True,
                       must_change_password=False)
        trainer.role_rows = [UserRole(role=Role.TRAINER.value)]
        db.session.add_all([office, station, team, trainer])
        for i in range(n):
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
            title="收费业务考试", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=3),
            duration_minutes=30, pass_mark=Decimal(60)), now=now, ip="bench")
        rules = [RuleData(count=count, bank_id=bank.id, type=kind, points_each=Decimal(2))
                 for kind, count in (("single", 15), ("multiple", 15), ("true_false", 10), ("fill_blank", 10))]
        set_blueprint(trainer, exam, rules, [], now=now, ip="bench")
        set_audience(trainer, exam, station_ids=[station.id], team_ids=[], user_ids=[], now=now, ip="bench")
        publish(trainer, exam, now=now, ip="bench")
        db.session.commit()
        exam_id = exam.id
        db.session.remove()
        db.engine.dispose()
    return exam_id


# --- The server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, url: str, folder: Path, workers: int, worker_class: str, threads: int):
        self.port = free_port()
        self.log = open(folder / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115  (closed in stop)
        env = {**os.environ, **CHEAP_ARGON2, "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"),
               "SECRET_KEY": "bench", "SESSION_IDLE_MINUTES": "240"}
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                   "--worker-class", worker_class, "--backlog", "4096", "--timeout", "120",
                   "--no-control-socket", "wsgi:app"]  # never the host's shared default socket
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/login", {}).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start: see " + self.log.name)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# --- The browsers ---------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def request(port: int, method: str, path: str, cookies: dict, body: bytes | None = None,
            headers: dict | None = None) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        sent = {"Host": f"127.0.0.1:{port}", "Connection": "close", **(headers or {})}
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        connection.request(method, path, body=body, headers=sent)
        raw = connection.getresponse()
        data = raw.read()
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, cookie = pair.partition("=")
                if "expires=thu, 01 jan 1970" in value.lower() or not cookie:
                    cookies.pop(key.strip(), None)
                else:
                    cookies[key.strip()] = cookie.strip()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
    finally:
        connection.close()


CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
INPUT = re.compile(r'<input[^>]*?type="(radio|checkbox|text)"[^>]*?name="(q\d+(?:-\d+)?)"[^>]*?value="([^"]*)"')


@dataclass
class Candidate:
    staff_no: str
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    attempt_id: int = 0
    window: str = field(default_factory=lambda: os.urandom(16).hex())
    seq: int = 0
    known: int = 0
    fields: dict = field(default_factory=dict)  # name → (input type, [values offered])
    state: dict = field(default_factory=dict)  # the answers a browser shows now, by input name
    changed: set = field(default_factory=set)  # questions changed since their last acknowledged change
    acknowledged: dict = field(default_factory=dict)  # input name → values the server confirmed


def pick(candidate: Candidate, name: str, rng: random.Random) -> list[str]:
    kind, values = candidate.fields[name]
    if kind == "radio":
        return [rng.choice(values)]
    if kind == "checkbox":
        return sorted(rng.sample(values, rng.randint(1, len(values))))
    return [rng.choice(BLANK_WORDS)]


def position_of(name: str) -> int:
    return int(name[1:].partition("-")[0])


def change_some(candidate: Candidate, rng: random.Random, share: float) -> None:
    """Answer more questions, change a few: what a candidate does between two autosaves."""
    for name in candidate.fields:
        answered = candidate.state.get(name, [""]) != [""]
        if (not answered and rng.random() < 0.7) or (answered and rng.random() < share):
            candidate.state[name] = pick(candidate, name, rng)
            candidate.changed.add(position_of(name))


def changes_body(c: Candidate) -> tuple[bytes, dict]:
    """The page's request: each changed question's inputs as one change, numbered in this window."""
    changes, sent = [], {}
    for position in sorted(c.changed):
        names = [name for name in c.fields if position_of(name) == position]
        c.seq += 1
        changes.append({"q": position, "fields": {name: c.state.get(name, []) for name in names}, "flagged": False,
                        "win": c.window, "seq": c.seq, "seen": {}})
        sent.update({name: c.state.get(name, []) for name in names})
    return json.dumps({"known": c.known, "changes": changes}).encode(), sent


def acknowledge(c: Candidate, response, sent: dict) -> None:
    c.known = max(c.known, response.json().get("rev", 0))
    c.acknowledged.update(sent)
    c.changed -= {position_of(name) for name in sent}


@dataclass
class Step:
    name: str
    latencies: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None):
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)

    def figures(self) -> dict:
        ordered = sorted(self.latencies)

        def pct(p):
            return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 1) if ordered else None

        return {"requests": len(ordered), "errors": len(self.errors), "p50_ms": pct(50), "p95_ms": pct(95),
                "p99_ms": pct(99), "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
                "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else None,
                "throughput_rps": round(len(ordered) / self.wall, 1) if self.wall else None,
                "wall_s": round(self.wall, 2), "error_samples": self.errors[:3]}


def timed(step: Step, call, check):
    started = time.perf_counter()
    try:
        response = call()
        error = check(response)
    except Exception as exc:  # a refused connection or a timeout is an error of the step, not of the bench
        response, error = None, f"{type(exc).__name__}: {exc}"
    step.add(time.perf_counter() - started, error)
    return response


def burst(step: Step, candidates, job, concurrency: int):
    """Everyone at once (as many in flight as `concurrency`)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(job, candidates))
    step.wall = time.perf_counter() - started


def paced(step: Step, candidates, job, period: float, concurrency: int, rng: random.Random):
    """Each candidate's request at a random moment of `period` seconds (open loop, like real clocks)."""
    offsets = sorted((rng.uniform(0, period), c) for c in candidates)
    started = time.perf_counter()

    def run(entry):
        offset, candidate = entry
        delay = started + offset - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        job(candidate)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, offsets))
    step.wall = max(time.perf_counter() - started, period)


def expect(status: int, json_status: str | None = None):
    def check(response: Response):
        if response.status != status:
            return f"{response.status}: {response.body[:120]!r}"
        if json_status is not None and response.json().get("status") != json_status:
            return f"status {response.json().get('status')!r}"
        return None
    return check


# --- The day --------------------------------------------------------------------------------------

def run_day(url: str, folder: Path, args, n: int, rng: random.Random) -> dict:
    exam_id = seed(url, folder, n)
    server = Server(url, folder, args.workers, args.worker_class, args.threads)
    port = server.port
    steps = {name: Step(name) for name in ("login", "start", "paper", "first_save", "autosave", "floor_sync",
                                           "autosave_closed_loop", "submit")}
    candidates = [Candidate(f"e{i:05d}") for i in range(n)]
    burst_concurrency = min(n, args.concurrency)
    try:
        def login(c: Candidate):
            page = request(port, "GET", "/login", c.cookies)
            token = CSRF.search(page.body).group(1).decode()
            body = f"staff_no={c.staff_no}&password={PASSWORD}&csrf_token={token}".encode()
            timed(steps["login"], lambda: request(port, "POST", "/login", c.cookies, body,
                                                  {"Content-Type": "application/x-www-form-urlencoded"}),
                  expect(302))
            start_page = request(port, "GET", f"/my/exams/{exam_id}", c.cookies)
            c.csrf = CSRF.search(start_page.body).group(1).decode()

        burst(steps["login"], candidates, login, min(n, 32))

        def start(c: Candidate):
            response = timed(steps["start"], lambda: request(
                port, "POST", f"/my/exams/{exam_id}/start", c.cookies, f"csrf_token={c.csrf}".encode(),
                {"Content-Type": "application/x-www-form-urlencoded"}), expect(302))
            if response is not None and response.status == 302:
                c.attempt_id = int(re.search(r"/my/attempts/(\d+)", response.headers["location"]).group(1))

        burst(steps["start"], candidates, start, burst_concurrency)

        def paper(c: Candidate):
            response = timed(steps["paper"], lambda: request(port, "GET", f"/my/attempts/{c.attempt_id}", c.cookies),
                             expect(200))
            if response is not None and response.status == 200:
                html = response.body.decode()
                for kind, name, value in INPUT.findall(html):
                    c.fields.setdefault(name, (kind, []))[1].append(value)
                    if kind == "text":  # a browser sends every text input, empty or not
                        c.state[name] = [""]

        burst(steps["paper"], candidates, paper, burst_concurrency)

        def sync(c: Candidate, step: Step, path: str = "save", status: str = "saved"):
            body, sent = changes_body(c)
            response = timed(step, lambda: request(
                port, "POST", f"/my/attempts/{c.attempt_id}/{path}", c.cookies, body,
                {"Content-Type": "application/json", "X-CSRFToken": c.csrf}), expect(200, status))
            if response is not None and response.status == 200 and response.json().get("status") == status:
                acknowledge(c, response, sent)

        burst(steps["first_save"], candidates, lambda c: sync(c, steps["first_save"]), burst_concurrency)

        def autosave(step: Step):
            def job(c: Candidate):
                change_some(c, rng, 0.1)
                sync(c, step)
            return job

        for _round in range(args.rounds):
            paced(steps["autosave"], candidates, autosave(steps["autosave"]), args.save_period, args.concurrency, rng)
        autosave_wall = steps["autosave"].wall  # the paced wall of one round; throughput over all rounds:
        steps["autosave"].wall = autosave_wall * args.rounds

        # Saturation: the same number of requests, back to back, for the floor (nothing to write) and for saves.
        blast = min(n, args.blast_concurrency)
        burst(steps["floor_sync"], candidates, lambda c: sync(c, steps["floor_sync"]), blast)
        burst(steps["autosave_closed_loop"], candidates, autosave(steps["autosave_closed_loop"]), blast)

        def submit(c: Candidate):
            change_some(c, rng, 0.05)
            sync(c, steps["submit"], "submit", "submitted")

        paced(steps["submit"], candidates, submit, args.submit_window, args.concurrency, rng)
    finally:
        server.stop()
    figures = {name: step.figures() for name, step in steps.items()}
    figures["check"] = check_database(url, candidates)
    floor_rps = figures["floor_sync"]["throughput_rps"] or 0
    save_rps = figures["autosave_closed_loop"]["throughput_rps"] or 0
    figures["autosave_to_floor"] = round(save_rps / floor_rps, 2) if floor_rps else None
    figures["fields_per_paper"] = round(statistics.fmean(len(c.fields) for c in candidates), 1)
    return figures


def expected_response(kind: str, values: list[str]):
    if kind == "radio":
        return {"true": True, "false": False}.get(values[0], int(values[0]) if values[0].isdigit() else None)
    if kind == "checkbox":
        return sorted(int(v) for v in values)
    return values


def check_database(url: str, candidates) -> dict:
    """Read what the database holds: acknowledged answers stored, attempts submitted and scored."""
    engine = create_engine(url)
    by_attempt = {c.attempt_id: c for c in candidates if c.attempt_id}
    lost = checked = 0
    samples = []
    with engine.connect() as connection:
        attempts = connection.execute(text("SELECT id, status, score FROM attempts")).all()
        items = connection.execute(text("SELECT attempt_id, position, response FROM paper_items")).all()
    engine.dispose()
    stored = {(row.attempt_id, row.position): (json.loads(row.response) if isinstance(row.response, str)
                                               else row.response) for row in items}
    for attempt_id, c in by_attempt.items():
        if not c.acknowledged:
            continue
        blanks = {}
        for name, values in c.acknowledged.items():
            position, _, blank = name[1:].partition("-")
            kind = c.fields[name][0]
            if blank:
                blanks.setdefault(int(position), {})[int(blank)] = values[0]
                continue
            checked += 1
            if stored.get((attempt_id, int(position))) != expected_response(kind, values):
                lost += 1
                samples.append(f"attempt {attempt_id} {name}: stored {stored.get((attempt_id, int(position)))!r}, "
                               f"acknowledged {values!r}")
        for position, answers in blanks.items():
            checked += 1
            wanted = [answers.get(i, "") for i in range(1, max(answers) + 1)]
            wanted = wanted if any(wanted) else None
            if stored.get((attempt_id, position)) != wanted:
                lost += 1
                samples.append(f"attempt {attempt_id} q{position}: stored {stored.get((attempt_id, position))!r}, "
                               f"acknowledged {wanted!r}")
    return {"attempts": len(attempts), "submitted": sum(a.status == "submitted" for a in attempts),
            "scored": sum(a.score is not None for a in attempts), "answers_checked": checked, "lost_answers": lost,
            "candidates_acknowledged": sum(1 for c in candidates if c.acknowledged), "lost_samples": samples[:5]}


def report(backend: str, figures: dict) -> None:
    for name in ("login", "start", "paper", "first_save", "autosave", "autosave_closed_loop", "floor_sync",
                 "submit"):
        f = figures[name]
        print(f"{backend:10} {name:21} {f['requests']:5} req  p50 {f['p50_ms']} ms  p95 {f['p95_ms']} ms  "
              f"p99 {f['p99_ms']} ms  max {f['max_ms']} ms  {f['throughput_rps']} req/s  errors {f['errors']}"
              + (f"  e.g. {f['error_samples'][0]}" if f["error_samples"] else ""), flush=True)
    check = figures["check"]
    print(f"{backend:10} database: {check['attempts']} attempts, {check['submitted']} submitted, {check['scored']} "
          f"scored; {check['answers_checked']} acknowledged answers checked, {check['lost_answers']} lost; "
          f"autosave/floor throughput {figures['autosave_to_floor']}", flush=True)
    for sample in check["lost_samples"]:
        print(f"{backend:10} lost: {sample}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 candidates, a shorter day (under a minute)")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (it is emptied)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--rounds", type=int, default=4, help="autosave rounds per candidate")
    parser.add_argument("--save-period", type=float, default=15.0,
                        help="seconds one autosave round is spread over (the page saves every 15 s; "
                             "smaller values compress time into a heavier load)")
    parser.add_argument("--submit-window", type=float, default=60.0, help="seconds everyone submits within")
    parser.add_argument("--concurrency", type=int, default=200, help="client threads for bursts and paced steps")
    parser.add_argument("--blast-concurrency", type=int, default=32,
                        help="requests in flight in the closed-loop floor/autosave blasts")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    n = args.candidates
    if args.quick:
        n, args.rounds, args.save_period, args.submit_window = 100, 3, 2.0, 5.0
    rng = random.Random(args.seed)
    results = {"candidates": n, "workers": args.workers, "worker_class": args.worker_class,
               "threads": args.threads if args.worker_class == "gthread" else 1, "rounds": args.rounds,
               "save_period_s": args.save_period, "submit_window_s": args.submit_window,
               "floor": "POST /my/attempts/<id>/save without changes"}
    for backend, url in (("sqlite", None), ("postgresql", args.database_url)):
        if (backend == "postgresql" and not url) or (backend == "sqlite" and args.skip_sqlite):
            continue
        with tempfile.TemporaryDirectory() as folder:
            database = prepare_database(url, Path(folder))
            figures = run_day(database, Path(folder), args, n, rng)
        results[backend] = figures
        report(backend, figures)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
