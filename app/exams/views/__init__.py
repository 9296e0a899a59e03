"""Exam pages: trainers define exams (manage), candidates sit them (take), trainers read results, grade and
regrade (results, marking), collectors practise and keep a wrong-answer book (practice)."""

from flask import Blueprint

from app.exams.states import AttemptState, ExamState, RegradeAction, Release, SubmittedHow

bp = Blueprint("exams", __name__, template_folder="../templates")


@bp.record_once
def _states_in_templates(state) -> None:
    """Templates compare with the members (`exam.status == ExamState.DRAFT`), never the bare values."""
    state.app.jinja_env.globals.update(ExamState=ExamState, AttemptState=AttemptState, Release=Release,
                                       SubmittedHow=SubmittedHow, RegradeAction=RegradeAction)


from app.exams.views import audience, manage, marking, paper_design, practice, results, take  # noqa: E402,F401  (routes register on bp)
