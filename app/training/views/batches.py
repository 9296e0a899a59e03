"""Batch pages: the list, one batch (sessions, timetable, members, status buttons), the batch and session
forms and the batch's .ics. HR and admins change things; trainers read.

Each view: load (404) → check (403) → call the service and commit once (`commit_or_report`) → flash and
redirect. A DomainError goes onto the form field it names (or is flashed for buttons), after a rollback.
"""

from collections import Counter, defaultdict
from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.clock import utcnow
from app.core.downloads import content_disposition
from app.core.integers import whole_number
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.courses.catalog import ensure_courses
from app.courses.lessons import active_trainers
from app.courses.models import Course
from app.extensions import db
from app.training import attendance, calendars, sessions
from app.training import batches as services
from app.training.batch_forms import BatchForm, ButtonForm, SessionForm
from app.training.models import Batch, BatchMember, Seat, TrainingPlan, TrainingSession
from app.training.permissions import PLANNERS, SCHEDULE_READERS, can_plan
from app.training.roll_window import has_started
from app.training.slots import local_bounds
from app.training.states import BatchState, Slot
from app.training.views import bp

MEMBERS_PER_PAGE = 50

TIMETABLE_MAX_DAYS = 62


def _check_buttons() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


def timetable(batch: Batch) -> list[dict]:
    """Rows of the grid: each day of the batch with its morning, afternoon and full-day sessions."""
    by_day = defaultdict(lambda: {Slot.AM: [], Slot.PM: [], Slot.FULL: []})
    for session in batch.sessions:
        by_day[session.day][session.slot].append(session)
    span = (batch.ends_on - batch.starts_on).days + 1
    days = ([batch.starts_on + timedelta(days=n) for n in range(span)] if span <= TIMETABLE_MAX_DAYS
            else sorted(by_day))
    return [{"day": day, **by_day[day]} for day in days]


def session_times(batch_sessions) -> dict[int, tuple]:
    return {session.id: local_bounds(session.day, session.slot) for session in batch_sessions}


# --- Reading -------------------------------------------------------------------------------------

@bp.get("/training/batches")
@allow(*SCHEDULE_READERS)
def batches():
    status = request.args.get("status", "")
    query = db.select(Batch).options(joinedload(Batch.plan)).order_by(Batch.starts_on.desc(), Batch.id.desc())
    if status in set(BatchState):
        query = query.where(Batch.status == status)
    else:
        status = ""
    rows = db.session.scalars(query).unique().all()
    ids = [batch.id for batch in rows]
    members = dict(db.session.execute(db.select(BatchMember.batch_id, func.count()).where(
        BatchMember.batch_id.in_(ids)).group_by(BatchMember.batch_id)).all()) if ids else {}
    counts = dict(db.session.execute(db.select(TrainingSession.batch_id, func.count()).where(
        TrainingSession.batch_id.in_(ids)).group_by(TrainingSession.batch_id)).all()) if ids else {}
    due_counts = Counter(entry.session.batch_id for entry in attendance.due_rolls(utcnow()))
    return render_template("training/batches.html", batches=rows, members=members, session_counts=counts,
                           due_counts=due_counts,
                           status=status, states=list(BatchState), labels=services.STATUS_LABELS,
                           may_plan=can_plan(current_user))


@bp.get("/training/batches/<int:batch_id>")
@allow(*SCHEDULE_READERS)
def batch(batch_id: int):
    """One page of the members (50, by staff number) and each session's seats counted in SQL: a batch of 5,000
    loads 50 people, not 5,000 plus every seat."""
    batch = load_or_404(Batch, batch_id)
    page = max(request.args.get("page", 1, type=whole_number), 1)
    pagination = db.paginate(db.select(BatchMember).join(User, User.id == BatchMember.user_id)
                             .where(BatchMember.batch_id == batch.id).order_by(User.staff_no, BatchMember.id),
                             page=page, per_page=MEMBERS_PER_PAGE, error_out=False)
    seated = dict(db.session.execute(db.select(Seat.session_id, func.count())
                                     .join(TrainingSession, TrainingSession.id == Seat.session_id)
                                     .where(TrainingSession.batch_id == batch.id).group_by(Seat.session_id)).all())
    due = {entry.session.id: entry for entry in attendance.due_rolls(utcnow(), batch_id=batch.id)}
    return render_template("training/batch.html", batch=batch, pagination=pagination, seated=seated,
                           grid=timetable(batch),
                           times=session_times(batch.sessions), labels=services.STATUS_LABELS,
                           actions=services.allowed_actions(batch), action_labels=services.ACTION_LABELS,
                           may_plan=can_plan(current_user), button_form=ButtonForm(), due=due)


@bp.get("/training/batches/<int:batch_id>/calendar.ics")
@allow(*SCHEDULE_READERS)
def batch_calendar(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    return ics_response(calendars.batch_calendar(batch, utcnow()), f"{batch.name}.ics")


def ics_response(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- Batches ---------------------------------------------------------------------------------------

@bp.route("/training/batches/new", methods=["GET", "POST"])
@allow(*PLANNERS)
def new_batch():
    plan = None
    plan_id = request.args.get("plan_id", type=whole_number)
    if plan_id is not None:
        plan = load_or_404(TrainingPlan, plan_id)
    form = BatchForm()
    if form.validate_on_submit():
        created = commit_or_report(lambda: services.create_batch(
            current_user, name=form.name.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            capacity=form.capacity.data, plan=plan, now=utcnow(), ip=client_ip()), form=form)
        if created:
            flash(_("Batch %(batch)s was created.", batch=created.value.name), "success")
            return redirect(url_for("training.batch", batch_id=created.value.id))
    return render_template("training/batch_form.html", form=form, batch=None, plan=plan)


@bp.route("/training/batches/<int:batch_id>/edit", methods=["GET", "POST"])
@allow(*PLANNERS)
def edit_batch(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    form = BatchForm(obj=batch)
    if form.validate_on_submit():
        saved = commit_or_report(lambda: services.update_batch(
            current_user, batch, name=form.name.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            capacity=form.capacity.data, now=utcnow(), ip=client_ip()), form=form)
        if saved:
            changed = saved.value
            flash(_("Batch %(batch)s was saved.", batch=batch.name) if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("training.batch", batch_id=batch.id))
    return render_template("training/batch_form.html", form=form, batch=batch, plan=batch.plan)


@bp.post("/training/batches/<int:batch_id>/delete")
@allow(*PLANNERS)
def delete_batch(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    _check_buttons()
    name = batch.name
    if not commit_or_report(lambda: services.delete_batch(current_user, batch, utcnow(), client_ip())):
        return redirect(url_for("training.batch", batch_id=batch_id))
    flash(_("Batch %(batch)s was deleted.", batch=name), "success")
    return redirect(url_for("training.batches"))


@bp.post("/training/batches/<int:batch_id>/status")
@allow(*PLANNERS)
def batch_status(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    _check_buttons()
    action = request.form.get("action", "")
    if commit_or_report(lambda: services.change_status(current_user, batch, action, utcnow(), client_ip())):
        flash(_("Batch %(batch)s is now %(status)s.", batch=batch.name,
                status=str(services.STATUS_LABELS[batch.status])), "success")
    return redirect(url_for("training.batch", batch_id=batch_id))


# --- Sessions --------------------------------------------------------------------------------------

def _lecturers_for(course_id: int | None, current=None):
    """Select choices: the course's lecturers first (a group), then the other trainers."""
    trainers = active_trainers()
    if current is not None and current not in trainers:
        trainers.append(current)
    course = db.session.get(Course, course_id) if course_id else None
    teaching = [user for user in trainers if course is not None and user in course.lecturers]
    others = [user for user in trainers if user not in teaching]
    return teaching, others


def _session_form_page(batch: Batch, session: TrainingSession | None):
    courses = ensure_courses()
    if session is None:
        default = batch.capacity or len(batch.members) or None
        form = SessionForm(courses=courses, data={"capacity": default, "day": batch.starts_on})
    else:
        form = SessionForm(courses=courses, data={
            "course": session.course_id, "day": session.day, "slot": session.slot, "room": session.room,
            "capacity": session.capacity, "lecturer": session.lecturer_id})
    course_id = request.args.get("course", type=whole_number) or form.course.data or (courses[0].id if courses else None)
    teaching, others = _lecturers_for(course_id, session.lecturer if session else None)
    form.lecturer.choices = _grouped(teaching, others)
    if form.validate_on_submit():
        now = utcnow()
        values = {"course": db.session.get(Course, form.course.data), "day": form.day.data, "slot": form.slot.data,
                  "room": form.room.data, "capacity": form.capacity.data,
                  "lecturer": db.session.get(User, form.lecturer.data), "now": now, "ip": client_ip()}
        if session is None:
            done = commit_or_report(lambda: sessions.add_session(current_user, batch, **values), form=form)
            saved, message = done.value, _("The session was scheduled.")
        else:
            done = commit_or_report(lambda: sessions.update_session(current_user, session, **values), form=form)
            saved, message = session, _("The session was saved.") if done.value else _("Nothing was changed.")
        if done:
            flash(message, "success")
            if has_started(saved, now):
                flash(_("This session had already started when it was scheduled, so nobody could check in or be "
                        "called. It is flagged to %(lecturer)s and the training office until its roll call is "
                        "recorded; until then nobody is counted absent there.", lecturer=saved.lecturer.name),
                      "warning")
            return redirect(url_for("training.batch", batch_id=batch.id) + "#sessions")
    return render_template("training/session_form.html", form=form, batch=batch, session=session)


def _grouped(teaching, others):
    label = lambda user: (user.id, f"{user.name} ({user.staff_no})")  # noqa: E731
    if not teaching:
        return [label(user) for user in others]
    return {_("Lecturers of this course"): [label(user) for user in teaching],
            _("Other trainers"): [label(user) for user in others]}


@bp.route("/training/batches/<int:batch_id>/sessions/new", methods=["GET", "POST"])
@allow(*PLANNERS)
def new_session(batch_id: int):
    return _session_form_page(load_or_404(Batch, batch_id), None)


@bp.route("/training/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@allow(*PLANNERS)
def edit_session(session_id: int):
    session = load_or_404(TrainingSession, session_id)
    return _session_form_page(session.batch, session)


@bp.post("/training/sessions/<int:session_id>/delete")
@allow(*PLANNERS)
def delete_session(session_id: int):
    session = load_or_404(TrainingSession, session_id)
    _check_buttons()
    batch_id = session.batch_id
    if commit_or_report(lambda: sessions.delete_session(current_user, session, utcnow(), client_ip())):
        flash(_("The session was deleted."), "success")
    return redirect(url_for("training.batch", batch_id=batch_id) + "#sessions")
