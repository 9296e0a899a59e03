"""Routes: item analysis of an exam, and of one question across the exams that used it.

Who: a trainer for the exams they own (app.exams.permissions.can_view_exam), HR and administrators for
every exam (read-only). The pages show which option is the key, so staff sitting an exam see nothing of it
until they submit (as on the exam's results pages). A flagged question links to its edit page (for those
who manage its bank) and to the exam's regrade page (for those who may grade the exam).
"""

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.banks import permissions as bank_permissions
from app.banks import registry
from app.banks.forms import type_labels
from app.banks.models import Question
from app.core.loading import load_or_404, require
from app.core.permissions import allow
from app.exams import permissions as exam_permissions
from app.exams.views.loading import viewable_exam
from app.exams.views.results import sitting_notice
from app.extensions import db
from app.reports import item_stats
from app.reports.item_analysis import (
    ItemRow,
    analyse_exam,
    analyse_question,
    exams_in_progress,
    exams_using,
)
from app.reports.permissions import ITEM_READERS, may_read_question
from app.reports.views import bp


def _min_sample() -> int:
    return current_app.config["ITEM_ANALYSIS_MIN_SAMPLE"]


def option_labels(version) -> list[tuple[str, str]]:
    """(letter, text) per original option; true/false: the two answers (the type says)."""
    return registry.get(version.type).analysed_labels(version)


def flag_texts(row: ItemRow) -> list[tuple[str, bool]]:
    """The row's flags in plain words, each with whether it marks a bad question (a small sample does not)."""
    stats = row.stats
    texts = []
    for flag in stats.flags:
        if flag == item_stats.TOO_EASY:
            texts.append((_("Too easy: more than nine in ten candidates got it right."), True))
        elif flag == item_stats.TOO_HARD:
            texts.append((_("Too hard: fewer than one in five candidates got it right."), True))
        elif flag == item_stats.LOW_DISCRIMINATION and stats.discrimination < 0:
            texts.append((_("Weaker candidates did better on it than stronger ones: check the key."), True))
        elif flag == item_stats.LOW_DISCRIMINATION:
            texts.append((_("It hardly separates stronger from weaker candidates (discrimination below 0.2)."), True))
        elif flag == item_stats.DISTRACTOR:
            labels = option_labels(row.version)
            options = ", ".join(labels[o.index][0] for o in stats.options if o.preferred_by_upper)
            texts.append((_("The strongest candidates chose %(options)s more often than the correct answer: "
                            "check the key and the wording.", options=options), True))
        elif flag == item_stats.FEW_ANSWERS:
            texts.append((_("Only %(count)d answers: too few to judge.", count=stats.n), False))
    return texts


def _editable(question_ids) -> set[int]:
    """The questions whose bank the current user manages (one query for the page)."""
    ids = set(question_ids)
    if not ids:
        return set()
    questions = db.session.scalars(db.select(Question).where(Question.id.in_(ids))
                                   .options(selectinload(Question.bank))).all()
    return {q.id for q in questions if bank_permissions.can_manage_bank(current_user, q.bank)}


def _shared() -> dict:
    return {"option_labels": option_labels, "flag_texts": flag_texts, "type_labels": type_labels(),
            "reliability_names": {item_stats.KR20: _("KR-20"), item_stats.ALPHA: _("Cronbach's alpha")}}


@bp.get("/reports/exams/<int:exam_id>/items")
@allow(*ITEM_READERS)
def exam_items(exam_id: int):
    exam = viewable_exam(exam_id)
    notice = sitting_notice(exam)
    if notice is not None:
        return notice
    result = analyse_exam(exam, min_sample=_min_sample())
    return render_template("reports/items/exam.html", **_shared(), exam=exam, result=result,
                           can_grade=exam_permissions.can_grade_exam(current_user, exam),
                           editable=_editable(row.version.question_id for row in result.rows))


@bp.get("/reports/questions/<int:question_id>/items")
@allow(*ITEM_READERS)
def question_items(question_id: int):
    question = load_or_404(Question, question_id)
    exams = exams_using(question)
    require(may_read_question(current_user, question, exams))
    sitting = exams_in_progress(current_user, exams)
    visible = [exam for exam in exams if exam_permissions.can_view_exam(current_user, exam) and exam.id not in sitting]
    result = analyse_question(question, visible, min_sample=_min_sample())
    return render_template("reports/items/question.html", **_shared(), question=question, result=result,
                           hidden=len(exams) - len(visible),
                           can_edit=bank_permissions.can_manage_bank(current_user, question.bank),
                           gradable={exam.id for exam in visible
                                     if exam_permissions.can_grade_exam(current_user, exam)})
