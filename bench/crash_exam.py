"""Crash exam: kill the server while candidates save, restart it, and check that nothing acknowledged was lost.

usage: python bench/crash_exam.py [--candidates N] [--kills K] [--databases both|sqlite|postgresql]
                                  [--database-url postgresql+psycopg://…] [--restart-postgres] [--quick]

Not a speed test: it proves issue 18's promise that a crash costs no answer the page was told was saved. The app
runs under gunicorn with gunicorn.conf.py (as bench/exam_day.py runs it: its seed, Server and Browser are
reused) with `--workers` workers. N candidates log in, start the exam and answer through the real endpoints as
app/static/js/exam.js does: one change per answer (window, number, `seen`), sent 1.5 s later, one request at a
time, every failure (refused or reset connection, timeout, 5xx, 503 with Retry-After) retried with the page's
back-off and the same changes. Each candidate keeps every change the server acknowledged (200/409 with the
outcome `stored` or `replaced`, and the revision it reached).

Meanwhile: SIGKILL of a random worker `--kills` times, spaced; then SIGKILL of the master's whole process group
and a new gunicorn on the same port (the pages retry through refused connections; once it is back, every
candidate reloads the paper within a few seconds: a new window that takes over the old one's unacknowledged
changes, as exam.js's journal does, and shows the time left from the server); with
`--restart-postgres` also `pg_ctlcluster 15 main restart` mid-run. Then every candidate submits.

Afterwards the database is read: every acknowledged change must be stored, or replaced by a change the same
candidate made later to the same question (superseded); every attempt submitted and graded once (one submit
event, one attempt per candidate, and the stored scores equal a re-grade of the stored answers); every
`remaining` the server sent (paper page, save replies) must match the deadline in the database, within
`--tolerance-s` — a restart must not restart the clock. Exit status 1 when anything was lost, graded twice,
wrongly timed, wrongly scored or left open. Last line: JSON.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from sqlalchemy import create_engine, make_url, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.exam_day import (  # noqa: E402
    CSRF_INPUT,
    PASSWORD,
    Browser,
    Measure,
    Page,
    Server,
    expected_response,
    load_average,
    prepare_database,
    seed,
    think_range,
    uptime,
)

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
ITEM = re.compile(r'class="paper-question" data-position="(\d+)"[^>]*?data-by="([^"]*)" data-seq="(\d*)"')
REMAINING = re.compile(r'data-remaining="(\d+)"')
EXAM_MINUTES = 30  # far longer than the run: a deadline reached is not what is tested
RELOAD_SPREAD_S = 5.0  # after the restart, candidates reload the paper within this many seconds


# --- What went wrong, by kind ---------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.kinds: Counter = Counter()
        self.lock = threading.Lock()

    def add(self, kind: str):
        with self.lock:
            self.kinds[kind] += 1


def error_kind(exc: BaseException) -> str:
    """A failed request in a few words: what a browser would have seen."""
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, http.client.HTTPException)):
        return "reset"  # the connection ended before a whole reply (RemoteDisconnected, IncompleteRead)
    return type(exc).__name__


class Retry(Exception):
    """A request to try again after the page's back-off (its kind is tallied)."""

    def __init__(self, kind: str, retry_after: int = 0):
        super().__init__(kind)
        self.kind = kind
        self.retry_after = retry_after


class Over(Exception):
    """The server says the attempt is over (410, or a redirect to the result): no candidate should see it."""


# --- A candidate and the changes it made -----------------------------------------------------------

@dataclass
class Made:
    """One change as the candidate made it; `order` counts the candidate's changes across its windows."""

    position: int
    fields: dict
    order: int
    acked_rev: int | None = None
    outcome: str | None = None


@dataclass
class Candidate:
    staff_no: str
    rng: random.Random
    attempt_id: int = 0
    kinds: dict = field(default_factory=dict)  # input name → radio / checkbox / text
    made: dict = field(default_factory=dict)  # (window, seq) → Made
    counter: itertools.count = field(default_factory=itertools.count)
    times: list = field(default_factory=list)  # (sent, received, remaining) in wall-clock seconds
    reloads: int = 0
    submitted: bool = False
    failed: str | None = None


class CrashPage(Page):
    """exam_day's Page, with what a page that outlives a crash needs of exam.js: `seen` for every change (from the
    stored change the rendered page or a reply showed), a retry on every failure with the page's back-off and
    Retry-After, and the acknowledged changes kept with the revision they reached."""

    def __init__(self, browser: Browser, candidate: Candidate, html: str, tally: Tally):
        super().__init__(browser, candidate.attempt_id, html, 1.0, candidate.rng)
        self.candidate = candidate
        self.tally = tally
        candidate.kinds = {name: kind for name, (kind, _values) in self.fields.items()}
        self.stored = {int(position): (by, int(seq or 0)) for position, by, seq in ITEM.findall(html)
                       if by and by != "None"}

    def seen_for(self, position: int) -> dict:
        before = self.latest.get(position)
        if before is not None:  # built on a change not yet acknowledged: on what it was built on, and on it
            return {**before["seen"], before["win"]: max(before["seen"].get(before["win"], 0), before["seq"])}
        if position in self.stored:
            by, seq = self.stored[position]
            return {by: seq}
        return {}

    def change(self, position: int):
        seen = self.seen_for(position)
        self.answer(position, time.perf_counter())
        made = self.latest[position]
        made["seen"] = seen
        self.candidate.made[(made["win"], made["seq"])] = Made(position, made["fields"], next(self.candidate.counter))

    def adopt(self, left: "CrashPage"):
        """exam.js's adoptJournals: the changes a reloaded window left unacknowledged, unless this page shows them
        (or later ones of their window) stored."""
        for position, change in left.latest.items():
            by, seq = self.stored.get(position, ("", 0))
            if by == change["win"] and seq >= change["seq"]:
                continue
            self.latest[position] = change

    def save(self):
        """Send the pending changes once; raises Retry or Over."""
        sent = list(self.latest.values())
        body = json.dumps({"known": self.known, "changes": sent}).encode()
        began = time.time()
        try:
            response = self.browser.fetch("POST", self.save_url, body, {
                "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.csrf},
                timeout=Browser.XHR_TIMEOUT)
        except Exception as exc:
            raise Retry(error_kind(exc)) from exc
        if response.status in (200, 409):
            data = response.json()
            if isinstance(data.get("remaining"), int):
                self.candidate.times.append((began, time.time(), data["remaining"]))
            self.absorb(data, sent)
            if response.status == 409:
                self.tally.add("HTTP 409 (refused)")
            return
        if response.status == 410:
            self.tally.add("HTTP 410")
            raise Over("save")
        retry_after = response.headers.get("retry-after", "")
        raise Retry(f"HTTP {response.status}", int(retry_after) if retry_after.isdigit() else 0)

    def absorb(self, data: dict, sent: list[dict]):
        outcomes = {(r.get("win"), r.get("seq")): r.get("outcome") for r in data.get("results", [])}
        for change in sent:
            key = (change["win"], change["seq"])
            outcome = outcomes.get(key)
            made = self.candidate.made.get(key)
            if outcome in ("stored", "replaced") and made is not None and made.outcome is None:
                made.outcome, made.acked_rev = outcome, data.get("rev")
            if outcome == "stored":
                self.stored[change["q"]] = key
            elif outcome == "refused" and self.latest.get(change["q"]) is change:
                del self.latest[change["q"]]  # the stored answer is shown instead (exam.js)
        for item in data.get("items", []):
            if item.get("q") not in self.latest:
                self.stored[item["q"]] = (item.get("by") or "", item.get("seq") or 0)
        super().absorb(data, sent)


def backoff(failures: int, retry_after: int, rng: random.Random) -> float:
    """exam.js's back-off: 1 s doubling up to 30 s, at least Retry-After, jittered to half to whole."""
    wait = max(min(Page.MAX_BACKOFF, 2.0 ** (failures - 1)), retry_after)
    return wait / 2 + rng.random() * wait / 2


# --- Pages other than the paper's saves, each retried until it answers -----------------------------

def follow(browser: Browser, method: str, path: str, body: bytes | None = None) -> tuple[str, bytes]:
    """One page and its redirects: (final path, body); raises Retry on a failure or a 5xx."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    for _hop in range(5):
        try:
            response = browser.fetch(method, path, body, headers)
        except Exception as exc:
            raise Retry(error_kind(exc)) from exc
        if response.status in (302, 303):
            path = re.sub(r"^https?://[^/]+", "", response.headers["location"])
            method, body, headers = "GET", None, {}
            continue
        if response.status != 200:
            retry_after = response.headers.get("retry-after", "")
            raise Retry(f"HTTP {response.status}", int(retry_after) if retry_after.isdigit() else 0)
        return path, response.body
    raise Retry("redirect loop")


def persist(candidate: Candidate, tally: Tally, give_up: float, action):
    """Run `action` until it succeeds, retrying as a person who reloads would (the page's back-off)."""
    failures = 0
    while True:
        try:
            return action()
        except Retry as retry:
            tally.add(retry.kind)
            failures += 1
            if time.monotonic() > give_up:
                raise
            time.sleep(backoff(failures, retry.retry_after, candidate.rng))


def login_and_start(browser: Browser, candidate: Candidate, exam_id: int, tally: Tally) -> bytes:
    """Log in and start (or resume) the attempt; the paper's HTML (its `remaining` recorded)."""
    def login():
        _path, html = follow(browser, "GET", "/login")
        if b'name="password"' not in html:
            return  # already signed in: a retry whose first login landed
        token = CSRF_INPUT.search(html.decode()).group(1)
        follow(browser, "POST", "/login",
               f"staff_no={candidate.staff_no}&password={PASSWORD}&csrf_token={token}".encode())

    def start():
        _path, html = follow(browser, "GET", f"/my/exams/{exam_id}")
        token = CSRF_INPUT.search(html.decode()).group(1)
        sent = time.time()
        path, paper = follow(browser, "POST", f"/my/exams/{exam_id}/start", f"csrf_token={token}".encode())
        match = re.fullmatch(r"/my/attempts/(\d+)", path)
        if not match:
            raise Retry(f"start landed on {path}")
        candidate.attempt_id = int(match.group(1))
        candidate.times.append((sent, time.time(), int(REMAINING.search(paper.decode()).group(1))))
        return paper

    give_up = time.monotonic() + 300
    persist(candidate, tally, give_up, login)
    return persist(candidate, tally, give_up, start)


def load_paper(browser: Browser, candidate: Candidate, tally: Tally, give_up: float) -> CrashPage:
    def load():
        began = time.time()
        path, html = follow(browser, "GET", f"/my/attempts/{candidate.attempt_id}")
        if path != f"/my/attempts/{candidate.attempt_id}":
            raise Over(f"paper redirected to {path}")
        text_ = html.decode()
        candidate.times.append((began, time.time(), int(REMAINING.search(text_).group(1))))
        return CrashPage(browser, candidate, text_, tally)
    return persist(candidate, tally, give_up, load)


# --- One candidate ---------------------------------------------------------------------------------

@dataclass
class Day:
    exam_id: int
    port: int
    think: tuple[float, float]
    saving: threading.Event  # set when every candidate has started: the saves (and the kills) begin
    answer_until: float = 0.0  # monotonic; set with `saving`
    restarts: int = 0  # gunicorn restarts so far: after one, every candidate reloads the paper once
    give_up: float = 0.0
    ready: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    tally: Tally = field(default_factory=Tally)


def sit(candidate: Candidate, day: Day, arrival: float):
    browser = Browser(day.port, Measure())
    started = False
    try:
        time.sleep(arrival)
        paper = login_and_start(browser, candidate, day.exam_id, day.tally)
        page = CrashPage(browser, candidate, paper.decode(), day.tally)
        day.ready.release()
        started = True
        day.saving.wait()
        answer(candidate, day, page, browser)
        submit(candidate, day, browser)
    except Exception as exc:
        candidate.failed = f"{type(exc).__name__}: {exc}"[:160]
    finally:
        if not started:
            day.ready.release()
        browser.close()


def answer(candidate: Candidate, day: Day, page: CrashPage, browser: Browser):
    """Answer until the day says stop, saving as the page does (its retries ride out the kills); once gunicorn is
    back after the master's kill, reload the paper within a few seconds, as a room told to press F5 would: the
    new window takes over what the old one had not had acknowledged. Returns when every change is acknowledged."""
    rng = candidate.rng
    next_answer = time.monotonic() + rng.uniform(*day.think)
    save_at = None  # the debounced save, or its retry
    failures = 0
    reload_at = None
    reload_failures = 0
    restarts = 0
    while True:
        now = time.monotonic()
        if day.restarts > restarts:
            restarts, reload_at = day.restarts, now + rng.uniform(0, RELOAD_SPREAD_S)
        answering = now < day.answer_until
        if not answering and not page.latest and reload_at is None:
            return
        if now > day.give_up:
            raise RuntimeError(f"{len(page.latest)} changes still unacknowledged at the end")
        if reload_at is not None and now >= reload_at:
            try:
                fresh = load_paper(browser, candidate, day.tally, now)  # one try; retried here
            except Retry as retry:
                reload_failures += 1
                reload_at = now + backoff(reload_failures, retry.retry_after, rng)
                continue
            fresh.adopt(page)
            page, reload_at, failures = fresh, None, 0
            candidate.reloads += 1
            save_at = now if page.latest else None
            continue
        if page.latest and save_at is not None and now >= save_at:
            try:
                page.save()
                failures, save_at = 0, (now if page.latest else None)
            except Retry as retry:
                day.tally.add(retry.kind)
                failures += 1
                save_at = now + backoff(failures, retry.retry_after, rng)
            continue
        if answering and now >= next_answer:
            page.change(rng.choice(page.positions))
            next_answer = now + rng.uniform(*day.think)
            if failures == 0:
                save_at = now + Page.DEBOUNCE
            continue
        wake = [day.answer_until if answering else day.give_up]
        if answering:
            wake.append(next_answer)
        if save_at is not None and page.latest:
            wake.append(save_at)
        if reload_at is not None:
            wake.append(reload_at)
        time.sleep(max(0.005, min(wake) - time.monotonic()))


def submit(candidate: Candidate, day: Day, browser: Browser):
    """The submit page and its form, then the result; a retry starts again from the submit page, which sends a
    submitted attempt to its result (so a retried submit cannot submit twice — the database says whether it did)."""
    attempt = candidate.attempt_id

    def once():
        path, html = follow(browser, "GET", f"/my/attempts/{attempt}/submit")
        if path == f"/my/attempts/{attempt}/submit":
            token = CSRF_INPUT.search(html.decode()).group(1)
            path, _html = follow(browser, "POST", f"/my/attempts/{attempt}/submit", f"csrf_token={token}".encode())
        if path != f"/my/attempts/{attempt}/result":
            raise Retry(f"submit landed on {path}")

    persist(candidate, day.tally, day.give_up, once)
    candidate.submitted = True


# --- The server and what happens to it --------------------------------------------------------------

def workers_of(server: Server) -> list[int]:
    try:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def kill_all(server: Server):
    """SIGKILL to the master and its workers at once (its own process group): no graceful anything."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    server.log.close()


class Chaos:
    """The kills, at their moments of the saving span, from the main thread."""

    def __init__(self, url: str, folder: Path, workers: int, server: Server, restart_postgres: bool):
        self.url, self.folder, self.workers = url, folder, workers
        self.server = server
        self.restart_postgres = restart_postgres
        self.events: list[str] = []
        self.began = time.monotonic()

    def note(self, what: str):
        self.events.append(f"{time.monotonic() - self.began:5.1f} s {what}")
        print(f"  {self.events[-1]}", flush=True)

    def kill_worker(self, rng: random.Random):
        for _try in range(50):
            workers = workers_of(self.server)
            if len(workers) >= self.workers:  # every worker up again after the last kill
                break
            time.sleep(0.2)
        victim = rng.choice(workers)
        os.kill(victim, signal.SIGKILL)
        self.note(f"SIGKILL worker {victim}")

    def kill_master(self, day: Day):
        port = self.server.port
        kill_all(self.server)
        self.note(f"SIGKILL master {self.server.process.pid} and its workers (process group)")
        time.sleep(1.0)  # the host comes back
        self.server = Server(self.url, self.folder, "wsgi:app", "/login", self.workers, port=port, own_group=True)
        self.note(f"gunicorn restarted on port {port} (master {self.server.process.pid})")
        day.restarts += 1

    def restart_database(self):
        self.note("pg_ctlcluster 15 main restart …")
        done = subprocess.run(PG_RESTART, capture_output=True, text=True)
        self.note(f"PostgreSQL restarted (exit {done.returncode}) {done.stderr.strip()[:80]}")


def run(url: str, folder: Path, args, rng: random.Random, backend: str) -> dict:
    exam_id, _argon2 = seed(url, args.candidates, args.questions, EXAM_MINUTES, floor_rows=1)
    server = Server(url, folder, "wsgi:app", "/login", args.workers, own_group=True)
    candidates = [Candidate(f"e{i:05d}", random.Random(rng.random())) for i in range(args.candidates)]
    day = Day(exam_id, server.port, args.think, threading.Event())
    threads = [threading.Thread(target=sit, args=(c, day, rng.uniform(0, args.arrival_s)), daemon=True)
               for c in candidates]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for _ in candidates:
        day.ready.acquire()
    started_s = time.monotonic() - began
    chaos = Chaos(url, folder, args.workers, server, args.restart_postgres and backend == "postgresql")
    print(f"{backend}: {sum(c.attempt_id > 0 for c in candidates)} candidates started in {started_s:.1f} s; "
          f"saving for {args.save_s:g} s", flush=True)
    # The span's moments: the worker kills evenly, the master near the end of the answering, PostgreSQL between.
    spacing = args.save_s / (args.kills + 2.5)
    plan = [((i + 1) * spacing, "worker") for i in range(args.kills)] + [((args.kills + 1) * spacing, "master")]
    if chaos.restart_postgres:
        plan.append((2.5 * spacing, "postgres"))
    plan.sort()
    day.answer_until = time.monotonic() + args.save_s
    day.give_up = day.answer_until + args.give_up_s
    chaos.began = time.monotonic()
    day.saving.set()
    try:
        for at, what in plan:
            time.sleep(max(0.0, chaos.began + at - time.monotonic()))
            if what == "worker":
                chaos.kill_worker(rng)
            elif what == "master":
                chaos.kill_master(day)
            else:
                chaos.restart_database()
        for thread in threads:
            thread.join(max(0.0, day.give_up + 60 - time.monotonic()))
    finally:
        chaos.server.stop()
    figures = {"database": backend, "candidates": args.candidates, "started_s": round(started_s, 1),
               "run_s": round(time.monotonic() - began, 1), "events": chaos.events,
               "kills": f"{args.kills} workers + master" + (" + PostgreSQL" if chaos.restart_postgres else ""),
               "reloads": sum(c.reloads for c in candidates), "submitted_by_candidates": sum(c.submitted
                                                                                           for c in candidates),
               "candidates_failed": Counter(c.failed for c in candidates if c.failed),
               "errors": dict(day.tally.kinds.most_common())}
    figures.update(check(url, exam_id, candidates, args.tolerance_s))
    return figures


# --- Reading the database ----------------------------------------------------------------------------

def value_of(kinds: dict, fields: dict):
    """The response the server stores for a change's inputs (as bench/exam_day.py's check reads them)."""
    blanks = {}
    for name, values in fields.items():
        position, _, blank = name[1:].partition("-")
        if blank:
            blanks[int(blank)] = values[0] if values else ""
        else:
            return expected_response(kinds[name], values)
    wanted = [blanks.get(i, "") for i in range(1, max(blanks) + 1)] if blanks else []
    return wanted if any(wanted) else None


def check(url: str, exam_id: int, candidates: list[Candidate], tolerance: float) -> dict:
    from app import create_app
    from app.audit import actions
    from app.audit.models import AuditEvent
    from app.exams.grading import attempt_items, grade_item, regrades_of
    from app.exams.models import Attempt, PaperItem
    from app.exams.policies import multiple_policy
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    counts = Counter()
    samples: dict[str, list[str]] = {}  # a few of each kind of failure

    def sample(kind: str, what: str):
        samples.setdefault(kind, []).append(what)
    with app.app_context():
        attempts = {a.id: a for a in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam_id))}
        items = {(row.attempt_id, row.position): row for row in db.session.execute(
            select(PaperItem.attempt_id, PaperItem.position, PaperItem.response, PaperItem.changed_by,
                   PaperItem.change_seq, PaperItem.rev).join(Attempt).where(Attempt.exam_id == exam_id))}
        submits = Counter(target for (target,) in db.session.execute(
            select(AuditEvent.target_id).where(AuditEvent.target_type == "attempts", AuditEvent.action.in_(
                [actions.ATTEMPT_SUBMITTED, actions.ATTEMPT_AUTO_SUBMITTED]))))
        per_user = Counter(a.user_id for a in attempts.values())
        policy = multiple_policy(next(iter(attempts.values())).exam) if attempts else None
        regrades = regrades_of(exam_id)
        for attempt in attempts.values():
            counts["attempts"] += 1
            counts["submitted"] += attempt.status == "submitted"
            counts["graded"] += attempt.status == "submitted" and attempt.score is not None
            counts["duplicate_grades"] += max(0, submits[str(attempt.id)] - 1) + (per_user[attempt.user_id] > 1)
            counts["never_graded"] += attempt.status == "submitted" and submits[str(attempt.id)] == 0
            if attempt.score is None:
                continue
            regraded = [grade_item(item, policy, regrades.get(item.version_id)) for item in attempt_items(attempt)]
            scores = [item.score for item in attempt_items(attempt)]
            if [g.score for g in regraded] != scores or sum(g.score for g in regraded) != attempt.score:
                counts["wrong_scores"] += 1
                sample("wrong score", f"attempt {attempt.id}: score {attempt.score}, re-graded "
                                      f"{sum(g.score for g in regraded)}")
        deadlines = {a.id: (a.deadline_at if a.deadline_at.tzinfo else a.deadline_at.replace(tzinfo=UTC)).timestamp()
                     for a in attempts.values()}
        db.session.remove()
        db.engine.dispose()

    for candidate in candidates:
        for (window, seq), made in candidate.made.items():
            if made.outcome is None:
                continue
            counts["acknowledged"] += 1
            row = items.get((candidate.attempt_id, made.position))
            holder = candidate.made.get((row.changed_by, row.change_seq)) if row else None
            if holder is not None and row.response != value_of(candidate.kinds, holder.fields):
                counts["lost"] += 1  # the stored change is not stored as it was sent
                sample("lost", f"attempt {candidate.attempt_id} q{made.position}: stored {row.response!r}, "
                               f"its change {holder.fields!r}")
            elif holder is made:
                counts["found"] += 1
            elif holder is not None and holder.order > made.order and row.rev >= (made.acked_rev or 0):
                counts["superseded"] += 1
            else:
                counts["lost"] += 1
                sample("lost", f"attempt {candidate.attempt_id} q{made.position}: acknowledged {window}/{seq} "
                               f"at rev {made.acked_rev}, stored {row.changed_by if row else None}/"
                               f"{row.change_seq if row else None} at rev {row.rev if row else None}")
        deadline = deadlines.get(candidate.attempt_id)
        for sent, received, remaining in candidate.times:
            if deadline is None:
                continue
            counts["times_checked"] += 1
            if not deadline - received - 1 - tolerance <= remaining <= deadline - sent + tolerance:
                counts["wrong_time"] += 1
                sample("wrong time", f"attempt {candidate.attempt_id}: remaining {remaining} s, deadline says "
                               f"{deadline - received:.0f} s")
    counts["unsubmitted"] = counts["attempts"] - counts["submitted"]
    keys = ("acknowledged", "found", "superseded", "lost", "attempts", "submitted", "graded", "duplicate_grades",
            "never_graded", "wrong_scores", "unsubmitted", "times_checked", "wrong_time")
    return {**{key: counts[key] for key in keys}, "samples": [f"{kind}: {what}" for kind, whats in samples.items() for what in whats[:3]]}


# --- PostgreSQL database for the run --------------------------------------------------------------------

def create_database(name: str) -> str:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))


def drop_database(name: str):
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# --- Output ----------------------------------------------------------------------------------------------

COLUMNS = (("database", "database"), ("kills", "kills"), ("acknowledged", "acknowledged saves"),
           ("found", "found"), ("superseded", "superseded"), ("lost", "lost"), ("attempts", "attempts"),
           ("graded", "graded"), ("duplicate_grades", "duplicate grades"), ("wrong_time", "wrong remaining time"),
           ("errors", "errors by kind"))


def table(rows: list[dict]) -> str:
    def cell(row, key):
        value = row[key]
        if key == "errors":
            return ", ".join(f"{kind} {n}" for kind, n in value.items()) or "none"
        if key == "wrong_time":
            return f"{value} of {row['times_checked']}"
        return str(value)
    lines = ["| " + " | ".join(title for _key, title in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row, key) for key, _title in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def failed(row: dict) -> bool:
    return bool(row["lost"] or row["duplicate_grades"] or row["wrong_time"] or row["wrong_scores"]
                or row["unsubmitted"] or row["never_graded"] or row["candidates_failed"]
                or row["attempts"] < row["candidates"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--kills", type=int, default=5, help="worker SIGKILLs before the master's")
    parser.add_argument("--databases", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--database-url", help="the PostgreSQL database to use (emptied first); default: the "
                                               "script creates toll_crash_<pid> on 127.0.0.1 and drops it after")
    parser.add_argument("--restart-postgres", action="store_true",
                        help="restart the PostgreSQL cluster mid-run (pg_ctlcluster 15 main, as root)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--save-s", type=float, default=75.0, help="how long candidates answer while it crashes")
    parser.add_argument("--arrival-s", type=float, default=10.0, help="logins spread over this many seconds")
    parser.add_argument("--think-s", type=think_range, default=(2.0, 4.0), dest="think",
                        help="seconds between one candidate's answers, LOW-HIGH")
    parser.add_argument("--questions", type=int, default=30, help="questions on the paper (at most 100)")
    parser.add_argument("--give-up-s", type=float, default=120.0,
                        help="after the answering, how long a candidate may take to save and submit")
    parser.add_argument("--tolerance-s", type=float, default=2.0, help="allowed error of a remaining time")
    parser.add_argument("--quick", action="store_true", help="20 candidates, 2 kills, 30 s of answering")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    if args.quick:
        args.candidates, args.kills, args.save_s, args.arrival_s = 20, 2, 30.0, 3.0
    if not 1 <= args.questions <= 100 or args.candidates < 1 or args.kills < 0 or args.workers < 2 or not args.think[0]:
        parser.error("--questions 1 to 100, --candidates ≥ 1, --kills ≥ 0, --workers ≥ 2, --think-s above 0")
    if args.restart_postgres and args.databases == "sqlite":
        parser.error("--restart-postgres needs PostgreSQL")
    rng = random.Random(args.seed)
    results = {"uptime_start": uptime(), "rows": []}
    print(f"start: {results['uptime_start']}", flush=True)
    backends = ("sqlite", "postgresql") if args.databases == "both" else (args.databases,)
    for backend in backends:
        name = None
        if backend == "postgresql" and not args.database_url:
            name = f"toll_crash_{os.getpid()}"
            url = create_database(name)
        else:
            url = args.database_url if backend == "postgresql" else None
        try:
            with tempfile.TemporaryDirectory() as folder:
                database = prepare_database(url, Path(folder))
                load_before = load_average()
                row = run(database, Path(folder), args, rng, backend)
                row["load"] = f"{load_before} → {load_average()}"
        finally:
            if name:
                drop_database(name)
        results["rows"].append(row)
        print(f"{backend}: {row['run_s']} s, load {row['load']}, reloads {row['reloads']}, "
              f"candidates failed {dict(row['candidates_failed']) or 'none'}, wrong scores {row['wrong_scores']}, "
              f"unsubmitted {row['unsubmitted']}, never graded {row['never_graded']}", flush=True)
        for sample in row["samples"]:
            print(f"{backend}: {sample}", flush=True)
    results["uptime_end"] = uptime()
    print(table(results["rows"]), flush=True)
    print(f"end: {results['uptime_end']}", flush=True)
    print(json.dumps(results, ensure_ascii=False, default=str))
    return 1 if any(failed(row) for row in results["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
