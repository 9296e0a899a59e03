"""Routes of the banks blueprint: one question — add, view (as candidates see it, plus key, explanation,
source and every version), edit (a new version), compare a version with the one before, preview as a
candidate, retire and restore — and the pictures questions use."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.banks import browsing, editing, permissions, registry
from app.banks.diffs import version_diff
from app.banks.drafts import QuestionType
from app.banks.forms import DIFFICULTY_LABELS, STATUS_LABELS, ActionForm, QuestionForm, type_labels
from app.banks.models import Image, QuestionVersion
from app.banks.services import draft_of, revise_question, set_status
from app.banks.views import bp
from app.banks.views.loading import image_url, managed_bank, managed_question
from app.core.clock import utcnow
from app.core.images import IMAGE_TYPES
from app.core.loading import require
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.roles import Role
from app.core.writes import commit_or_report
from app.extensions import db


def _render_form(form, bank, question=None):
    chosen = registry.get(form.type.data if registry.is_registered(form.type.data) else QuestionType.SINGLE)
    return render_template("banks/question_form.html", form=form, bank=bank, question=question,
                           is_choice=chosen.has_options,
                           type_labels=type_labels())


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def question_new(bank_id: int):
    bank = managed_bank(bank_id)
    chosen = request.args.get("type", "")
    form = QuestionForm(data={"type": chosen} if registry.is_registered(chosen) else None)
    if form.validate_on_submit():
        draft = form.to_draft()
        if draft is not None:
            added = commit_or_report(lambda: editing.add_question(current_user, bank, draft, now=utcnow(),
                                                                  ip=client_ip()), form=form)
            if added:
                question = added.value
                flash(_("Question %(id)d was added.", id=question.id), "success")
                if request.form.get("next") == "another":
                    return redirect(url_for("banks.question_new", bank_id=bank.id, type=str(draft.type)))
                return redirect(url_for("banks.question_detail", question_id=question.id))
    return _render_form(form, bank)


def _authors(versions) -> dict[int, User]:
    ids = {version.created_by_id for version in versions if version.created_by_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


@bp.get("/banks/questions/<int:question_id>")
@allow(Role.ADMIN, Role.TRAINER)
def question_detail(question_id: int):
    question = managed_question(question_id)
    version = question.current
    if version is None:
        abort(404)
    kind = registry.get(version.type)
    review = kind.present_review(version, image_url=image_url(version))
    return render_template(
        "banks/question_detail.html", question=question, bank=question.bank, version=version, review=review,
        versions=list(reversed(question.versions)), authors=_authors(question.versions),
        type_labels=type_labels(), status_labels=STATUS_LABELS, difficulty_labels=DIFFICULTY_LABELS,
        action_form=ActionForm(),
    )


@bp.get("/banks/questions/<int:question_id>/versions/<int:version_number>")
@allow(Role.ADMIN, Role.TRAINER)
def question_version(question_id: int, version_number: int):
    """One version as candidates saw it, its key, and what changed from the version before."""
    question = managed_question(question_id)
    version = db.session.scalar(db.select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.number == version_number))
    if version is None:
        abort(404)
    previous = db.session.scalar(db.select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.number < version.number,
    ).order_by(QuestionVersion.number.desc()).limit(1))
    labels = type_labels()
    return render_template(
        "banks/question_version.html", question=question, bank=question.bank, version=version,
        previous=previous, diffs=version_diff(previous, version, labels),
        review=registry.get(version.type).present_review(version, image_url=image_url(version)),
        authors=_authors([version]), type_labels=labels, difficulty_labels=DIFFICULTY_LABELS,
    )


@bp.route("/banks/questions/<int:question_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def question_edit(question_id: int):
    question = managed_question(question_id)
    if question.current is None:
        abort(404)
    previous = draft_of(question.current, question.topics)
    form = QuestionForm(data=QuestionForm.data_of(previous))
    if form.validate_on_submit():
        draft = form.to_draft(previous)
        if draft is not None:
            topics_before = [topic.name for topic in question.topics]

            def revise():
                version = revise_question(current_user, question, draft, now=utcnow(), ip=client_ip())
                return version, [topic.name for topic in question.topics] != topics_before

            revised = commit_or_report(revise, form=form)
            if revised:
                version, topics_changed = revised.value
                if version is not None:
                    flash(_("Version %(number)d of question %(id)d was saved; papers that already use an "
                            "earlier version keep it.", number=version.number, id=question.id), "success")
                elif topics_changed:
                    flash(_("The topics were saved. The content did not change, so there is no new version."),
                          "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return redirect(url_for("banks.question_detail", question_id=question.id))
    return _render_form(form, question.bank, question)


@bp.get("/banks/questions/<int:question_id>/preview")
@allow(Role.ADMIN, Role.TRAINER)
def question_preview(question_id: int):
    """The question exactly as a candidate meets it in an exam: no key, no explanation."""
    question = managed_question(question_id)
    version = question.current
    if version is None:
        abort(404)
    view = registry.get(version.type).present(version, image_url=image_url(version))
    return render_template("banks/question_preview.html", question=question, bank=question.bank, view=view)


def _change_status(question_id: int, status: str):
    question = managed_question(question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    changed = commit_or_report(lambda: set_status(current_user, question, status, now=utcnow(), ip=client_ip()))
    if changed:
        if not changed.value:
            flash(_("Nothing was changed."), "info")
        elif status == "retired":
            flash(_("Question %(id)d was retired: new exams will not use it; past papers keep it.",
                    id=question.id), "success")
        else:
            flash(_("Question %(id)d was restored.", id=question.id), "success")
    return redirect(url_for("banks.question_detail", question_id=question.id))


@bp.post("/banks/questions/<int:question_id>/retire")
@allow(Role.ADMIN, Role.TRAINER)
def question_retire(question_id: int):
    return _change_status(question_id, "retired")


@bp.post("/banks/questions/<int:question_id>/restore")
@allow(Role.ADMIN, Role.TRAINER)
def question_restore(question_id: int):
    return _change_status(question_id, "active")


@bp.get("/banks/images/<sha256>")
@allow(Role.ADMIN, Role.TRAINER)
def image(sha256: str):
    """A question's picture, for those who manage a bank that uses it (exams will serve their own)."""
    found = db.session.scalar(db.select(Image).where(Image.sha256 == sha256.lower()[:64]))
    if found is None or found.content_type not in IMAGE_TYPES:
        abort(404)
    require(permissions.can_see_image(current_user, browsing.banks_using_image(found)))
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response
