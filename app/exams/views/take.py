"""Routes of the candidate's side: my exams, the start page, the paper with autosave (save: the changes a
window sends, and what changed elsewhere, in one JSON exchange), submit and the result with its review. The
JSON contract and its invariant are in docs/autosave.md and app/exams/saving.py.

Every page and JSON here first closes the candidate's overdue attempts (docs/security.md §13), except save and the
JSON submit, whose conditional UPDATE of the attempt must stay the request's first write (SQLite takes the
write lock there; a save that finds the attempt over closes it afterwards), and the heartbeat (clock), which is
one read and writes nothing. While an attempt is in progress nothing here carries a key, correctness or a
score (docs/security.md §19).
"""

from datetime import timedelta

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.net import client_ip
from app.core.permissions import ANY_USER, allow
from app.exams import attempts as flow
from app.exams import papers, saving
from app.exams.models import Attempt, Exam
from app.exams.permissions import owns_attempt
from app.exams.services import total_points
from app.exams.states import SubmittedHow
from app.exams.views import bp
from app.extensions import db


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])


def _close_overdue(now) -> None:
    if flow.close_overdue(now=now, grace=_grace(), ip=client_ip(), user=current_user):
        db.session.commit()


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not owns_attempt(current_user, attempt):
        abort(404)
    return attempt


def _own_attempt_alone(attempt_id: int) -> Attempt:
    """The attempt row without the exam, course, user, station and team its relationships join by default: a save
    and the JSON submit read none of them on their way (they load lazily if grading needs them)."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == attempt_id).options(lazyload("*")))
    if attempt is None or not owns_attempt(current_user, attempt):
        abort(404)
    return attempt


def _invalid(error: papers.InvalidState):
    return jsonify(status="invalid", error=str(error.message)), 400


@bp.get("/my/exams")
@allow(ANY_USER)
def my_exams():
    now = utcnow()
    _close_overdue(now)
    rows = papers.exam_rows(current_user, now)
    groups = {state: [row for row in rows if row.state == state]
              for state in ("in_progress", "open", "upcoming", "finished")}
    return render_template("exams/take/my_exams.html", groups=groups, now=now)


@bp.get("/my/exams/<int:exam_id>")
@allow(ANY_USER)
def start_page(exam_id: int):
    now = utcnow()
    _close_overdue(now)
    exam = db.get_or_404(Exam, exam_id)
    row = papers.exam_row(current_user, exam, now)
    if row is None:
        abort(404)
    return render_template("exams/take/start.html", exam=exam, row=row, total=total_points(exam),
                           grace=current_app.config["EXAM_GRACE_SECONDS"])


@bp.post("/my/exams/<int:exam_id>/start")
@allow(ANY_USER)
def start(exam_id: int):
    now = utcnow()
    _close_overdue(now)
    exam = db.get_or_404(Exam, exam_id)
    if not papers.visible_to(current_user, exam, now):
        abort(404)
    try:
        attempt = flow.start_attempt(current_user, exam, now=now, ip=client_ip())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a parallel start won: resume its attempt
        attempt = flow.open_attempt(current_user, exam)
        if attempt is None:
            raise
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("exams.start_page", exam_id=exam.id))
    return redirect(url_for("exams.paper", attempt_id=attempt.id))


@bp.get("/my/attempts/<int:attempt_id>")
@allow(ANY_USER)
def paper(attempt_id: int):
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    _close_overdue(now)
    if not attempt.in_progress:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    return render_template("exams/take/paper.html", attempt=attempt, exam=attempt.exam,
                           questions=papers.paper_questions(attempt),
                           remaining=flow.remaining_seconds(attempt, now))


def _save_sent(attempt: Attempt, now):
    """The request's changes stored (not yet committed), as a saving.Sync; or the 400 response to send."""
    try:
        sent = papers.read_sync(request.get_json(silent=True), request.content_length)
        return saving.save_sent(attempt, sent.changes, known=sent.known, now=now, grace=_grace())
    except papers.InvalidState as error:
        db.session.rollback()
        return _invalid(error)
    except saving.UnknownPosition as error:
        db.session.rollback()
        return _invalid(papers.InvalidState(_l("Question %(n)d is not on this paper, or was sent twice.",
                                               n=error.position)))


def _over_with(attempt: Attempt, sync: saving.Sync, now):
    """410: the attempt is over; which of the window's changes were stored before it closed."""
    db.session.rollback()
    _close_overdue(now)
    return jsonify(status="over", result_url=url_for("exams.result", attempt_id=attempt.id),
                   **papers.sync_json(sync)), 410


@bp.post("/my/attempts/<int:attempt_id>/save")
@allow(ANY_USER)
def save(attempt_id: int):
    """Store the window's changes and tell it what changed: 200 when every change was acknowledged, 409 when
    some were refused (the stored answers come back), 410 when the attempt is over (nothing stored)."""
    now = utcnow()
    attempt = _own_attempt_alone(attempt_id)
    sync = _save_sent(attempt, now)
    if not isinstance(sync, saving.Sync):
        return sync
    if sync.over:
        return _over_with(attempt, sync, now)
    remaining = flow.remaining_seconds(attempt, now)  # before commit expires the attempt (no reload)
    db.session.commit()
    if sync.all_acknowledged:
        return jsonify(status="saved", remaining=remaining, **papers.sync_json(sync))
    return jsonify(status="refused", remaining=remaining, **papers.sync_json(sync)), 409


@bp.get("/my/attempts/<int:attempt_id>/clock")
@allow(ANY_USER)
def clock(attempt_id: int):
    """The page's heartbeat: {status, rev, remaining} from one read of the attempt, never a write. A window that
    knows an older revision than `rev` asks the save endpoint what changed; 410 sends it there too, so the
    save's 410 says which of its changes were stored before the attempt closed."""
    heartbeat = saving.clock(attempt_id, current_user.id, now=utcnow(), grace=_grace())
    if heartbeat is None:
        abort(404)
    if heartbeat.over:
        response = jsonify(status="over", rev=heartbeat.rev, result_url=url_for("exams.result", attempt_id=attempt_id))
        response.status_code = 410
    else:
        response = jsonify(status="open", rev=heartbeat.rev, remaining=heartbeat.remaining)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my/attempts/<int:attempt_id>/submit")
@allow(ANY_USER)
def submit_page(attempt_id: int):
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    _close_overdue(now)
    if not attempt.in_progress:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    unanswered, flagged = papers.submit_summary(attempt)
    return render_template("exams/take/submit.html", attempt=attempt, exam=attempt.exam, unanswered=unanswered,
                           flagged=flagged, remaining=flow.remaining_seconds(attempt, now),
                           total=len(attempt.items))


@bp.post("/my/attempts/<int:attempt_id>/submit")
@allow(ANY_USER)
def submit(attempt_id: int):
    """Close the attempt with its saved answers. The page's JSON submit at time-up carries its last changes:
    they are stored first, and a submit that could not store every one of them is not made — 409 with the
    stored answers (show them, submit again), 410 when the attempt was already over."""
    now = utcnow()
    attempt = _own_attempt_alone(attempt_id)
    result_url = url_for("exams.result", attempt_id=attempt.id)
    if not request.is_json:
        if attempt.in_progress:
            flow.submit(attempt, now=now, grace=_grace(), actor=current_user, ip=client_ip())
            db.session.commit()
        return redirect(result_url)
    sync = _save_sent(attempt, now)
    if not isinstance(sync, saving.Sync):
        return sync
    if sync.over:
        if attempt.submitted_how == SubmittedHow.CANDIDATE and sync.all_acknowledged:
            return jsonify(status="submitted", result_url=result_url)  # a repeat of a submit that was made
        return _over_with(attempt, sync, now)
    if not sync.all_acknowledged:
        db.session.commit()
        return jsonify(status="refused", **papers.sync_json(sync)), 409
    submitted = flow.submit(attempt, now=now, grace=_grace(), actor=current_user, ip=client_ip())
    db.session.commit()
    if not submitted and attempt.submitted_how != SubmittedHow.CANDIDATE:
        return _over_with(attempt, sync, now)
    return jsonify(status="submitted", result_url=result_url)


@bp.get("/my/attempts/<int:attempt_id>/result")
@allow(ANY_USER)
def result(attempt_id: int):
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    _close_overdue(now)
    if attempt.in_progress:
        return redirect(url_for("exams.paper", attempt_id=attempt.id))
    shown = papers.outcome(attempt, now, sitting=flow.has_open_attempt(current_user, now, _grace()))
    return render_template("exams/take/result.html", attempt=attempt, exam=attempt.exam, shown=shown,
                           review=papers.review_items(attempt) if shown.review_shown else [],
                           answered=sum(papers.answered(item.response) for item in attempt.items),
                           total=len(attempt.items))
