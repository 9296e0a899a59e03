"""Routes: a trainer's (or HR's) view of an exam's results, one attempt as graded, the candidates with their
extra time, and granting extra time."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.banks.registry import kind_of
from app.core.clock import utcnow
from app.core.integers import whole_number
from app.core.loading import require
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.exams import marking, permissions, results_reading
from app.exams.attempts import grant_extra_time, open_attempt, remaining_seconds
from app.exams.grading import as_graded, regrades_of
from app.exams.marking_forms import STATUS_LABELS, SUBMITTED_HOW_LABELS, ExtraTimeForm, ResultsFilterForm
from app.exams.models import Attempt, Exam
from app.exams.papers import image_data_url
from app.exams.permissions import EXAM_MAKERS, EXAM_STAFF
from app.exams.views import bp
from app.exams.views.loading import gradable_exam, viewable_exam
from app.extensions import db
from app.org.models import Station


def sitting_notice(exam: Exam):
    """Staff who are sitting the exam themselves see no key of it until they submit (docs/security.md §19)."""
    if open_attempt(current_user, exam) is None:
        return None
    return render_template("exams/results/sitting.html", exam=exam)


def _shared(exam: Exam) -> dict:
    return {"exam": exam, "can_grade": permissions.can_grade_exam(current_user, exam),
            "status_labels": STATUS_LABELS, "how_labels": SUBMITTED_HOW_LABELS}


@bp.get("/exams/<int:exam_id>/results")
@allow(*EXAM_STAFF)
def results(exam_id: int):
    exam = viewable_exam(exam_id)
    stations = db.session.scalars(db.select(Station).order_by(Station.name)).all()
    form = ResultsFilterForm(stations, formdata=request.args)
    pagination = db.paginate(results_reading.attempts_query(exam, status=form.status_value,
                                                            station_id=form.station_id),
                             page=_page(), per_page=results_reading.PAGE_SIZE, error_out=False)
    now = utcnow()
    filters = {name: value for name, value in (("status", form.status_value), ("station", form.station_id))
               if value is not None}
    return render_template("exams/results/results.html", **_shared(exam), form=form, pagination=pagination,
                           filters=filters, summary=results_reading.results_summary(exam),
                           remaining={a.id: remaining_seconds(a, now) for a in pagination.items if a.in_progress})


@bp.get("/exams/<int:exam_id>/attempts/<int:attempt_id>")
@allow(*EXAM_STAFF)
def attempt_detail(exam_id: int, attempt_id: int):
    exam = viewable_exam(exam_id)
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.exam_id != exam.id:
        abort(404)  # another exam's attempt is not found here, whoever may read it
    require(permissions.can_view_attempt(current_user, attempt))
    notice = sitting_notice(exam)
    if notice is not None:
        return notice
    regrades = regrades_of(exam.id)
    rows = []
    for item in attempt.items:
        regrade = regrades.get(item.version_id)
        version = as_graded(item, regrade)
        review = kind_of(item.version.type).present_review(version, item.option_order or None, item.response,
                                                           image_url=image_data_url(version))
        rows.append({"item": item, "review": review, "regrade": regrade})
    return render_template("exams/results/attempt.html", **_shared(exam), attempt=attempt, rows=rows,
                           graders=marking.graders_of([row["item"] for row in rows]),
                           remaining=remaining_seconds(attempt, utcnow()) if attempt.in_progress else None)


def _page() -> int:
    """?page=, 1 when missing or unreadable (a page past the end shows no rows)."""
    return max(request.args.get("page", 1, type=whole_number), 1)


def _render_candidates(exam: Exam, form: ExtraTimeForm | None = None, selected: User | None = None):
    now = utcnow()
    page = _page() if selected is None else results_reading.candidate_page_of(exam, selected)
    pagination, rows = results_reading.candidate_page(exam, page)
    return render_template("exams/results/candidates.html", **_shared(exam), rows=rows, pagination=pagination,
                           form=form or ExtraTimeForm(),
                           selected=selected.id if selected is not None else None,
                           remaining={r.open_attempt.id: remaining_seconds(r.open_attempt, now)
                                      for r in rows if r.open_attempt is not None})


@bp.get("/exams/<int:exam_id>/candidates")
@allow(*EXAM_STAFF)
def candidates(exam_id: int):
    return _render_candidates(viewable_exam(exam_id))


@bp.post("/exams/<int:exam_id>/candidates/<int:user_id>/extra-time")
@allow(*EXAM_MAKERS, fresh=True)
def extra_time(exam_id: int, user_id: int):
    exam = gradable_exam(exam_id)
    user = db.get_or_404(User, user_id)
    if not results_reading.may_get_extra_time(exam, user):
        abort(404)
    form = ExtraTimeForm()
    if not form.validate_on_submit():
        return _render_candidates(exam, form, selected=user), 400
    granted = commit_or_report(lambda: grant_extra_time(
        current_user, exam, user, minutes=form.minutes.data, reason=form.reason.data.strip(), now=utcnow(),
        ip=client_ip(), grace=timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])), form=form)
    if not granted:
        return _render_candidates(exam, form, selected=user), 400
    if granted.value is not None:
        flash(_("%(name)s now has %(minutes)d extra minutes; the open attempt's deadline moved.",
                name=user.name, minutes=form.minutes.data), "success")
    else:
        flash(_("%(name)s now has %(minutes)d extra minutes.", name=user.name, minutes=form.minutes.data), "success")
    return redirect(url_for("exams.candidates", exam_id=exam.id, page=results_reading.candidate_page_of(exam, user),
                            _anchor=f"candidate-{user.id}"))
