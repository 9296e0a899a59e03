"""A model of one candidate's exam, driven by Hypothesis through the real endpoints, trying to lose an answer.

Up to three windows (tabs, a second device) over one attempt, in any interleaving: load, answer, clear, flag,
save, the heartbeat (and the sync it asks for), lose the request or the reply, have a request arrive late, reload, close, submit at time-up or from the
submit page, and the server's clock passing the deadline and the grace. Each window is the page's script in
Python (tests/exams/paper_window.py), with its device's journal.

Checked against the database after every step — the invariant of app/exams/saving.py:
  - every acknowledged change stays stored until a change made later (by the model's clock of the candidate's
    actions) replaces it: the stored change is never older than an acknowledged one, and holds its value;
  - a reply of 200 acknowledges every change it was sent (no 200 for less);
  - a window lets go of a change only when it was acknowledged or refused with the stored answer shown;
  - the heartbeat writes nothing, and a window it tells nothing changed has indeed missed nothing;
  - once submitted, the stored answers never change.

EXAMS_MODEL_EXAMPLES sets the number of examples (default 300); bench/answers_model.py runs 10,000 and
reports. The regressions at the end replay the three sequences that lost answers before this protocol.
"""

import itertools
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, precondition, rule
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.roles import Role
from app.exams.models import Attempt, PaperItem
from app.exams.services import RuleData
from app.extensions import db
from tests import factories
from tests.exams.paper_window import Window

# Two questions, a choice and a text: few enough that windows often change the same one (where answers get lost).
TYPES = ("single", "short_answer")
VALUES = {"single": [None, 0, 1, 2, 3], "short_answer": [None, "甲", "乙 乙"]}
EXAMPLES = int(os.environ.get("EXAMS_MODEL_EXAMPLES", "300"))
REPORT = os.environ.get("EXAMS_MODEL_REPORT")  # a file the bench reads: examples run


def fields_for(kind: str, position: int, value) -> dict:
    """The inputs the page sends for `value` (written here, independently of the app's registry)."""
    name = f"q{position}"
    if kind == "short_answer":
        return {name: [value or ""]}
    if value is None:
        return {name: []}
    return {name: [str(value)]}


@dataclass(frozen=True)
class Made:
    """A change the candidate made: when (the model's clock), where, and what."""

    at: int
    position: int
    response: object
    flagged: bool


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


class Exam:
    """What every example shares: the exam (a station's candidates may sit it) and the server's clock."""

    def __init__(self, app, users, org, monkeypatch):
        self.app = app
        self.station = org.stations[0]
        trainer = users[Role.TRAINER]
        bank = factories.make_exam_bank(trainer).bank
        rules = [RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in TYPES]
        self.exam = factories.make_exam(trainer, bank, rules=rules, audience=[self.station], pass_mark=Decimal(2))
        db.session.commit()
        self.grace = timedelta(seconds=app.config["EXAM_GRACE_SECONDS"])
        self.clock = Clock(utcnow())
        monkeypatch.setattr("app.exams.views.take.utcnow", self.clock)
        self.people = itertools.count(1)
        self.examples = 0


class AnswerModel(RuleBasedStateMachine):
    exam: Exam  # set by the test

    windows = Bundle("windows")

    def __init__(self):
        super().__init__()
        shared = self.exam
        shared.examples += 1
        shared.clock.now = utcnow()
        person = factories.make_user(f"m{next(shared.people):05d}", roles=[Role.COLLECTOR], station=shared.station)
        db.session.commit()
        self.client = shared.app.test_client()
        self.client.post("/login", data={"staff_no": person.staff_no, "password": factories.PASSWORD})
        started = self.client.post(f"/my/exams/{shared.exam.id}/start")
        assert started.status_code == 302, started.get_data(as_text=True)[:300]
        self.attempt_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
        db.session.expire_all()
        attempt = db.session.get(Attempt, self.attempt_id)
        self.deadline = attempt.deadline_at
        self.kinds = {item.position: item.version.type for item in attempt.items}
        self.devices = [{}, {}]  # each device's localStorage
        self.device_clock = itertools.count(1)
        self.time = itertools.count(1)
        self.made: dict[tuple[str, int], Made] = {}
        self.acked: set[tuple[str, int]] = set()
        self.delayed: list[tuple[str, dict]] = []
        self.live: list[Window] = []
        self.frozen = None  # the stored answers once submitted

    # --- windows ------------------------------------------------------------------------------

    def _open(self, device: int) -> Window:
        window = Window(self.client, self.attempt_id, storage=self.devices[device], clock=self.device_clock)
        window.device = device
        window.load()
        self.live.append(window)
        return window

    @initialize(target=windows)
    def desktop_window(self):
        return self._open(0)

    @initialize(target=windows)
    def phone_window(self):
        return self._open(1)

    @precondition(lambda self: len(self.live) < 3)
    @rule(target=windows, device=st.integers(0, 1))
    def open_window(self, device):
        return self._open(device)

    @rule(target=windows, window=consumes(windows))
    def reload(self, window):
        """The page is reloaded: the same device, a new window that takes over its journal."""
        if window in self.live:
            self.live.remove(window)
        return self._open(getattr(window, "device", 0))

    @rule(window=consumes(windows))
    def close(self, window):
        if window in self.live:
            self.live.remove(window)

    # --- the candidate ------------------------------------------------------------------------

    @rule(window=windows, data=st.data(), flag=st.booleans())
    def answer(self, window, data, flag):
        """The candidate answers, changes, clears or flags a question in this window."""
        if window not in self.live or window.over:
            return
        kind = data.draw(st.sampled_from(TYPES))  # by type: the paper's order is random, the draws must not be
        position = next(p for p, k in self.kinds.items() if k == kind)
        value = data.draw(st.sampled_from(VALUES[kind]))
        change = window.answer(position, fields_for(kind, position, value), flagged=flag)
        self.made[(change["win"], change["seq"])] = Made(next(self.time), position, value, flag)

    # --- the network --------------------------------------------------------------------------

    def _sent(self, window, path="save", held=None):
        before = {(c["win"], c["seq"]) for c in window.pending()}
        if held is not None:
            response = window.receive(*held)
        else:
            response = window.submit() if path == "submit" else window.send(path)
        data = response.get_json() if response.is_json else {}
        acknowledged = {(r["win"], r["seq"]) for r in data.get("results", []) if r["outcome"] in ("stored", "replaced")}
        if response.status_code == 200:
            assert all(r["outcome"] in ("stored", "replaced") for r in data.get("results", [])), data
        self.acked |= acknowledged
        # A window lets go of a change once it is acknowledged, or when the server refused it (or the change it
        # was built on) and the window shows the stored answer instead.
        let_go = before - {(c["win"], c["seq"]) for c in window.pending()}
        refused = {self.made[(r["win"], r["seq"])].position for r in data.get("results", [])
                   if r["outcome"] == "refused"}
        dropped = {change for change in let_go - self.acked if self.made[change].position not in refused}
        if path != "submit" or response.status_code != 200:
            assert not dropped, f"the window let go of unacknowledged changes {dropped}"
        return response

    def _idle(self, window) -> bool:
        return window in self.live and not window.over and getattr(window, "held", None) is None

    @rule(window=windows)
    def save(self, window):
        if self._idle(window):
            assert self._sent(window).status_code in (200, 409, 410)

    def _everything_stored(self):
        db.session.expire_all()
        attempt = db.session.execute(select(Attempt.status, Attempt.rev, Attempt.saved_at, Attempt.submitted_at)
                                     .where(Attempt.id == self.attempt_id)).one()
        items = db.session.execute(select(PaperItem.position, PaperItem.response, PaperItem.flagged,
                                          PaperItem.answered_at, PaperItem.rev, PaperItem.changed_by,
                                          PaperItem.change_seq)
                                   .where(PaperItem.attempt_id == self.attempt_id)
                                   .order_by(PaperItem.position)).all()
        return tuple(attempt), [tuple(item) for item in items]

    @rule(window=windows)
    def heartbeat(self, window):
        """The page's heartbeat: reading the clock changes nothing stored (not even closing an attempt past the
        grace); a window that hears the revision it knows has missed nothing (an empty save would bring no
        item), and one that hears of a newer revision or the end syncs — and still loses nothing."""
        if not self._idle(window):
            return
        if window.pending():  # the script sends its changes instead: a save
            assert self._sent(window).status_code in (200, 409, 410)
            return
        before = self._everything_stored()
        beat = window.read_clock()
        assert beat.status_code in (200, 410) and beat.headers["Cache-Control"] == "no-store"
        assert self._everything_stored() == before, "the heartbeat changed what is stored"
        data = beat.get_json()
        assert data["rev"] >= window.known, data
        if beat.status_code == 200 and data["rev"] == window.known:
            unchanged = self.client.post(f"{window.url}/save", json={"known": window.known, "changes": []})
            assert unchanged.status_code == 200 and unchanged.get_json()["items"] == [], unchanged.get_json()
            assert unchanged.get_json()["rev"] == window.known
            return
        synced = self._sent(window)
        assert synced.status_code == (410 if beat.status_code == 410 else 200), synced.get_json()
        assert window.known >= data["rev"], "after the sync the window still knows less than the heartbeat said"

    @rule(window=windows, handled_now=st.booleans())
    def save_leaves(self, window, handled_now):
        """A save leaves on a slow network: the server handles it now or when its reply comes back (other
        windows may save in between), and the reply reaches the window in a later step; the candidate keeps
        answering meanwhile."""
        if self._idle(window):
            body = window.body()
            window.held = {"body": body, "sent": window.pending(), "reply": window.deliver(body) if handled_now else None}

    @rule(window=windows)
    def save_reply_arrives(self, window):
        held = getattr(window, "held", None)
        if window in self.live and held is not None:
            window.held = None
            reply = held["reply"] or window.deliver(held["body"])
            assert self._sent(window, held=(reply, held["sent"])).status_code in (200, 409, 410)

    @rule(window=windows)
    def window_gives_up_waiting(self, window):
        """The page's 10-second timeout: it forgets the request (a proxy may still deliver it) and sends again."""
        held = getattr(window, "held", None)
        if window in self.live and held is not None:
            window.held = None
            if held["reply"] is None:
                self.delayed.append((window.url, held["body"]))

    @rule(window=windows)
    def reply_lost(self, window):
        """The request reaches the server; the reply never reaches the window (it will send again)."""
        if self._idle(window) and window.pending():
            window.deliver(window.body())

    @precondition(lambda self: self.delayed)
    @rule(data=st.data())
    def delayed_request_arrives(self, data):
        url, body = self.delayed.pop(data.draw(st.integers(0, len(self.delayed) - 1)))
        assert self.client.post(f"{url}/save", json=body).status_code in (200, 409, 410)

    # --- time and submitting ------------------------------------------------------------------

    @rule(event=st.sampled_from(["nothing"] * 6 + ["deadline", "grace", "submit page"]))
    def time_passes(self, event):
        """Now and then the server's clock passes the deadline or the grace, or the submit page is used (rarely,
        so that most examples keep their windows busy for long)."""
        if event == "deadline":
            self.exam.clock.now = max(self.exam.clock.now, self.deadline + timedelta(seconds=1))
        elif event == "grace":
            self.exam.clock.now = max(self.exam.clock.now, self.deadline + self.exam.grace + timedelta(seconds=1))
        elif event == "submit page":  # a form, no answers carried
            assert self.client.post(f"/my/attempts/{self.attempt_id}/submit").status_code == 302

    @precondition(lambda self: self.exam.clock.now > self.deadline)
    @rule(window=windows)
    def time_up_submit(self, window):
        """The page's countdown reaches zero: its last changes go with the submit."""
        if self._idle(window):
            response = self._sent(window, "submit")
            assert response.status_code in (200, 410), response.get_data(as_text=True)[:300]

    # --- the invariant ------------------------------------------------------------------------

    @invariant()
    def acknowledged_answers_are_stored(self):
        db.session.expire_all()
        rows = db.session.execute(
            select(PaperItem.position, PaperItem.changed_by, PaperItem.change_seq, PaperItem.response,
                   PaperItem.flagged).where(PaperItem.attempt_id == self.attempt_id)).all()
        for position, by, seq, response, flagged in rows:
            acked = [self.made[c] for c in self.acked if self.made[c].position == position]
            if not by:
                assert not acked, f"question {position}: acknowledged changes {acked}, nothing stored"
                continue
            stored = self.made.get((by, seq))
            assert stored is not None, f"question {position}: stored change {by[:6]}/{seq} was never made"
            assert (response, flagged) == (stored.response, stored.flagged), f"question {position}"
            latest = max((made.at for made in acked), default=0)
            assert stored.at >= latest, (f"question {position}: stored change made at {stored.at} replaced one "
                                         f"acknowledged, made at {latest}")
        state = sorted(tuple(row) for row in rows)
        status = db.session.scalar(select(Attempt.status).where(Attempt.id == self.attempt_id))
        if status == "submitted":
            if self.frozen is None:
                self.frozen = state
            assert state == self.frozen, "answers changed after submit"


@pytest.fixture
def model_exam(app, users, org, monkeypatch):
    AnswerModel.exam = Exam(app, users, org, monkeypatch)
    yield AnswerModel.exam
    if REPORT:
        with open(REPORT, "w") as report:
            json.dump({"examples": AnswerModel.exam.examples}, report)


MODEL_SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_no_acknowledged_answer_is_ever_lost(model_exam):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(AnswerModel, settings=MODEL_SETTINGS)


# --- The three sequences that lost answers before, replayed as fixed examples ------------------------

def _model(model_exam) -> AnswerModel:
    return AnswerModel()


def _answer(model, window, position, value, flag=False):
    kind = model.kinds[position]
    change = window.answer(position, fields_for(kind, position, value), flagged=flag)
    model.made[(change["win"], change["seq"])] = Made(next(model.time), position, value, flag)


def test_regression_a_second_window_cannot_wipe_saved_answers(model_exam):
    """A saves S1; B loads; A saves S2 (more answers); B sends what it showed."""
    model = _model(model_exam)
    a = model.open_window(0)
    _answer(model, a, 1, model_values(model, 1)[1])
    model.save(a)
    b = model.open_window(1)
    for position in sorted(model.kinds)[1:]:
        _answer(model, a, position, model_values(model, position)[1])
    model.save(a)
    for position, (fields, flagged) in list(b.shown.items()):  # B resends every question as it rendered it
        b.answer(position, fields, flagged)
        model.made[(b.id, b.next_seq - 1)] = Made(next(model.time), position,
                                                 model_values(model, position)[1] if position == 1 else None, flagged)
    reply = model._sent(b)
    assert reply.status_code == 409
    model.acknowledged_answers_are_stored()
    assert all(value is not None for value in _stored(model).values())


def test_regression_a_json_submit_without_a_successful_save_stores_what_it_carries(model_exam):
    """The page never reached the server before time-up; within the grace its submit carries the answers."""
    model = _model(model_exam)
    a = model.open_window(0)
    for position in sorted(model.kinds):
        _answer(model, a, position, model_values(model, position)[1])
    model.time_passes("deadline")
    assert model._sent(a, "submit").status_code == 200
    model.acknowledged_answers_are_stored()
    assert all(value is not None for value in _stored(model).values())


def test_regression_offline_reconnect_and_reload_at_once_keeps_the_answer(model_exam):
    """Answer offline; the save reaches the server but the reply is lost to an immediate reload."""
    model = _model(model_exam)
    a = model.open_window(0)
    _answer(model, a, 1, model_values(model, 1)[1])
    model.reply_lost(a)
    b = model.reload(a)
    assert b.latest == {} and b.shown[1][0] == fields_for(model.kinds[1], 1, model_values(model, 1)[1])
    model.save(b)
    model.acknowledged_answers_are_stored()
    assert _stored(model)[1] == model_values(model, 1)[1]


def test_regression_another_windows_answer_arriving_mid_change_does_not_let_the_change_through(model_exam):
    """A's save is on its way; the candidate changes question 1 in A; B changes it too and saves; A's reply
    brings B's answer. A's change was made before B's and never saw it: it must not replace it."""
    model = _model(model_exam)
    a, b = model.open_window(0), model.open_window(1)
    model.save_leaves(a, handled_now=False)
    _answer(model, a, 1, model_values(model, 1)[1])
    _answer(model, b, 1, model_values(model, 1)[2])
    model.save(b)
    model.save_reply_arrives(a)
    assert 1 in a.latest, "A's own change is still waiting"
    model.save(a)
    model.acknowledged_answers_are_stored()
    assert _stored(model)[1] == model_values(model, 1)[2]
    assert a.refused == [1] and a.shown[1][0] == fields_for(model.kinds[1], 1, model_values(model, 1)[2])


def model_values(model, position):
    return VALUES[model.kinds[position]]


def _stored(model):
    db.session.expire_all()
    return dict(db.session.execute(select(PaperItem.position, PaperItem.response)
                                   .where(PaperItem.attempt_id == model.attempt_id)).all())


def test_a_heartbeat_brings_another_windows_answer_and_then_the_end(model_exam):
    """B hears through its heartbeat that A saved, syncs and builds on A's answer; past the grace B's heartbeat
    says over, its sync says which changes were stored, and nothing stored changed on the way."""
    model = _model(model_exam)
    a, b = model.open_window(0), model.open_window(1)
    model.heartbeat(b)
    assert b.known == 0
    _answer(model, a, 1, model_values(model, 1)[1])
    model.save(a)
    model.heartbeat(b)
    assert b.shown[1][0] == fields_for(model.kinds[1], 1, model_values(model, 1)[1]) and b.known == a.known
    _answer(model, b, 1, model_values(model, 1)[2])
    model.heartbeat(b)  # a change not yet sent goes as a save
    assert b.latest == {} and _stored(model)[1] == model_values(model, 1)[2]
    model.time_passes("grace")
    model.heartbeat(a)
    assert a.over
    model.acknowledged_answers_are_stored()
