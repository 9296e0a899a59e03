"""The trainer's exam pages: the list, settings, the paper blueprint with live pool feedback, a sample
paper, candidates, state changes (publish, back to draft, close, archive) and make-up exams (补考).

Each view: load the exam (404) → check with app.exams.permissions (403) → call the service → commit once
→ flash and redirect. A DomainError goes onto the form field it names, after a rollback. HR reads the
list and the overview, never a form.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.banks.browsing import course_choices
from app.banks.forms import DIFFICULTY_LABELS, type_labels
from app.banks.models import Bank, Question, QuestionVersion, Topic, question_topics
from app.banks.permissions import can_see_keys
from app.banks.registry import kind_of
from app.banks.views.loading import image_url
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.forms import add_domain_error
from app.core.integers import whole_number
from app.core.net import client_ip
from app.core.permissions import allow
from app.courses.catalog import ensure_courses, find_course
from app.exams import assembly, permissions, services
from app.exams.attempts import plan_paper
from app.exams.audience import audience_clause, audience_users, needing_makeup
from app.exams.forms import (
    EMPTY_RULE_ROWS,
    RELEASE_LABELS,
    STATUS_LABELS,
    ActionForm,
    AudienceForm,
    BlueprintForm,
    ExamFilterForm,
    ExamSettingsForm,
    NewExamForm,
    fixed_text,
    rule_data,
    settings_data,
    split_tokens,
    to_local,
)
from app.exams.models import Attempt, Exam
from app.exams.papers import image_data_url
from app.exams.pools import RuleFilter, exposed_question_ids, fixed_questions, pool, rule_report
from app.exams.states import ExamState
from app.exams.views import bp
from app.exams.views.loading import managed_exam, viewable_exam
from app.extensions import db
from app.org.models import Station
from app.training.models import Batch

SAMPLE_DRAWS = 20


# --- Read-only facts the pages show -----------------------------------------------------------

def course_banks(exam: Exam) -> list[Bank]:
    return list(db.session.scalars(select(Bank).where(Bank.course_id == exam.course_id).order_by(Bank.name)))


def course_topics(exam: Exam) -> list[Topic]:
    """Topics used by questions of the course's banks: the ones a rule can usefully filter by."""
    return list(db.session.scalars(
        select(Topic).join(question_topics, question_topics.c.topic_id == Topic.id)
        .join(Question, Question.id == question_topics.c.question_id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Bank.course_id == exam.course_id).distinct().order_by(Topic.name)
    ))


def attempt_counts(exam_ids: list[int]) -> dict[int, int]:
    if not exam_ids:
        return {}
    rows = db.session.execute(select(Attempt.exam_id, func.count()).where(Attempt.exam_id.in_(exam_ids))
                              .group_by(Attempt.exam_id))
    return dict(rows.all())


def rule_reports(exam: Exam) -> list:
    """Each saved rule's pool: how many questions match, how many earlier exams did not use."""
    exposed = exposed_question_ids(exam)
    return [rule_report(exam, RuleFilter.of(rule), rule.count, exposed) for rule in exam.rules]


def target(exam: Exam) -> float:
    """The blueprint's difficulty: what a uniform draw would average (app.exams.assembly)."""
    rules = [assembly.RuleDraw(pool(exam.course_id, RuleFilter.of(rule)), rule.count, rule.points_each)
             for rule in exam.rules]
    return assembly.target_difficulty(rules, fixed_questions(exam))


def page_context(exam: Exam) -> dict:
    """What the overview and the blueprint page both show about the blueprint."""
    total = services.total_points(exam)
    return {"exam": exam, "total": total, "reports": rule_reports(exam), "problems": services.blueprint_problems(exam),
            "target": target(exam) if exam.rules or exam.fixed else None, "type_labels": type_labels(),
            "difficulty_labels": DIFFICULTY_LABELS, "topic_names": {t.id: t.name for t in course_topics(exam)},
            "status_labels": STATUS_LABELS, "release_labels": RELEASE_LABELS}


# --- The list ---------------------------------------------------------------------------------

@bp.get("/exams/")
@allow(Role.ADMIN, Role.TRAINER, Role.HR)
def index():
    form = ExamFilterForm(formdata=request.args, courses=course_choices())
    form.validate()
    exams = services.exams_for(current_user)
    if form.status.data and not form.status.errors:
        exams = [exam for exam in exams if exam.status == form.status.data]
    if form.course.data and not form.course.errors:
        exams = [exam for exam in exams if exam.course.code == form.course.data]
    return render_template("exams/manage/index.html", form=form, exams=exams,
                           candidates={exam.id: len(audience_users(exam)) for exam in exams},
                           attempts=attempt_counts([exam.id for exam in exams]), status_labels=STATUS_LABELS,
                           may_create=permissions.can_create_exam(current_user))


# --- Settings ---------------------------------------------------------------------------------

def _default_window() -> dict:
    """Tomorrow 09:00–11:00 local time, a 60-minute exam: a sensible start for the form."""
    start = (to_local(utcnow()) + timedelta(days=1)).replace(hour=9, minute=0)
    return {"opens_at": start, "closes_at": start + timedelta(hours=2), "duration_minutes": 60,
            "pass_mark": Decimal(60)}


@bp.route("/exams/new", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def new():
    if not permissions.can_create_exam(current_user):
        abort(403)
    form = NewExamForm(courses=course_choices(), data={"course": request.args.get("course", ""),
                                                       **_default_window()})
    if form.validate_on_submit():
        ensure_courses()
        try:
            exam = services.create_exam(current_user, find_course(form.course.data), form.settings(),
                                        now=utcnow(), ip=client_ip())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Exam %(title)s was created. Now choose the questions of its paper.", title=exam.title),
                  "success")
            return redirect(url_for("exams.blueprint", exam_id=exam.id))
    return render_template("exams/manage/settings.html", form=form, exam=None)


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def edit(exam_id: int):
    exam = managed_exam(exam_id)
    if exam.status == ExamState.ARCHIVED:
        flash(_("An archived exam cannot be changed."), "warning")
        return redirect(url_for("exams.detail", exam_id=exam.id))
    form = ExamSettingsForm(data=settings_data(exam), frozen=exam.frozen_at is not None)
    if form.validate_on_submit():
        try:
            changed = services.update_exam(current_user, exam, form.settings(), now=utcnow(), ip=client_ip())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The settings were saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("exams.detail", exam_id=exam.id))
    return render_template("exams/manage/settings.html", form=form, exam=exam)


# --- Overview ---------------------------------------------------------------------------------

@bp.get("/exams/<int:exam_id>")
@allow(Role.ADMIN, Role.TRAINER, Role.HR)
def detail(exam_id: int):
    exam = viewable_exam(exam_id)
    links = {name: url_for(f"exams.{name}", exam_id=exam.id)
             for name in ("results", "candidates", "grading", "questions")}
    return render_template("exams/manage/detail.html", **page_context(exam), action_form=ActionForm(),
                           may_manage=permissions.can_manage_exam(current_user, exam), links=links,
                           candidates=audience_users(exam), attempts=attempt_counts([exam.id]).get(exam.id, 0),
                           makeups=list(db.session.scalars(select(Exam).where(Exam.makeup_of_id == exam.id))))


# --- Blueprint --------------------------------------------------------------------------------

def blueprint_access(exam: Exam) -> permissions.BlueprintAccess:
    """The banks and questions the signed-in user may put in this exam's blueprint."""
    return permissions.blueprint_access(current_user, exam, course_banks(exam))


def _fixed_questions(form: BlueprintForm, exam: Exam,
                     access: permissions.BlueprintAccess) -> list[tuple[int, Decimal | None]] | None:
    """The typed fixed questions; None (with the bad entries named on the field) if any is wrong.

    A question of another course, or of a bank whose keys the user may not see, gets the same answer as
    one that does not exist: the entry is named, nothing is saved."""
    fixed, bad = [], []
    for token, question_id, points in form.fixed_entries():
        question = db.session.get(Question, question_id) if question_id is not None else None
        if (question is None or question.bank.course_id != exam.course_id or not access.may_fix(question)
                or (points is not None and points <= 0)):
            bad.append(token)
        else:
            fixed.append((question_id, points))
    if bad:
        form.fixed.errors = [*form.fixed.errors, _(
            "Not a question of this course from a bank you may use (or not a positive number of points): "
            "%(entries)s", entries=", ".join(bad))]
        return None
    return fixed


@bp.route("/exams/<int:exam_id>/blueprint", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def blueprint(exam_id: int):
    exam = managed_exam(exam_id)
    editable = exam.frozen_at is None and exam.status != ExamState.ARCHIVED
    rows = [rule_data(rule) for rule in exam.rules] + [{}] * EMPTY_RULE_ROWS
    form = BlueprintForm(data={"rules": rows, "fixed": fixed_text(exam)})
    access = blueprint_access(exam)
    form.setup(access, course_topics(exam))
    if request.method == "POST" and not editable:
        flash(_("Candidates have started this exam: its paper blueprint can no longer change."), "danger")
        return redirect(url_for("exams.blueprint", exam_id=exam.id))
    if form.validate_on_submit():
        fixed = _fixed_questions(form, exam, access)
        if fixed is not None:
            try:
                services.set_blueprint(current_user, exam, form.used_rules(), fixed, now=utcnow(), ip=client_ip())
            except DomainError as error:
                db.session.rollback()
                add_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("The paper blueprint was saved."), "success")
                return redirect(url_for("exams.blueprint", exam_id=exam.id))
    return render_template("exams/manage/blueprint.html", form=form, editable=editable, access=access,
                           **page_context(exam))


@bp.get("/exams/<int:exam_id>/pool", endpoint="pool")
@allow(Role.ADMIN, Role.TRAINER)
def pool_size(exam_id: int):
    """Live feedback for one rule row: how many questions its filters match (JSON for blueprint.js).

    Only for the banks the blueprint form offers this user: the sizes of other trainers' banks are theirs."""
    exam = managed_exam(exam_id)
    args = request.args
    low = min(max(args.get("difficulty_min", 1, type=whole_number), 1), 5)
    high = min(max(args.get("difficulty_max", 5, type=whole_number), 1), 5)
    rule = RuleFilter(bank_id=args.get("bank", None, type=whole_number), type=args.get("type") or None,
                      topic_ids=tuple(args.getlist("topics", type=whole_number)), difficulty_min=low, difficulty_max=high)
    if not blueprint_access(exam).offers(rule.bank_id):
        abort(403)
    count = max(args.get("count", 0, type=whole_number), 0)
    report = rule_report(exam, rule, count, exposed_question_ids(exam))
    message = _("%(size)d questions match (%(unexposed)d not used in earlier exams).", size=report.size,
                unexposed=report.unexposed)
    if low > high:
        message = _("The highest difficulty must not be below the lowest.")
    warning = _("Too few: the rule draws %(count)d.", count=count) if report.short_by else ""
    return jsonify(size=report.size, unexposed=report.unexposed, count=count, short_by=report.short_by,
                   message=message, warning=warning)


# --- A sample paper ---------------------------------------------------------------------------

def _sample_paper(exam: Exam, seed: int, viewer) -> list[dict]:
    """The paper `seed` draws, each question as a trainer reads it: with the key and the explanation when
    `viewer` may see its bank's keys (can_see_keys), otherwise as a candidate sees it, naming the bank."""
    items = plan_paper(exam, seed)
    versions = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_([item.version_id for item in items])))}
    shown = []
    for item in items:
        version = versions[item.version_id]
        bank = version.question.bank
        kind = kind_of(version.type)
        if can_see_keys(viewer, bank):
            review = kind.present_review(version, item.option_order, None, image_url=image_url(version))
            shown.append({"item": item, "question": review.question, "review": review, "bank": bank})
        else:
            question = kind.present(version, item.option_order, image_url=image_data_url(version))
            shown.append({"item": item, "question": question, "review": None, "bank": bank})
    return shown


def _spread(exam: Exam, draws: int = SAMPLE_DRAWS) -> dict:
    """Mean difficulty of `draws` random papers: min, mean and max, to compare with the target."""
    means = []
    for _draw in range(draws):
        items = plan_paper(exam, secrets.randbits(31))
        if items:
            means.append(sum(item.difficulty for item in items) / len(items))
    if not means:
        return {}
    return {"min": min(means), "mean": sum(means) / len(means), "max": max(means), "draws": len(means)}


@bp.get("/exams/<int:exam_id>/preview")
@allow(Role.ADMIN, Role.TRAINER)
def preview(exam_id: int):
    exam = managed_exam(exam_id)
    seed = request.args.get("seed", type=whole_number)
    seed = seed if seed is not None else secrets.randbits(31)
    paper, spread, error = [], {}, None
    try:
        paper = _sample_paper(exam, seed, current_user)
        spread = _spread(exam)
    except assembly.PoolTooSmall as too_small:
        error = _("Rule %(rule)d needs %(needed)d questions and only %(available)d are available.",
                  rule=too_small.rule_index + 1, needed=too_small.needed, available=too_small.available)
    return render_template("exams/manage/preview.html", exam=exam, seed=seed, paper=paper, spread=spread,
                           error=error, target=target(exam) if exam.rules or exam.fixed else None,
                           tolerance=assembly.TOLERANCE)


# --- Candidates -------------------------------------------------------------------------------

def _people(text: str | None) -> tuple[list[int], list[str]]:
    """User ids for typed staff numbers (case-insensitive), and the numbers nobody has."""
    numbers = list(dict.fromkeys(token.casefold() for token in split_tokens(text)))
    found = dict(db.session.execute(select(User.staff_no, User.id).where(User.staff_no.in_(numbers))).all())
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]


@bp.route("/exams/<int:exam_id>/audience", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def audience(exam_id: int):
    exam = managed_exam(exam_id)
    stations = list(db.session.scalars(select(Station).where(Station.active.is_(True)).order_by(Station.name)))
    teams = [team for station in stations for team in station.teams if team.active]
    entries = exam.audience
    chosen_batches = {e.batch_id for e in entries if e.batch_id}
    batches = db.session.scalars(select(Batch).where(or_(Batch.status != "planning", Batch.id.in_(chosen_batches)))
                                 .order_by(Batch.starts_on.desc(), Batch.id)).all()
    form = AudienceForm(stations=stations, teams=teams, batches=batches, data={
        "stations": [e.station_id for e in entries if e.station_id],
        "teams": [e.team_id for e in entries if e.team_id],
        "batches": sorted(chosen_batches),
        "people": "\n".join(e.user.staff_no for e in entries if e.user_id)})
    editable = exam.makeup_of_id is None and exam.status != ExamState.ARCHIVED
    if request.method == "POST" and not editable:
        abort(409)
    if editable and form.validate_on_submit():
        user_ids, unknown = _people(form.people.data)
        if unknown:
            form.people.errors = [*form.people.errors,
                                  _("Unknown staff numbers: %(numbers)s", numbers=", ".join(unknown))]
        else:
            try:
                services.set_audience(current_user, exam, station_ids=form.stations.data or [],
                                      team_ids=form.teams.data or [], user_ids=user_ids,
                                      batch_ids=form.batches.data or [], now=utcnow(), ip=client_ip())
            except DomainError as error:
                db.session.rollback()
                add_domain_error(form, error)
            else:
                db.session.commit()
                count = len(audience_users(exam))
                flash(ngettext("The candidates were saved: %(num)d person may sit the exam.",
                               "The candidates were saved: %(num)d people may sit the exam.", count), "success")
                return redirect(url_for("exams.audience", exam_id=exam.id))
    return render_template("exams/manage/audience.html", exam=exam, form=form, editable=editable,
                           candidates=audience_users(exam))


# --- State changes ----------------------------------------------------------------------------

def _change_state(exam_id: int, change, done):
    """Run one state change from a button: CSRF checked, domain errors flashed, back to the overview.

    `change(exam)` calls the service; `done(result)` says what happened."""
    exam = managed_exam(exam_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = change(exam)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        if exam.status == ExamState.DRAFT:  # publishing: say everything that is missing, not just the first
            for problem in services.blueprint_problems(exam)[1:]:
                flash(str(problem), "danger")
    else:
        db.session.commit()
        flash(done(result), "success")
    return redirect(url_for("exams.detail", exam_id=exam.id))


@bp.post("/exams/<int:exam_id>/publish")
@allow(Role.ADMIN, Role.TRAINER)
def publish(exam_id: int):
    return _change_state(exam_id, lambda exam: services.publish(current_user, exam, now=utcnow(), ip=client_ip()),
                         lambda _result: _("The exam was published: its candidates can see it."))


@bp.post("/exams/<int:exam_id>/unpublish")
@allow(Role.ADMIN, Role.TRAINER)
def unpublish(exam_id: int):
    return _change_state(exam_id, lambda exam: services.unpublish(current_user, exam, now=utcnow(),
                                                                  ip=client_ip()),
                         lambda _result: _("The exam is a draft again."))


@bp.post("/exams/<int:exam_id>/close")
@allow(Role.ADMIN, Role.TRAINER)
def close(exam_id: int):
    grace = timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])
    return _change_state(exam_id, lambda exam: services.close(current_user, exam, now=utcnow(), ip=client_ip(),
                                                              grace=grace),
                         lambda closed: ngettext(
                             "The exam was closed; %(num)d open attempt was submitted with its saved answers.",
                             "The exam was closed; %(num)d open attempts were submitted with their saved answers.",
                             closed))


@bp.post("/exams/<int:exam_id>/archive")
@allow(Role.ADMIN, Role.TRAINER)
def archive(exam_id: int):
    return _change_state(exam_id, lambda exam: services.archive(current_user, exam, now=utcnow(), ip=client_ip()),
                         lambda _result: _("The exam was archived."))


# --- Make-up exams (补考) -----------------------------------------------------------------------

def _makeup_data(original: Exam) -> dict:
    """The original's settings, titled "… 补考", opening a week after it closes, with the same window length."""
    data = settings_data(original)
    opens = to_local(max(original.closes_at, utcnow()) + timedelta(days=7)).replace(minute=0)
    data.update(title=_("%(title)s make-up", title=original.title), opens_at=opens,
                closes_at=opens + (original.closes_at - original.opens_at))
    return data


def makeup_candidates(original: Exam) -> list[User]:
    """Who the make-up exam would admit: the original's candidates who failed or were absent."""
    users = db.session.scalars(select(User).where(audience_clause(original)).order_by(User.staff_no)).all()
    return needing_makeup(list(users), original)


@bp.route("/exams/<int:exam_id>/makeup", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def makeup(exam_id: int):
    original = managed_exam(exam_id)
    refused = None
    if original.makeup_of_id is not None:
        refused = _("Make a make-up exam from the original exam, not from another make-up exam.")
    elif original.status == ExamState.DRAFT:
        refused = _("Publish the original exam before making a make-up exam for it.")
    form = ExamSettingsForm(data=_makeup_data(original))
    if refused is None and form.validate_on_submit():
        try:
            exam = services.create_makeup(current_user, original, form.settings(), now=utcnow(), ip=client_ip())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Make-up exam %(title)s was created with the original's paper blueprint.", title=exam.title),
                  "success")
            return redirect(url_for("exams.detail", exam_id=exam.id))
    elif refused is not None and request.method == "POST":
        abort(409)
    return render_template("exams/manage/makeup.html", original=original, form=form, refused=refused,
                           candidates=makeup_candidates(original) if refused is None else [])
