"""The trainer's exam pages: the list, settings, the overview and the state changes (publish, back to draft,
close, archive). The paper blueprint and sample paper are in paper_design.py, candidates and make-up exams in
audience.py.

Each view loads the exam (404, then 403 unless app.exams.permissions allows) and runs the service through
commit_or_report: committed once, or rolled back with the refusal on the form (or flashed). HR reads the list and
the overview, never a form.
"""

from datetime import timedelta
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from app.banks.browsing import course_choices
from app.core.clock import utcnow
from app.core.integers import whole_number
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.courses.catalog import ensure_courses, find_course
from app.exams import permissions, services
from app.exams.audience import audience_counts, audience_users
from app.exams.forms import (
    STATUS_LABELS,
    ActionForm,
    ExamFilterForm,
    ExamSettingsForm,
    NewExamForm,
    settings_data,
    to_local,
)
from app.exams.models import Attempt, Exam
from app.exams.permissions import EXAM_MAKERS, EXAM_STAFF
from app.exams.states import ExamState
from app.exams.views import bp
from app.exams.views.loading import managed_exam, viewable_exam
from app.exams.views.paper_design import page_context
from app.extensions import db

EXAMS_PER_PAGE = 50


def attempt_counts(exam_ids: list[int]) -> dict[int, int]:
    if not exam_ids:
        return {}
    rows = db.session.execute(select(Attempt.exam_id, func.count()).where(Attempt.exam_id.in_(exam_ids))
                              .group_by(Attempt.exam_id))
    return dict(rows.all())


# --- The list ---------------------------------------------------------------------------------

@bp.get("/exams/")
@allow(*EXAM_STAFF)
def index():
    form = ExamFilterForm(formdata=request.args, courses=course_choices())
    form.validate()
    status = form.status.data if form.status.data and not form.status.errors else None
    course = form.course.data if form.course.data and not form.course.errors else None
    page = max(request.args.get("page", 1, type=whole_number), 1)
    pagination = db.paginate(services.exams_for(current_user, status=status, course_code=course), page=page,
                             per_page=EXAMS_PER_PAGE, error_out=False)
    exams = pagination.items
    filters = {name: value for name, value in (("status", status), ("course", course)) if value}
    return render_template("exams/manage/index.html", form=form, exams=exams, pagination=pagination, filters=filters,
                           candidates=audience_counts(exams),
                           attempts=attempt_counts([exam.id for exam in exams]), status_labels=STATUS_LABELS,
                           may_create=permissions.can_create_exam(current_user))


# --- Settings ---------------------------------------------------------------------------------

def _default_window() -> dict:
    """Tomorrow 09:00–11:00 local time, a 60-minute exam: a sensible start for the form."""
    start = (to_local(utcnow()) + timedelta(days=1)).replace(hour=9, minute=0)
    return {"opens_at": start, "closes_at": start + timedelta(hours=2), "duration_minutes": 60,
            "pass_mark": Decimal(60)}


@bp.route("/exams/new", methods=["GET", "POST"])
@allow(*EXAM_MAKERS)
def new():
    form = NewExamForm(courses=course_choices(), data={"course": request.args.get("course", ""),
                                                       **_default_window()})
    if form.validate_on_submit():
        ensure_courses()
        created = commit_or_report(lambda: services.create_exam(current_user, find_course(form.course.data),
                                                                form.settings(), now=utcnow(), ip=client_ip()),
                                   form=form)
        if created:
            exam = created.value
            flash(_("Exam %(title)s was created. Now choose the questions of its paper.", title=exam.title),
                  "success")
            return redirect(url_for("exams.blueprint", exam_id=exam.id))
    return render_template("exams/manage/settings.html", form=form, exam=None)


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@allow(*EXAM_MAKERS)
def edit(exam_id: int):
    exam = managed_exam(exam_id)
    if exam.status == ExamState.ARCHIVED:
        flash(_("An archived exam cannot be changed."), "warning")
        return redirect(url_for("exams.detail", exam_id=exam.id))
    form = ExamSettingsForm(data=settings_data(exam), frozen=exam.frozen_at is not None)
    if form.validate_on_submit():
        saved = commit_or_report(lambda: services.update_exam(current_user, exam, form.settings(), now=utcnow(),
                                                              ip=client_ip()), form=form)
        if saved:
            changed = saved.value
            flash(_("The settings were saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("exams.detail", exam_id=exam.id))
    return render_template("exams/manage/settings.html", form=form, exam=exam)


# --- Overview ---------------------------------------------------------------------------------

@bp.get("/exams/<int:exam_id>")
@allow(*EXAM_STAFF)
def detail(exam_id: int):
    exam = viewable_exam(exam_id)
    links = {name: url_for(f"exams.{name}", exam_id=exam.id)
             for name in ("results", "candidates", "grading", "questions")}
    return render_template("exams/manage/detail.html", **page_context(exam), action_form=ActionForm(),
                           may_manage=permissions.can_manage_exam(current_user, exam), links=links,
                           candidates=audience_users(exam), attempts=attempt_counts([exam.id]).get(exam.id, 0),
                           makeups=list(db.session.scalars(select(Exam).where(Exam.makeup_of_id == exam.id))))


# --- State changes ----------------------------------------------------------------------------

def _change_state(exam_id: int, change, done):
    """Run one state change from a button: CSRF checked, domain errors flashed, back to the overview.

    `change(exam)` calls the service; `done(result)` says what happened."""
    exam = managed_exam(exam_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    changed = commit_or_report(lambda: change(exam))
    if changed:
        flash(done(changed.value), "success")
    elif exam.status == ExamState.DRAFT:  # publishing: say everything that is missing, not just the first
        for problem in services.blueprint_problems(exam)[1:]:
            flash(str(problem), "danger")
    return redirect(url_for("exams.detail", exam_id=exam.id))


@bp.post("/exams/<int:exam_id>/publish")
@allow(*EXAM_MAKERS)
def publish(exam_id: int):
    return _change_state(exam_id, lambda exam: services.publish(current_user, exam, now=utcnow(), ip=client_ip()),
                         lambda _result: _("The exam was published: its candidates can see it."))


@bp.post("/exams/<int:exam_id>/unpublish")
@allow(*EXAM_MAKERS)
def unpublish(exam_id: int):
    return _change_state(exam_id, lambda exam: services.unpublish(current_user, exam, now=utcnow(),
                                                                  ip=client_ip()),
                         lambda _result: _("The exam is a draft again."))


@bp.post("/exams/<int:exam_id>/close")
@allow(*EXAM_MAKERS)
def close(exam_id: int):
    grace = timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])
    return _change_state(exam_id, lambda exam: services.close(current_user, exam, now=utcnow(), ip=client_ip(),
                                                              grace=grace),
                         lambda closed: ngettext(
                             "The exam was closed; %(num)d open attempt was submitted with its saved answers.",
                             "The exam was closed; %(num)d open attempts were submitted with their saved answers.",
                             closed))


@bp.post("/exams/<int:exam_id>/archive")
@allow(*EXAM_MAKERS)
def archive(exam_id: int):
    return _change_state(exam_id, lambda exam: services.archive(current_user, exam, now=utcnow(), ip=client_ip()),
                         lambda _result: _("The exam was archived."))


