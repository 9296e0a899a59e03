"""Races the database must decide (SECURITY 14-16, 31): real threads, each with its own app context and
database connection, lined up on a barrier. On SQLite the per-test database is a file, so the threads
really contend for its write lock (busy_timeout set); on PostgreSQL for row locks and the unique index.

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
from app.accounts.roles import Role
from app.audit.models import AuditEvent
from app.exams import attempts as flow
from app.exams.models import Attempt, Exam, PaperItem
from app.extensions import db
from tests import factories

GRACE = timedelta(seconds=30)
THREADS = 8


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
    racing part starts at once. Returns the jobs' results; fails on any exception a job let escape."""
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
    try:
        attempt = flow.start_attempt(user, exam, now=_now(), ip="t")
        db.session.commit()
        return attempt.id, "started"
    except IntegrityError:
        db.session.rollback()
        attempt = flow.open_attempt(user, exam)
        assert attempt is not None, "the winner's open attempt is not visible after the rollback"
        return attempt.id, "resumed"


def _started(exam_id, user_id):
    attempt = flow.start_attempt(db.session.get(User, user_id), db.session.get(Exam, exam_id), now=_now(), ip="t")
    db.session.commit()
    return attempt


def _form(attempt, choice: int, text: str) -> MultiDict:
    """The paper's full form state as a browser sends it: every item answered, values driven by `choice`."""
    fields = MultiDict()
    for item in attempt.items:
        name = f"q{item.position}"
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
    return fields


def _save_like_the_view(attempt_id, writer, seq, form, barrier=None, *, now=None):
    """POST save: load the attempt, read the form (this loads the items), save, commit."""
    attempt = db.session.get(Attempt, attempt_id)
    responses = flow.read_responses(attempt, form)
    if barrier is not None:
        barrier.wait()
    result = flow.save_answers(attempt, writer=writer, seq=seq, responses=responses, flagged={1} if seq % 2 else set(),
                               now=now or _now(), grace=GRACE)
    db.session.commit()
    return result.status


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


def _expected(attempt_id, form, seq):
    attempt = db.session.get(Attempt, attempt_id)
    responses = flow.read_responses(attempt, form)
    return {position: (response, position == 1 and seq % 2 == 1) for position, response in responses.items()}


def _count(model, *conditions):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_two_concurrent_submits_close_and_grade_the_attempt_once(app, sitting):
    exam_id, user_id = sitting
    attempt = _started(exam_id, user_id)
    writer = flow.claim(attempt, now=_now())
    db.session.commit()
    _save_like_the_view(attempt.id, writer, 1, _form(attempt, 1, "30"))

    outcomes = run_together(app, [lambda b: _submit_like_the_view(attempt.id, b)] * 2)

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
    writer = flow.claim(attempt, now=_now())
    db.session.commit()
    before = _form(attempt, 0, "before")
    _save_like_the_view(attempt.id, writer, 1, before)
    racing = _form(attempt, 1, "30")  # every answer differs from the first save

    jobs = [lambda b: _save_like_the_view(attempt.id, writer, 2, racing, b),
            lambda b: _submit_like_the_view(attempt.id, b)]
    if round_ % 2:
        jobs.reverse()
    outcomes = run_together(app, jobs)
    save_status = outcomes[0] if round_ % 2 == 0 else outcomes[1]

    assert True in outcomes
    assert save_status in ("saved", "over")
    expected = _expected(attempt.id, racing if save_status == "saved" else before, 2 if save_status == "saved" else 1)
    assert _stored(attempt.id) == expected, "the stored answers mix the two states"
    # Grading saw exactly the stored answers: the fill-blank's first blank is right only after the racing save.
    fill = next(item for item in db.session.get(Attempt, attempt.id).items if item.version.type == "fill_blank")
    assert fill.score is not None
    assert (fill.score > 0) == (save_status == "saved")


def test_concurrent_saves_keep_the_highest_accepted_sequence_and_a_stale_writer_never_wins(app, sitting):
    exam_id, user_id = sitting
    attempt = _started(exam_id, user_id)
    stale = flow.claim(attempt, now=_now())
    db.session.commit()
    writer = flow.claim(attempt, now=_now())
    db.session.commit()
    # Answers flip back and forth between seqs, so an update computed from an old read shows.
    forms = {seq: _form(attempt, seq % 2, "30" if seq % 3 else "abc") for seq in range(1, 3 * THREADS + 1)}
    for _round in range(3):
        db.session.expire_all()
        base = db.session.get(Attempt, attempt.id).save_seq
        seqs = [base + n for n in range(1, THREADS + 1)]
        random.shuffle(seqs)
        jobs = [lambda b, s=s: (s, _save_like_the_view(attempt.id, writer, s, forms[s], b)) for s in seqs]
        jobs.append(lambda b: ("stale", _save_like_the_view(attempt.id, stale, 10_000, forms[1], b)))
        outcomes = dict(run_together(app, jobs))

        assert outcomes.pop("stale") == "elsewhere"
        assert set(outcomes.values()) <= {"saved", "duplicate"}
        accepted = [seq for seq, status in outcomes.items() if status == "saved"]
        assert accepted, "no save was accepted"
        top = max(accepted)
        assert top == max(seqs), "the newest save was refused"
        db.session.expire_all()
        assert db.session.get(Attempt, attempt.id).save_seq == top
        assert _stored(attempt.id) == _expected(attempt.id, forms[top], top), (
            f"stored state is not the one of seq {top} (arrival order {seqs}, outcomes {outcomes})")
