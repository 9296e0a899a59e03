"""Routes: practice (self-study with immediate feedback, never counted) and the wrong-answer book (错题本).

Both show answer keys, so while the collector has an exam attempt running every page here sends them
to their exam list instead (docs/security.md §19).
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired

from app.banks.forms import type_labels
from app.banks.registry import kind_of
from app.core.clock import utcnow
from app.core.i18n import lazy_gettext as _l
from app.core.integers import whole_number, whole_number_or_none
from app.core.permissions import ANY_USER, allow
from app.courses.models import Course
from app.courses.naming import course_name
from app.exams import mistakes as book
from app.exams import practice as service
from app.exams.attempts import has_open_attempt
from app.exams.models import PracticeAnswer
from app.exams.papers import image_data_url
from app.exams.saving import storable
from app.exams.views import bp
from app.extensions import db


class PracticeForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int, validators=[InputRequired()])
    type = SelectField(_l("Question type"), default="")
    topic_id = SelectField(_l("Topic"), default="")
    wrong_only = BooleanField(_l("Only questions I got wrong before"))

    def fill_choices(self, summaries, topics) -> None:
        self.course_id.choices = [(s.course.id, course_name(s.course)) for s in summaries]
        self.type.choices = [("", _("Any type"))] + [(value, str(label)) for value, label in type_labels().items()]
        groups = {course_name(s.course): [(str(t.id), t.name) for t in topics.get(s.course.id, [])]
                  for s in summaries if topics.get(s.course.id)}
        self.topic_id.choices = {"": [("", _("Any topic"))], **groups}

    def to_filter(self) -> service.PracticeFilter:
        topic = self.topic_id.data or ""
        return service.PracticeFilter(course_id=self.course_id.data, type=self.type.data or None,
                                      topic_id=whole_number_or_none(topic),
                                      wrong_only=bool(self.wrong_only.data))


def _grace():
    from datetime import timedelta

    return timedelta(seconds=current_app.config.get("EXAM_GRACE_SECONDS", 30))


def _closed_during_exam():
    """A redirect to the exam list while the user has an attempt running (practice shows keys); else None."""
    if not has_open_attempt(current_user, utcnow(), _grace()):
        return None
    flash(_("Finish your exam first: practice and the wrong-answer book are closed during an exam."), "warning")
    try:
        target = url_for("exams.my_exams")
    except BuildError:
        target = url_for("main.home")
    return redirect(target)


def _filter_args(wanted: service.PracticeFilter) -> dict:
    """The filters as query arguments, so "Next question" keeps them."""
    args = {}
    if wanted.type:
        args["type"] = wanted.type
    if wanted.topic_id is not None:
        args["topic_id"] = wanted.topic_id
    if wanted.wrong_only:
        args["wrong_only"] = "y"
    return args


def _render_home(form, summaries, status=200):
    return render_template("exams/practice/home.html", form=form, summaries=summaries,
                           share=service.PRACTICE_SHARE), status


@bp.get("/practice")
@allow(ANY_USER)
def practice_home():
    closed = _closed_during_exam()
    if closed is not None:
        return closed
    summaries = service.course_overview(current_user)
    form = PracticeForm(formdata=request.args if request.args else None)
    form.fill_choices(summaries, service.course_topics())
    if not request.args and summaries:
        form.course_id.data = summaries[0].course.id
    return _render_home(form, summaries)


@bp.post("/practice/start")
@allow(ANY_USER)
def practice_start():
    closed = _closed_during_exam()
    if closed is not None:
        return closed
    summaries = service.course_overview(current_user)
    form = PracticeForm()
    form.fill_choices(summaries, service.course_topics())
    if not form.validate_on_submit():
        return _render_home(form, summaries, 400)
    wanted = form.to_filter()
    practice = service.start_practice(current_user, wanted, now=utcnow())
    if practice is None:
        flash(_("No question matches these choices. Try another type or topic."), "info")
        return redirect(url_for("exams.practice_home", course_id=wanted.course_id, **_filter_args(wanted)))
    db.session.commit()
    return redirect(url_for("exams.practice_question", practice_id=practice.id, **_filter_args(wanted)))


def _own_practice(practice_id: int) -> PracticeAnswer:
    practice = db.get_or_404(PracticeAnswer, practice_id)
    if practice.user_id != current_user.id:
        abort(404)  # another person's practice does not exist for you
    return practice


def _question_filter(practice: PracticeAnswer) -> service.PracticeFilter:
    topic = request.args.get("topic_id", "")
    wanted_type = request.args.get("type", "")
    return service.PracticeFilter(course_id=practice.course_id,
                                  type=wanted_type if wanted_type in type_labels() else None,
                                  topic_id=whole_number_or_none(topic),
                                  wrong_only=request.args.get("wrong_only") == "y")


@bp.route("/practice/<int:practice_id>", methods=["GET", "POST"])
@allow(ANY_USER)
def practice_question(practice_id: int):
    closed = _closed_during_exam()
    if closed is not None:
        return closed
    practice = _own_practice(practice_id)
    wanted = _question_filter(practice)
    version = practice.version
    kind = kind_of(version.type)
    form = FlaskForm()
    if request.method == "POST" and practice.answered_at is None:
        if not form.validate_on_submit():
            abort(400)
        response = storable(kind.read_response(request.form, "q1"))
        if response is None:
            flash(_("Answer the question first (or take the next one)."), "warning")
        else:
            if service.answer_practice(practice, response, now=utcnow()):
                db.session.commit()
            return redirect(url_for("exams.practice_question", practice_id=practice.id, **_filter_args(wanted)))
    elif request.method == "POST":
        return redirect(url_for("exams.practice_question", practice_id=practice.id, **_filter_args(wanted)))
    image = image_data_url(version)
    answered = practice.answered_at is not None
    return render_template(
        "exams/practice/question.html", practice=practice, version=version, form=form, wanted=wanted,
        view=kind.present(version, practice.option_order or None, image_url=image),
        review=kind.present_review(version, practice.option_order or None, practice.response, image_url=image)
        if answered else None,
        share=service.PRACTICE_SHARE, filter_args=_filter_args(wanted),
    )


@bp.get("/my/mistakes")
@allow(ANY_USER)
def mistakes():
    closed = _closed_during_exam()
    if closed is not None:
        return closed
    courses = db.session.scalars(db.select(Course).order_by(Course.position, Course.id)).all()
    chosen = request.args.get("course_id", type=whole_number)
    if chosen is not None and chosen not in {course.id for course in courses}:
        chosen = None
    groups = book.mistake_book(current_user, now=utcnow(), course_id=chosen)
    return render_template("exams/practice/mistakes.html", groups=groups, courses=courses, chosen=chosen,
                           image_url=image_data_url, course_name=course_name)
