"""Routes of the candidate's side: my exams, the start page, the paper with autosave (claim, save, time),
submit and the result with its review. The URL/JSON contract is in the project notes (candidate_contract).

Every page and JSON here first closes the candidate's overdue attempts (SECURITY 13), except save, whose
conditional UPDATE must stay the request's first write (SQLite takes the write lock there); a refused save
closes them afterwards. While an attempt is in progress nothing here carries a key, correctness or a
score (SECURITY 19).
"""

from datetime import timedelta

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.net import client_ip
from app.core.permissions import ANY_USER, allow
from app.exams import attempts as flow
from app.exams import papers
from app.exams.models import Attempt, Exam
from app.exams.permissions import owns_attempt
from app.exams.services import total_points
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


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _over(attempt: Attempt):
    return jsonify(status="over", result_url=url_for("exams.result", attempt_id=attempt.id)), 410


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
    if not papers.visible_to(current_user, exam, now):
        abort(404)
    row = papers.exam_row(current_user, exam, now)
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


@bp.post("/my/attempts/<int:attempt_id>/claim")
@allow(ANY_USER)
def claim(attempt_id: int):
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    _close_overdue(now)
    writer = flow.claim(attempt, now=now) if attempt.in_progress else None
    if writer is None:
        return _over(attempt)
    db.session.commit()
    return jsonify(writer=writer, seq=0, remaining=flow.remaining_seconds(attempt, now),
                   deadline=_iso(attempt.deadline_at), saved_at=_iso(attempt.saved_at))


@bp.post("/my/attempts/<int:attempt_id>/save")
@allow(ANY_USER)
def save(attempt_id: int):
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    try:
        state = papers.read_state(request.get_json(silent=True), request.content_length)
    except papers.InvalidState as error:
        return _invalid(error)
    result = flow.save_answers(attempt, writer=state.writer, seq=state.seq,
                               responses=flow.read_responses(attempt, state.form), flagged=state.flagged,
                               now=now, grace=_grace())
    if result.status == "over":
        db.session.rollback()
        _close_overdue(now)
        return _over(attempt)
    remaining = flow.remaining_seconds(attempt, now)  # before commit expires the attempt (no reload)
    db.session.commit()
    if result.status == "elsewhere":
        return jsonify(status="elsewhere"), 409
    return jsonify(status=result.status, saved_at=_iso(result.saved_at), seq=result.seq, remaining=remaining)


@bp.get("/my/attempts/<int:attempt_id>/time")
@allow(ANY_USER)
def time(attempt_id: int):
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    _close_overdue(now)
    return jsonify(status=attempt.status, remaining=flow.remaining_seconds(attempt, now) if attempt.in_progress else 0,
                   deadline=_iso(attempt.deadline_at))


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
    now = utcnow()
    attempt = _own_attempt(attempt_id)
    as_json = request.is_json
    if as_json:
        try:
            state = papers.read_state(request.get_json(silent=True), request.content_length)
        except papers.InvalidState as error:
            return _invalid(error)
        if attempt.in_progress:  # the final state first, if this window may still save
            flow.save_answers(attempt, writer=state.writer, seq=state.seq,
                              responses=flow.read_responses(attempt, state.form), flagged=state.flagged,
                              now=now, grace=_grace())
    if attempt.in_progress:
        flow.submit(attempt, now=now, grace=_grace(), actor=current_user, ip=client_ip())
    db.session.commit()
    result_url = url_for("exams.result", attempt_id=attempt.id)
    if as_json:
        return jsonify(status="submitted", result_url=result_url)
    return redirect(result_url)


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
