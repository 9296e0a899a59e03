"""Course pages: the four courses, their lessons (self-study material) with attachments and the reader's
progress; lecturers (and administrators) write lessons; administrators and HR choose the lecturers.

Each view: parse → load (404) → check (403) → call the service through commit_or_report (commit once, or roll
back and report) → flash and redirect.
Reading pages never change anything: progress is recorded by the "Mark as finished" button (POST).
"""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.clock import utcnow
from app.core.downloads import content_disposition
from app.core.loading import require
from app.core.markdown import render_markdown
from app.core.net import client_ip
from app.core.permissions import ANY_USER, allow
from app.core.writes import commit_or_report
from app.courses import lessons as services
from app.courses.forms import ActionForm, AttachmentForm, LecturersForm, LessonForm
from app.courses.models import Course, Lesson, LessonAttachment
from app.courses.permissions import LECTURER_CHOOSERS, LESSON_WRITERS, can_edit_course, can_set_lecturers
from app.extensions import db

bp = Blueprint("courses", __name__, template_folder="templates")


def load_course(course_code: str) -> Course:
    course = db.session.scalar(db.select(Course).where(Course.code == course_code))
    if course is None:
        abort(404)
    return course


def load_lesson(course: Course, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != course.id:
        abort(404)
    return lesson


def load_attachment(course: Course, attachment_id: int) -> LessonAttachment:
    attachment = db.session.get(LessonAttachment, attachment_id)
    if attachment is None or attachment.lesson.course_id != course.id:
        abort(404)
    return attachment


def editable_course(course_code: str) -> Course:
    """The course whose lessons the current user may write (404, then 403)."""
    course = load_course(course_code)
    require(can_edit_course(current_user, course))
    return course


def _check_action_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


# --- Reading ---------------------------------------------------------------------------------------

@bp.get("/courses")
@allow(ANY_USER)
def index():
    courses = db.session.scalars(db.select(Course).options(selectinload(Course.lecturers))
                                 .order_by(Course.position, Course.id)).all()
    progress = services.progress_by_course(current_user, courses)
    rows = [(course, progress[course.id]) for course in courses]
    return render_template("courses/index.html", rows=rows, may_set_lecturers=can_set_lecturers(current_user))


@bp.get("/courses/<course_code>")
@allow(ANY_USER)
def course(course_code: str):
    course = load_course(course_code)
    return render_template("courses/course.html", course=course,
                           progress=services.progress_of(current_user, course),
                           marks=services.progress_by_lesson(current_user, course),
                           attachment_counts=services.attachment_counts(course),
                           may_edit=can_edit_course(current_user, course),
                           may_set_lecturers=can_set_lecturers(current_user), action_form=ActionForm())


@bp.get("/courses/<course_code>/lessons/<int:lesson_id>")
@allow(ANY_USER)
def lesson(course_code: str, lesson_id: int):
    course = load_course(course_code)
    lesson = load_lesson(course, lesson_id)
    previous, following = services.neighbours(lesson)
    may_edit = can_edit_course(current_user, course)
    return render_template("courses/lesson.html", course=course, lesson=lesson, html=render_markdown(lesson.body),
                           previous=previous, following=following,
                           progress=services.progress_record(current_user, lesson), may_edit=may_edit,
                           action_form=ActionForm(), upload_form=AttachmentForm() if may_edit else None)


@bp.post("/courses/<course_code>/lessons/<int:lesson_id>/finish")
@allow(ANY_USER)
def finish_lesson(course_code: str, lesson_id: int):
    course = load_course(course_code)
    lesson = load_lesson(course, lesson_id)
    _check_action_form()
    services.mark_finished(current_user, lesson, utcnow())
    db.session.commit()
    flash(_("Lesson %(title)s is marked as finished.", title=lesson.title), "success")
    _previous, following = services.neighbours(lesson)
    if following is not None:
        return redirect(url_for("courses.lesson", course_code=course.code, lesson_id=following.id))
    return redirect(url_for("courses.course", course_code=course.code))


@bp.get("/courses/<course_code>/attachments/<int:attachment_id>")
@allow(ANY_USER)
def attachment(course_code: str, attachment_id: int):
    attachment = load_attachment(load_course(course_code), attachment_id)
    response = make_response(attachment.data)
    response.headers["Content-Type"] = attachment.content_type
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- Writing ---------------------------------------------------------------------------------------

def _save_lesson(course: Course, lesson: Lesson | None, form: LessonForm) -> tuple[Lesson, bool]:
    """Create the lesson, or update it; returns it and whether anything changed."""
    title, body = form.title.data, form.body.data or ""
    if lesson is None:
        return services.create_lesson(current_user, course, title, body, now=utcnow(), ip=client_ip()), True
    return lesson, services.update_lesson(current_user, lesson, title, body, now=utcnow(), ip=client_ip())


def _lesson_form_page(course: Course, lesson: Lesson | None):
    form = LessonForm(obj=lesson)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render_markdown(form.body.data or "")
        else:
            saved = commit_or_report(lambda: _save_lesson(course, lesson, form), form=form)
            if saved:
                lesson, changed = saved.value
                if changed:
                    flash(_("Lesson %(title)s was saved.", title=lesson.title), "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return redirect(url_for("courses.lesson", course_code=course.code, lesson_id=lesson.id))
    return render_template("courses/lesson_form.html", course=course, lesson=lesson, form=form, preview=preview)


@bp.route("/courses/<course_code>/lessons/new", methods=["GET", "POST"])
@allow(*LESSON_WRITERS)
def new_lesson(course_code: str):
    return _lesson_form_page(editable_course(course_code), None)


@bp.route("/courses/<course_code>/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@allow(*LESSON_WRITERS)
def edit_lesson(course_code: str, lesson_id: int):
    course = editable_course(course_code)
    return _lesson_form_page(course, load_lesson(course, lesson_id))


@bp.post("/courses/<course_code>/lessons/<int:lesson_id>/delete")
@allow(*LESSON_WRITERS)
def delete_lesson(course_code: str, lesson_id: int):
    course = editable_course(course_code)
    lesson = load_lesson(course, lesson_id)
    _check_action_form()
    title = lesson.title
    services.delete_lesson(current_user, lesson, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(_("Lesson %(title)s was deleted.", title=title), "success")
    return redirect(url_for("courses.course", course_code=course.code))


@bp.post("/courses/<course_code>/lessons/<int:lesson_id>/move")
@allow(*LESSON_WRITERS)
def move_lesson(course_code: str, lesson_id: int):
    course = editable_course(course_code)
    lesson = load_lesson(course, lesson_id)
    _check_action_form()
    offsets = {"up": -1, "down": 1}
    if request.form.get("direction") not in offsets:
        abort(400)
    if services.move(current_user, lesson, offsets[request.form["direction"]], now=utcnow(), ip=client_ip()):
        db.session.commit()
    return redirect(url_for("courses.course", course_code=course.code))


@bp.post("/courses/<course_code>/lessons/<int:lesson_id>/attachments")
@allow(*LESSON_WRITERS)
def upload_attachment(course_code: str, lesson_id: int):
    course = editable_course(course_code)
    lesson = load_lesson(course, lesson_id)
    form = AttachmentForm()
    back = redirect(url_for("courses.lesson", course_code=course.code, lesson_id=lesson.id) + "#attachments")
    if not form.validate_on_submit():
        for error in (*form.file.errors, *form.form_errors):
            flash(str(error), "danger")
        if not form.file.errors and not form.form_errors:
            flash(_("Choose a file to attach."), "danger")
        return back
    upload = form.file.data
    data = upload.read(services.MAX_ATTACHMENT_BYTES + 1)
    added = commit_or_report(lambda: services.add_attachment(current_user, lesson, upload.filename or "", data,
                                                             now=utcnow(), ip=client_ip()))
    if added:
        flash(_("%(name)s was attached.", name=added.value.filename), "success")
    return back


@bp.post("/courses/<course_code>/attachments/<int:attachment_id>/delete")
@allow(*LESSON_WRITERS)
def delete_attachment(course_code: str, attachment_id: int):
    course = editable_course(course_code)
    attachment = load_attachment(course, attachment_id)
    _check_action_form()
    lesson, name = attachment.lesson, attachment.filename
    services.remove_attachment(current_user, attachment, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(_("%(name)s was removed.", name=name), "success")
    return redirect(url_for("courses.lesson", course_code=course.code, lesson_id=lesson.id) + "#attachments")


@bp.route("/courses/<course_code>/lecturers", methods=["GET", "POST"])
@allow(*LECTURER_CHOOSERS)
def lecturers(course_code: str):
    course = load_course(course_code)
    trainers = services.active_trainers()
    # Lecturers who are no longer active trainers stay listed, so saving does not drop them unseen.
    listed = trainers + [lecturer for lecturer in course.lecturers if lecturer not in trainers]
    form = LecturersForm(trainers=listed, data={"lecturers": [lecturer.id for lecturer in course.lecturers]})
    if form.validate_on_submit():
        chosen = [db.session.get(User, user_id) for user_id in form.lecturers.data or ()]  # listed: no query
        saved = commit_or_report(lambda: services.set_lecturers(current_user, course,
                                                                [user for user in chosen if user is not None],
                                                                now=utcnow(), ip=client_ip()), form=form)
        if saved:
            if saved.value:
                flash(_("The lecturers of %(name)s were saved.", name=course.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("courses.course", course_code=course.code))
    return render_template("courses/lecturers.html", form=form, course=course)
