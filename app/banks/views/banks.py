"""Routes of the banks blueprint: the banks per course, a bank's question browser, bank settings,
owners (administrators) and bulk actions on selected questions.

Each view: parse the form → load with db.get_or_404 → check permission → call the service →
commit once → flash and redirect. A DomainError goes onto the form field it names, after a rollback.
"""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.accounts.models import User
from app.banks import browsing, editing, permissions
from app.banks.exporting import number_text
from app.banks.forms import (
    DIFFICULTY_LABELS,
    STATUS_LABELS,
    BankEditForm,
    BankForm,
    BulkForm,
    OwnersForm,
    QuestionFilterForm,
    type_labels,
)
from app.banks.services import create_bank
from app.banks.views import bp
from app.banks.views.loading import managed_bank
from app.core.clock import utcnow
from app.core.integers import whole_number
from app.core.loading import require
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.redirects import safe_next
from app.core.roles import Role
from app.core.writes import commit_or_report
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

PER_PAGE = 50
EXCERPT_CHARS = 90


def excerpt(text: str) -> str:
    """The stem as one line of plain text for the list (Markdown is not rendered there)."""
    line = " ".join((text or "").split())
    return line if len(line) <= EXCERPT_CHARS else line[:EXCERPT_CHARS] + "…"


@bp.get("/banks")
@allow(Role.ADMIN, Role.TRAINER)
def index():
    return render_template("banks/index.html", courses=browsing.banks_by_course(current_user),
                           may_create=permissions.can_create_bank(current_user),
                           sees_all=permissions.can_assign_owners(current_user))


@bp.route("/banks/new", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def bank_new():
    require(permissions.can_create_bank(current_user))
    form = BankForm(courses=browsing.course_choices(), data={"course": request.args.get("course", "")})
    if form.validate_on_submit():
        ensure_courses()
        created = commit_or_report(lambda: create_bank(
            current_user, find_course(form.course.data), form.name.data, description=form.description.data or "",
            now=utcnow(), ip=client_ip()), form=form)
        if created:
            bank = created.value
            flash(_("Bank %(name)s was created. Add questions one by one or import a file.", name=bank.name),
                  "success")
            return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    return render_template("banks/bank_form.html", form=form, bank=None)


def _filters(form: QuestionFilterForm) -> browsing.QuestionFilters:
    """Read the filters; a value that is not valid (unknown topic, bad number) is simply ignored."""
    form.validate()

    def value(field, default=None):
        return default if field.errors or field.process_errors else field.data

    status = value(form.status, "active")
    return browsing.QuestionFilters(
        type=value(form.type, "") or "",
        difficulty=value(form.difficulty),
        topic_id=value(form.topic),
        status=status if status in browsing.STATUSES else "active",
        q=" ".join((form.q.data or "").split())[:browsing.SEARCH_MAX],
    )


@bp.get("/banks/<int:bank_id>")
@allow(Role.ADMIN, Role.TRAINER)
def bank_detail(bank_id: int):
    bank = managed_bank(bank_id)
    form = QuestionFilterForm(formdata=request.args, topics=browsing.topics_in_bank(bank))
    filters = _filters(form)
    page = max(request.args.get("page", 1, type=whole_number), 1)
    pagination = db.paginate(browsing.question_query(bank, filters), page=page, per_page=PER_PAGE,
                             error_out=False)
    query_args = {
        key: value
        for key, value in {"q": filters.q, "type": filters.type, "difficulty": filters.difficulty,
                           "topic": filters.topic_id, "status": filters.status}.items()
        if value not in (None, "")
    }
    return render_template(
        "banks/bank_detail.html", bank=bank, form=form, pagination=pagination, query_args=query_args,
        counts=browsing.bank_counts(bank), type_labels=type_labels(), status_labels=STATUS_LABELS,
        difficulty_labels=DIFFICULTY_LABELS, bulk_form=BulkForm(formdata=None), excerpt=excerpt, num=number_text,
        may_assign_owners=permissions.can_assign_owners(current_user, bank),
    )


@bp.route("/banks/<int:bank_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def bank_edit(bank_id: int):
    bank = managed_bank(bank_id)
    form = BankEditForm(data={"name": bank.name, "description": bank.description})
    if form.validate_on_submit():
        changed = commit_or_report(lambda: editing.update_bank(
            current_user, bank, form.name.data, form.description.data or "", now=utcnow(), ip=client_ip()), form=form)
        if changed:
            if changed.value:
                flash(_("Bank %(name)s was saved.", name=bank.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    return render_template("banks/bank_form.html", form=form, bank=bank)


@bp.route("/banks/<int:bank_id>/owners", methods=["GET", "POST"])
@allow(Role.ADMIN)
def bank_owners(bank_id: int):
    bank = managed_bank(bank_id)
    require(permissions.can_assign_owners(current_user, bank))
    trainers = editing.trainers()
    # Owners who are no longer active trainers stay listed, so saving does not drop them unseen.
    listed = trainers + [owner for owner in bank.owners if owner not in trainers]
    form = OwnersForm(trainers=listed, data={"owners": [owner.id for owner in bank.owners]})
    if form.validate_on_submit():
        owners = [db.session.get(User, user_id) for user_id in form.owners.data or ()]
        changed = commit_or_report(lambda: editing.set_owners(
            current_user, bank, [o for o in owners if o is not None], now=utcnow(), ip=client_ip()), form=form)
        if changed:
            if changed.value:
                flash(_("The owners of %(name)s were saved.", name=bank.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    return render_template("banks/bank_owners.html", form=form, bank=bank)


@bp.post("/banks/<int:bank_id>/bulk")
@allow(Role.ADMIN, Role.TRAINER)
def bank_bulk(bank_id: int):
    bank = managed_bank(bank_id)
    form = BulkForm()
    detail = url_for("banks.bank_detail", bank_id=bank.id)
    back = safe_next(request.form.get("back"), detail)
    if urlsplit(back).path != detail:  # back to the same filtered list, nowhere else
        back = detail
    if not form.validate_on_submit():
        if "csrf_token" in form.errors or not form.action.data:  # no csrf_token field when CSRF is off
            abort(400)
        flash(" ".join(str(error) for errors in form.errors.values() for error in errors), "danger")
        return redirect(back)
    questions = editing.questions_of(bank, form.ids.data or [])
    if len(form.ids.data or ()) > editing.BULK_MAX:
        flash(_("Select at most %(max)d questions at a time.", max=editing.BULK_MAX), "danger")
        return redirect(back)
    now, ip = utcnow(), client_ip()
    topic = (form.topic.data or "").strip()
    if form.action.data == "add_topic":
        done = commit_or_report(lambda: editing.add_topic(current_user, bank, questions, topic, now=now, ip=ip))
        message = ngettext("Topic %(topic)s was added to %(num)d question.",
                           "Topic %(topic)s was added to %(num)d questions.", done.value or 0, topic=topic)
    else:
        status = "retired" if form.action.data == "retire" else "active"
        done = commit_or_report(lambda: editing.set_statuses(current_user, bank, questions, status, now=now, ip=ip))
        if status == "retired":
            message = ngettext("%(num)d question was retired.", "%(num)d questions were retired.", done.value or 0)
        else:
            message = ngettext("%(num)d question was restored.", "%(num)d questions were restored.", done.value or 0)
    if done:
        flash(message if done.value else _("Nothing was changed."), "success" if done.value else "info")
    return redirect(back)

