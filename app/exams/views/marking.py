"""Routes: the manual-grading queue, grading one short-answer question across candidates, the exam's
questions and regrading one of them (dry run, then apply)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.banks.forms import type_labels
from app.banks.registry import kind_of
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.forms import add_domain_error
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.exams import marking, regrades
from app.exams.grading import regrades_of
from app.exams.marking_forms import ACTION_LABELS, GradeForm, RegradeForm, read_marks
from app.exams.papers import image_data_url
from app.exams.permissions import EXAM_MAKERS, EXAM_STAFF, can_grade_exam
from app.exams.states import RegradeAction
from app.exams.views import bp
from app.exams.views.loading import gradable_exam, viewable_exam
from app.exams.views.results import sitting_notice
from app.extensions import db


def _version_of(exam, version_id: int):
    version = marking.version_on_papers(exam, version_id)
    if version is None:
        abort(404)
    return version


@bp.get("/exams/<int:exam_id>/grading")
@allow(*EXAM_MAKERS)
def grading(exam_id: int):
    exam = gradable_exam(exam_id)
    return render_template("exams/results/grading.html", exam=exam, queue=marking.grading_queue(exam))


def _render_question(exam, version, form, errors=None, entered=None, status=200):
    items = marking.answers_to_grade(exam, version)
    regrade = regrades_of(exam.id).get(version.id)
    return render_template(
        "exams/results/grade_question.html", exam=exam, version=version, form=form, items=items,
        pending=sum(item.score is None for item in items), errors=errors or {}, entered=entered or {},
        review=kind_of(version.type).present_review(version, image_url=image_data_url(version)), graders=marking.graders_of(items),
        voided=regrade is not None and regrade.action == RegradeAction.VOID,
    ), status


@bp.route("/exams/<int:exam_id>/grading/<int:version_id>", methods=["GET", "POST"])
@allow(*EXAM_MAKERS)
def grade_question(exam_id: int, version_id: int):
    exam = gradable_exam(exam_id)
    version = _version_of(exam, version_id)
    if not marking.is_hand_graded(version):
        abort(404)
    notice = sitting_notice(exam)
    if notice is not None:
        return notice
    form = GradeForm()
    if request.method == "GET":
        return _render_question(exam, version, form)
    return _save_grades(exam, version, form)


@allow(*EXAM_MAKERS, fresh=True)
def _save_grades(exam, version, form):
    """Grading changes need a fresh login (docs/security.md §3): the GET page does not."""
    if not form.validate_on_submit():
        abort(400)
    items = {item.id: item for item in marking.answers_to_grade(exam, version)}
    marks, errors = read_marks(request.form, list(items.values()))
    entered = {item_id: request.form.get(f"points-{item_id}", "") for item_id in items}
    changed = 0
    for mark in marks:
        item = items[mark.item_id]
        if mark.points is None:
            if item.score is not None:
                errors[item.id] = _("%(candidate)s: give the points (a graded answer cannot be un-graded).",
                                    candidate=f"{item.attempt.user.name} ({item.attempt.user.staff_no})")
            continue
        try:
            changed += marking.grade_answer(current_user, item, points=mark.points, comment=mark.comment,
                                            now=utcnow(), ip=client_ip())
        except DomainError as error:
            errors[item.id] = str(error.message)
    if errors:
        db.session.rollback()
        flash(_("Nothing was saved: correct the marked rows."), "danger")
        return _render_question(exam, version, GradeForm(formdata=None), errors, entered, status=400)
    db.session.commit()
    flash(_("%(count)d answers graded.", count=changed) if changed else _("Nothing was changed."),
          "success" if changed else "info")
    return redirect(url_for("exams.grade_question", exam_id=exam.id, version_id=version.id))


@bp.get("/exams/<int:exam_id>/questions")
@allow(*EXAM_STAFF)
def questions(exam_id: int):
    exam = viewable_exam(exam_id)
    return render_template("exams/results/questions.html", exam=exam, uses=regrades.question_uses(exam),
                           type_labels=type_labels(), can_grade=can_grade_exam(current_user, exam))


def _render_regrade(exam, version, form, plan=None, status=200):
    current = version.question.current
    return render_template(
        "exams/results/regrade.html", exam=exam, version=version, form=form, plan=plan,
        rekey_refusal=regrades.rekey_refusal(version), current=current, action_labels=ACTION_LABELS,
        review=kind_of(version.type).present_review(version, image_url=image_data_url(version)),
        current_review=kind_of(current.type).present_review(current, image_url=image_data_url(current))
        if current is not None and current.id != version.id else None,
        existing=regrades_of(exam.id).get(version.id),
    ), status


@bp.route("/exams/<int:exam_id>/regrade/<int:version_id>", methods=["GET", "POST"])
@allow(*EXAM_MAKERS)
def regrade(exam_id: int, version_id: int):
    exam = gradable_exam(exam_id)
    version = _version_of(exam, version_id)
    notice = sitting_notice(exam)
    if notice is not None:
        return notice
    if request.method == "GET":
        form = RegradeForm(formdata=request.args if request.args.get("action") else None, meta={"csrf": False})
        plan = None
        if request.args.get("action"):
            plan = _dry_run(exam, version, form)
        return _render_regrade(exam, version, form, plan)
    form = RegradeForm()
    if "apply" not in request.form:
        if not form.validate_on_submit():
            return _render_regrade(exam, version, form, status=400)
        return _render_regrade(exam, version, form, _dry_run(exam, version, form))
    return _apply(exam, version, form)


def _dry_run(exam, version, form):
    if not form.validate():
        return None
    try:
        return regrades.plan_regrade(exam, version, form.action.data)
    except DomainError as error:
        add_domain_error(form, error)
        return None


@allow(*EXAM_MAKERS, fresh=True)
def _apply(exam, version, form):
    """Applying a regrade changes scores: it needs a fresh login (docs/security.md §3)."""
    if not form.validate_on_submit():
        return _render_regrade(exam, version, form, status=400)
    applied = commit_or_report(lambda: regrades.apply_regrade(
        current_user, exam, version, form.action.data, reason=form.reason.data or "", now=utcnow(), ip=client_ip()),
        form=form)
    if not applied:
        return _render_regrade(exam, version, form, status=400)
    plan = applied.value
    flash(_("The regrade was applied: %(changed)d of %(attempts)d submitted attempts changed.",
            changed=len(plan.changes), attempts=plan.attempts), "success")
    return redirect(url_for("exams.questions", exam_id=exam.id))
