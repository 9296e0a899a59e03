"""Evaluation pages: the scheme (read, and a new version), the batches to evaluate, one batch's evaluation
sheet (compute, team and station figures, override, sign off, reopen; printable; the roster and the team and
station summary as CSV or XLSX, audited, after a fresh login) and a person's own evaluations after sign-off.

Each view: load (404) → call the service and commit once (`commit_or_report`) → flash and redirect; every page
but one's own is for `EVALUATORS`, which `@allow` checks.
"""

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.clock import utcnow
from app.core.integers import whole_number
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import ANY_USER, allow
from app.core.writes import commit_or_report
from app.courses.models import Course
from app.courses.naming import course_name
from app.evaluation import computing, exports, review, schemes
from app.evaluation.figures import group_figures
from app.evaluation.forms import (
    ATTENDANCE_MODE_LABELS,
    COURSE_STATE_LABELS,
    MAKEUP_RULE_LABELS,
    OUTCOME_LABELS,
    RATING_LABELS,
    ButtonForm,
    OverrideForm,
    ReopenForm,
    scheme_form_class,
    weight_field_name,
)
from app.evaluation.models import Evaluation, EvaluationScheme, EvaluationSignoff
from app.evaluation.permissions import EVALUATORS
from app.evaluation.states import AttendanceMode, CourseStatus, MakeupRule, Outcome, Rating
from app.extensions import db
from app.reports.views.exports import send
from app.training.models import Batch, BatchMember

bp = Blueprint("evaluation", __name__, template_folder="templates")
PAGE_SIZE = 50  # people per page of a batch's sheet


@bp.record_once
def _states_in_templates(state) -> None:
    """Templates compare with the members (`result.status != CourseStatus.PASSED`), never the bare values."""
    state.app.jinja_env.globals.update(Rating=Rating, Outcome=Outcome, CourseStatus=CourseStatus,
                                       AttendanceMode=AttendanceMode, MakeupRule=MakeupRule)


@bp.app_context_processor
def _labels():
    return {"rating_labels": RATING_LABELS, "outcome_labels": OUTCOME_LABELS,
            "course_state_labels": COURSE_STATE_LABELS}


def _courses() -> list[Course]:
    return list(db.session.scalars(db.select(Course).order_by(Course.position, Course.code)))


# --- The scheme ------------------------------------------------------------------------------------

@bp.get("/evaluation/scheme")
@allow(*EVALUATORS)
def scheme():
    return render_template("evaluation/scheme.html", data=schemes.current_data(), current=schemes.current_scheme(),
                           history=schemes.history(), courses={c.code: c for c in _courses()},
                           course_name=course_name, attendance_modes=ATTENDANCE_MODE_LABELS,
                           makeup_rules=MAKEUP_RULE_LABELS)


@bp.route("/evaluation/scheme/edit", methods=["GET", "POST"])
@allow(*EVALUATORS, fresh=True)
def edit_scheme():
    """A new version of the scheme; a change of the rules behind awards and dismissals needs a fresh login."""
    courses = _courses()
    data = schemes.current_data()
    form_class = scheme_form_class(courses)
    if request.method == "GET":
        form = form_class(data={**{name: getattr(data, name) for name in (
            "attendance_mode", "attendance_weight", "attendance_minimum", "excellent_min", "good_min", "pass_min",
            "award_min", "makeup_rule", "review_periods")},
            **{weight_field_name(c.code): data.weights.get(c.code, Decimal(0)) for c in courses}})
    else:
        form = form_class()
    if form.validate_on_submit():
        weights = {c.code: form[weight_field_name(c.code)].data for c in courses}
        # A refusal of the weights names no field of the form, so it is shown for the form as a whole.
        saved = commit_or_report(lambda: schemes.save_scheme(current_user, schemes.SchemeData(
            weights={code: weight for code, weight in weights.items() if weight},
            attendance_mode=form.attendance_mode.data, attendance_weight=form.attendance_weight.data,
            attendance_minimum=form.attendance_minimum.data, excellent_min=form.excellent_min.data,
            good_min=form.good_min.data, pass_min=form.pass_min.data, award_min=form.award_min.data,
            makeup_rule=form.makeup_rule.data, review_periods=form.review_periods.data,
            note=form.note.data or ""), now=utcnow(), ip=client_ip()), form=form)
        if saved:
            flash(_("Scheme version %(version)d saved. Recompute a batch to apply it.", version=saved.value.version),
                  "success")
            return redirect(url_for("evaluation.scheme"))
    status = 400 if request.method == "POST" else 200
    return render_template("evaluation/scheme_form.html", form=form, courses=courses,
                           weight_field_name=weight_field_name, course_name=course_name), status


# --- Batches ---------------------------------------------------------------------------------------

@bp.get("/evaluation")
@allow(*EVALUATORS)
def index():
    batches = list(db.session.scalars(db.select(Batch).options(joinedload(Batch.plan))
                                      .order_by(Batch.starts_on.desc(), Batch.id.desc())))
    members = dict(db.session.execute(db.select(BatchMember.batch_id, func.count()).group_by(BatchMember.batch_id)).all())
    evaluated = dict(db.session.execute(db.select(Evaluation.batch_id, func.count()).group_by(Evaluation.batch_id)).all())
    signed = {s.batch_id: s for s in db.session.scalars(db.select(EvaluationSignoff))}
    return render_template("evaluation/index.html", batches=batches, members=members, evaluated=evaluated,
                           signed=signed)


def batch_evaluations(batch: Batch) -> list[Evaluation]:
    return sorted(db.session.scalars(db.select(Evaluation).where(Evaluation.batch_id == batch.id)),
                  key=lambda e: e.user.staff_no)


def _scheme_codes(evaluations: list[Evaluation]) -> list[str]:
    """The courses of the scheme the evaluations were computed with (the current one before computing)."""
    return list(evaluations[0].scheme.weights) if evaluations else list(schemes.current_data().weights)


@bp.get("/evaluation/batches/<int:batch_id>")
@allow(*EVALUATORS)
def batch_sheet(batch_id: int):
    """One page of the sheet (50 people by staff number); the counts, and the station and team figures, are over
    the whole batch, counted in SQL. The roster download holds everyone."""
    batch = load_or_404(Batch, batch_id)
    of_batch = Evaluation.batch_id == batch.id
    page = max(request.args.get("page", 1, type=whole_number), 1)
    pagination = db.paginate(db.select(Evaluation).join(User, User.id == Evaluation.user_id).where(of_batch)
                             .order_by(User.staff_no, Evaluation.id), page=page, per_page=PAGE_SIZE, error_out=False)
    scheme = db.session.scalar(db.select(EvaluationScheme).join(Evaluation, Evaluation.scheme_id == EvaluationScheme.id)
                               .where(of_batch).limit(1))
    codes = list(scheme.weights) if scheme is not None else list(schemes.current_data().weights)
    by_code = {c.code: c for c in _courses()}
    final = func.coalesce(Evaluation.override_outcome, Evaluation.outcome)
    outcome_counts = dict(db.session.execute(db.select(final, func.count()).where(of_batch).group_by(final)).all())
    exams, _makeups = computing.batch_exams(batch, codes)
    return render_template(
        "evaluation/batch.html", batch=batch, evaluations=pagination.items, pagination=pagination, scheme=scheme,
        signoff=computing.signoff_of(batch), courses=[by_code[code] for code in codes if code in by_code],
        course_name=course_name, stations=group_figures(batch.id, "station"), teams=group_figures(batch.id, "team"),
        outcome_counts=outcome_counts, exam_count=len(exams), button_form=ButtonForm(), reopen_form=ReopenForm(),
        members=db.session.scalar(db.select(func.count()).select_from(BatchMember)
                                  .where(BatchMember.batch_id == batch.id)))


def _act(batch: Batch, action, success: str):
    if not ButtonForm().validate_on_submit():
        abort(400)
    if commit_or_report(action):
        flash(success, "success")
    return redirect(url_for("evaluation.batch_sheet", batch_id=batch.id))


@bp.post("/evaluation/batches/<int:batch_id>/compute")
@allow(*EVALUATORS)
def compute(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    return _act(batch, lambda: computing.compute_batch(current_user, batch, now=utcnow(), ip=client_ip()),
                _("Evaluations computed for %(batch)s.", batch=batch.name))


@bp.post("/evaluation/batches/<int:batch_id>/sign-off")
@allow(*EVALUATORS, fresh=True)
def sign_off(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    return _act(batch, lambda: review.sign_off(current_user, batch, now=utcnow(), ip=client_ip()),
                _("Evaluations of %(batch)s signed off; they are now locked and visible to the people concerned.",
                  batch=batch.name))


@bp.post("/evaluation/batches/<int:batch_id>/reopen")
@allow(*EVALUATORS, fresh=True)
def reopen(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for reopening."), "danger")
        return redirect(url_for("evaluation.batch_sheet", batch_id=batch.id))
    if commit_or_report(lambda: review.reopen(current_user, batch, form.reason.data, now=utcnow(), ip=client_ip())):
        flash(_("Evaluations of %(batch)s reopened.", batch=batch.name), "success")
    return redirect(url_for("evaluation.batch_sheet", batch_id=batch.id))


@bp.route("/evaluation/evaluations/<int:evaluation_id>/override", methods=["GET", "POST"])
@allow(*EVALUATORS, fresh=True)
def override(evaluation_id: int):
    evaluation = load_or_404(Evaluation, evaluation_id)
    form = OverrideForm(data=None if request.method == "POST" else {"outcome": evaluation.final_outcome,
                                                                    "reason": evaluation.override_reason})
    if form.validate_on_submit() and commit_or_report(
            lambda: review.override(current_user, evaluation, form.outcome.data, form.reason.data, now=utcnow(),
                                    ip=client_ip()), form=form):
        flash(_("Outcome of %(name)s saved.", name=evaluation.user.name), "success")
        return redirect(url_for("evaluation.batch_sheet", batch_id=evaluation.batch_id))
    status = 400 if request.method == "POST" else 200
    return render_template("evaluation/override.html", form=form, evaluation=evaluation,
                           signoff=computing.signoff_of(evaluation.batch)), status


# --- One's own ------------------------------------------------------------------------------------

@bp.get("/evaluation/batches/<int:batch_id>/roster.<any(csv, xlsx):fmt>")
@allow(*EVALUATORS, fresh=True)
def roster_file(batch_id: int, fmt: str):
    batch = load_or_404(Batch, batch_id)
    evaluations = batch_evaluations(batch)
    by_code = {c.code: c for c in _courses()}
    courses = [by_code[code] for code in _scheme_codes(evaluations) if code in by_code]
    report = exports.batch_roster(batch, evaluations, courses,
                                  signed_off=computing.signoff_of(batch) is not None, now=utcnow())
    return send(report, fmt)


@bp.get("/evaluation/batches/<int:batch_id>/summary.<any(csv, xlsx):fmt>")
@allow(*EVALUATORS, fresh=True)
def summary_file(batch_id: int, fmt: str):
    batch = load_or_404(Batch, batch_id)
    report = exports.batch_summary(batch, batch_evaluations(batch), signed_off=computing.signoff_of(batch) is not None,
                                   now=utcnow())
    return send(report, fmt)


@bp.get("/me/evaluations")
@allow(ANY_USER)
def mine():
    """Only signed-off evaluations: figures HR may still change are not shown as results."""
    rows = db.session.scalars(
        db.select(Evaluation).join(EvaluationSignoff, EvaluationSignoff.batch_id == Evaluation.batch_id)
        .join(Batch, Batch.id == Evaluation.batch_id)
        .where(Evaluation.user_id == current_user.id).order_by(Batch.starts_on.desc())
    ).all()
    by_code = {c.code: c for c in _courses()}
    return render_template("evaluation/mine.html", evaluations=rows, courses=by_code, course_name=course_name)
