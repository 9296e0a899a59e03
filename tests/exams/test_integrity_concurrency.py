"""Races the database must decide (docs/security.md §14–§16, §31; the answer invariant of app/exams/saving.py):
real threads, each with its own app context and database connection, lined up on a barrier. On SQLite the
per-test database is a file, so the threads really contend for its write lock (busy_timeout set); on PostgreSQL
for row locks and the unique index.

Each thread does what a view does: load the rows, call the service, commit once; on an error it rolls
back, and the error is reported by the test instead of vanishing in the thread.
"""

import random
import threading
import traceback
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.exams import attempts as flow
from app.exams import saving
from app.exams.models import Attempt, Exam, PaperItem
from app.exams.saving import SentChange
from app.extensions import db
from tests import factories

GRACE = timedelta(seconds=30)
THREADS = 8
WINDOWS = [f"{n:032x}" for n in range(1, THREADS + 2)]


def _now():
    return datetime.now(UTC)


@pytest.fixture
def sitting(users):
    """A published exam (one question of each type) the collector may sit, committed; ids only."""
    trainer, candidate = users[Role.TRAINER], users[Role.COLLECTOR]
    bank = factories.make_exam_bank(trainer).bank
    exam = factories.make_exam(trainer, bank, audience=[candidate])
    db.session.commit()
    return exam.id, candidate.id


def run_together(app, jobs):
    """Run each job(barrier) in its own thread and app context; the jobs meet at the barrier so their
    racing part starts at once. Returns the jobs' results; fails on any exception a job let escape.
    A job takes plain ids (bound when the lambda is made), never reads the test's ORM objects: their expired
    attributes would load through the test thread's session from two threads at once."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results = [None] * len(jobs)
    errors = []

    def worker(index, job):
        with app.app_context():
            try:
                results[index] = job(barrier)
            except Exception:  # reported below, with its traceback
                db.session.rollback()
                errors.append(traceback.format_exc())
                barrier.abort()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, "\n".join(errors)
    return results


def _start_like_the_view(exam_id, user_id, barrier):
    """POST start: try to start and commit; a parallel start's unique-index win → roll back, resume."""
    exam, user = db.session.get(Exam, exam_id), db.session.get(User, user_id)
    barrier.wait()
    now = _now()
    try:
        attempt = flow.start_attempt(user, exam, now=now, ip="t")
        db.session.commit()
        # start_attempt also returns the open attempt a parallel start committed first: that is a resume.
        return attempt.id, "started" if attempt.started_at == now else "resumed"
    except IntegrityError:
        db.session.rollback()
        attempt = flow.open_attempt(user, exam)
        assert attempt is not None, "the winner's open attempt is not visible after the rollback"
        return attempt.id, "resumed"


def _started(exam_id, user_id):
    attempt = flow.start_attempt(db.session.get(User, user_id), db.session.get(Exam, exam_id), now=_now(), ip="t")
    db.session.commit()
    return attempt


def _fields(attempt, choice: int, text: str) -> dict[int, MultiDict]:
    """Every question's inputs as the page sends them, by position, values driven by `choice`."""
    by_position = {}
    for item in attempt.items:
        name, fields = f"q{item.position}", MultiDict()
        match item.version.type:
            case "single":
                fields.add(name, str(choice % 4))
            case "multiple":
                fields.add(name, str(choice % 4))
                fields.add(name, str((choice + 1) % 4))
            case "true_false":
                fields.add(name, "true" if choice % 2 else "false")
            case "fill_blank":
                fields.add(f"{name}-1", text)
                fields.add(f"{name}-2", str(choice))
            case "short_answer":
                fields.add(name, text)
        by_position[item.position] = fields
    return by_position


def _changes(fields, window, seq, seen=None):
    """One change per question, all numbered `seq` onwards in `window`, built on the stored changes `seen`."""
    return [SentChange(position, form, position == 1 and seq % 2 == 1, window, seq + n, (seen or {}).get(position, {}))
            for n, (position, form) in enumerate(sorted(fields.items()))]


def _seen(attempt_id):
    """What a page loaded now would build on: each question's stored change."""
    return {position: ({state.changed_by: state.change_seq} if state.changed_by else {})
            for position, state in saving.item_states(db.session.get(Attempt, attempt_id)).items()}


def _save_like_the_view(attempt_id, changes, barrier=None, *, now=None):
    """POST save: load the attempt, store the changes, commit. The outcomes by change id, or "over"."""
    attempt = db.session.get(Attempt, attempt_id)
    if barrier is not None:
        barrier.wait()
    sync = saving.save_sent(attempt, changes, known=0, now=now or _now(), grace=GRACE)
    if sync.over:
        db.session.rollback()
        return "over"
    db.session.commit()
    return sync.outcomes


def _submit_like_the_view(attempt_id, barrier):
    attempt = db.session.get(Attempt, attempt_id)
    user = attempt.user
    barrier.wait()
    done = flow.submit(attempt, now=_now(), grace=GRACE, actor=user, ip="t")
    db.session.commit()
    return done


def _stored(attempt_id):
    """(response, flagged) of each item as the database holds it, by position."""
    db.session.expire_all()
    return {item.position: (item.response, item.flagged)
            for item in db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt_id))}


def _expected(attempt_id, changes):
    types = {p: s.type for p, s in saving.item_states(db.session.get(Attempt, attempt_id)).items()}
    return {change.position: (change.read(types[change.position]).response, change.flagged) for change in changes}


def _count(model, *conditions):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_two_concurrent_submits_close_and_grade_the_attempt_once(app, sitting):
    exam_id, user_id = sitting
    attempt = _started(exam_id, user_id)
    _save_like_the_view(attempt.id, _changes(_fields(attempt, 1, "30"), WINDOWS[0], 1))

    outcomes = run_together(app, [lambda b, attempt_id=attempt.id: _submit_like_the_view(attempt_id, b)] * 2)

    assert sorted(outcomes) == [False, True]
    assert _count(AuditEvent, AuditEvent.action == "attempt.submitted", AuditEvent.target_id == str(attempt.id)) == 1
    assert _count(AuditEvent, AuditEvent.action == "attempt.auto_submitted") == 0
    db.session.expire_all()
    stored = db.session.get(Attempt, attempt.id)
    assert (stored.status, stored.submitted_how) == ("submitted", "candidate")
    graded = [item.score for item in stored.items if item.version.type != "short_answer"]
    assert all(score is not None for score in graded)


def test_parallel_starts_by_one_candidate_make_exactly_one_attempt(app, sitting):
    exam_id, user_id = sitting

    outcomes = run_together(app, [lambda b: _start_like_the_view(exam_id, user_id, b)] * THREADS)

    assert _count(Attempt) == 1
    only = db.session.scalar(select(Attempt))
    assert {attempt_id for attempt_id, _how in outcomes} == {only.id}
    assert [how for _id, how in outcomes].count("started") == 1
    assert _count(AuditEvent, AuditEvent.action == "attempt.started") == 1
    assert _count(PaperItem) == 5


@pytest.mark.parametrize("round_", range(4))
def test_a_save_racing_a_submit_is_graded_or_refused_never_half(app, sitting, round_):
    exam_id, user_id = sitting
    attempt = _started(exam_id, user_id)
    before = _changes(_fields(attempt, 0, "before"), WINDOWS[0], 1)
    _save_like_the_view(attempt.id, before)
    racing = _changes(_fields(attempt, 1, "30"), WINDOWS[0], 10)  # every answer differs from the first save

    jobs = [lambda b, attempt_id=attempt.id: _save_like_the_view(attempt_id, racing, b),
            lambda b, attempt_id=attempt.id: _submit_like_the_view(attempt_id, b)]
    if round_ % 2:
        jobs.reverse()
    outcomes = run_together(app, jobs)
    saved = outcomes[0] if round_ % 2 == 0 else outcomes[1]

    assert True in outcomes
    assert saved == "over" or set(saved.values()) == {saving.STORED}
    expected = _expected(attempt.id, before if saved == "over" else racing)
    assert _stored(attempt.id) == expected, "the stored answers mix the two states"
    # Grading saw exactly the stored answers: the fill-blank's first blank is right only after the racing save.
    fill = next(item for item in db.session.get(Attempt, attempt.id).items if item.version.type == "fill_blank")
    assert fill.score is not None
    assert (fill.score > 0) == (saved != "over")


def test_windows_saving_at_once_each_win_a_question_or_are_refused_never_overwrite(app, sitting):
    """Every window loaded the same paper and changes every question at the same moment: per question one
    change is stored and the others are refused, whatever the order the database took them in."""
    exam_id, user_id = sitting
    attempt = _started(exam_id, user_id)
    _save_like_the_view(attempt.id, _changes(_fields(attempt, 0, "start"), WINDOWS[0], 1))
    for round_ in range(3):
        seen = _seen(attempt.id)
        changes = {window: _changes(_fields(attempt, n + round_, f"{window[:4]}-{round_}"), window, 100 * round_ + 1,
                                    seen)
                   for n, window in enumerate(WINDOWS[1:THREADS + 1])}
        jobs = [lambda b, attempt_id=attempt.id, w=w, c=c: (w, _save_like_the_view(attempt_id, c, b)) for w, c in changes.items()]
        outcomes = dict(run_together(app, jobs))

        db.session.expire_all()
        states = saving.item_states(db.session.get(Attempt, attempt.id))
        for position, state in states.items():
            winners = [w for w in changes if outcomes[w][(w, next(c.seq for c in changes[w] if c.position == position))]
                       == saving.STORED]
            assert winners == [state.changed_by], f"question {position}: stored by {state.changed_by[:4]}, " \
                                                 f"acknowledged to {[w[:4] for w in winners]}"
            change = next(c for c in changes[state.changed_by] if c.position == position)
            assert (state.response, state.flagged) == _expected(attempt.id, [change])[position]


def test_one_windows_requests_arriving_out_of_order_leave_its_newest_change(app, sitting):
    """A window's retries: the same questions numbered 1…N in N requests that reach the server at once."""
    exam_id, user_id = sitting
    attempt = _started(exam_id, user_id)
    window = WINDOWS[0]
    count = len(attempt.items)
    requests = {seq: _changes(_fields(attempt, seq % 2, "30" if seq % 3 else "abc"), window, seq)
                for seq in range(1, count * THREADS, count)}
    order = list(requests)
    random.shuffle(order)
    outcomes = dict(run_together(app, [lambda b, attempt_id=attempt.id, s=s: (s, _save_like_the_view(attempt_id, requests[s], b))
                                       for s in order]))

    newest = max(requests)
    assert set(outcomes[newest].values()) == {saving.STORED}
    for seq, result in outcomes.items():
        assert set(result.values()) <= {saving.STORED, saving.REPLACED}, f"request {seq}: {result}"
    assert _stored(attempt.id) == _expected(attempt.id, requests[newest]), f"arrival order {order}"
