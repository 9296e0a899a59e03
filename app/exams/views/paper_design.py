"""The trainer's paper blueprint pages: the rules and fixed questions with live pool feedback (JSON for
blueprint.js) and a sample paper drawn the way a candidate's would be; plus what the overview shows of the blueprint.
"""

import secrets
from decimal import Decimal

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.banks.forms import DIFFICULTY_LABELS, type_labels
from app.banks.models import Bank, Question, QuestionVersion, Topic, question_topics
from app.banks.permissions import can_see_keys
from app.banks.registry import kind_of
from app.banks.views.loading import image_url
from app.core.clock import utcnow
from app.core.integers import whole_number
from app.core.loading import require
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.exams import assembly, permissions, services
from app.exams.attempts import plan_paper
from app.exams.forms import EMPTY_RULE_ROWS, RELEASE_LABELS, STATUS_LABELS, BlueprintForm, fixed_text, rule_data
from app.exams.models import Exam
from app.exams.papers import image_data_url
from app.exams.permissions import EXAM_MAKERS
from app.exams.pools import RuleFilter, exposed_question_ids, fixed_questions, pool, rule_report
from app.exams.states import ExamState
from app.exams.views import bp
from app.exams.views.loading import managed_exam
from app.extensions import db

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
@allow(*EXAM_MAKERS)
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
        if fixed is not None and commit_or_report(
                lambda: services.set_blueprint(current_user, exam, form.used_rules(), fixed, now=utcnow(),
                                               ip=client_ip()), form=form):
            flash(_("The paper blueprint was saved."), "success")
            return redirect(url_for("exams.blueprint", exam_id=exam.id))
    return render_template("exams/manage/blueprint.html", form=form, editable=editable, access=access,
                           **page_context(exam))


@bp.get("/exams/<int:exam_id>/pool", endpoint="pool")
@allow(*EXAM_MAKERS)
def pool_size(exam_id: int):
    """Live feedback for one rule row: how many questions its filters match (JSON for blueprint.js).

    Only for the banks the blueprint form offers this user: the sizes of other trainers' banks are theirs."""
    exam = managed_exam(exam_id)
    args = request.args
    low = min(max(args.get("difficulty_min", 1, type=whole_number), 1), 5)
    high = min(max(args.get("difficulty_max", 5, type=whole_number), 1), 5)
    rule = RuleFilter(bank_id=args.get("bank", None, type=whole_number), type=args.get("type") or None,
                      topic_ids=tuple(args.getlist("topics", type=whole_number)), difficulty_min=low, difficulty_max=high)
    require(blueprint_access(exam).offers(rule.bank_id))
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
@allow(*EXAM_MAKERS)
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


