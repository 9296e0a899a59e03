"""Attendance pages: the lecturer's roll call and check-in code screen (with a QR code), collectors'
check-in, a batch's attendance figures, proposing a make-up batch (补训), and HR's attendance waivers.

Each view: load (404) → check (403) → call the service and commit once (`commit_or_report`) → flash and
redirect; a DomainError is rolled back and shown on the form.
"""

import segno
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from app.accounts.models import User
from app.accounts.services import find_by_staff_no
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.integers import whole_number
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import ANY_USER, allow
from app.core.writes import commit_or_report
from app.courses.catalog import ensure_courses, find_course
from app.courses.models import Course
from app.courses.naming import course_name as course_label
from app.extensions import db, limiter
from app.training import attendance, checkin, eligibility, makeup
from app.training.attendance import SLOT_LABELS, STATUS_LABELS
from app.training.attendance_forms import ActionForm, CheckinForm, MakeupForm, RollForm, WaiverForm
from app.training.models import AttendanceWaiver, Batch, TrainingSession
from app.training.permissions import PLANNERS, SCHEDULE_READERS, can_plan, can_take_attendance
from app.training.roll_window import lecturer_deadline, local_text, window_of
from app.training.states import AttendanceState
from app.training.views import bp


def _batch_url(batch_id: int) -> str:
    """The batch page (another part of training); its path if that page is not registered."""
    try:
        return url_for("training.batch", batch_id=batch_id)
    except BuildError:
        return f"/training/batches/{batch_id}"


# --- Roll call -------------------------------------------------------------------------------------

def _roll_entries() -> dict[int, tuple[str, str]]:
    """status-<id> / note-<id> fields; "rest_present" marks everyone left unmarked present."""
    entries = {}
    for key, status in request.form.items():
        if key.startswith("status-") and status:
            try:
                user_id = int(key.removeprefix("status-"))
            except ValueError:
                abort(400)
            entries[user_id] = (status, request.form.get(f"note-{user_id}", ""))
    return entries


@bp.route("/training/sessions/<int:session_id>/roll", methods=["GET", "POST"])
@allow(*SCHEDULE_READERS)
def roll(session_id: int):
    session = load_or_404(TrainingSession, session_id, allowed=can_take_attendance)
    now = utcnow()
    form = RollForm()
    holders = attendance.seat_holders(session)
    submitted = None
    status_code = 200
    if form.validate_on_submit():
        entries = _roll_entries()
        if request.form.get("action") == "rest_present":
            for user in holders:
                entries.setdefault(user.id, (AttendanceState.PRESENT, request.form.get(f"note-{user.id}", "")))
        # RollForm has no fields, so a refusal is shown for the form as a whole.
        done = commit_or_report(lambda: attendance.record_roll(current_user, session, entries, now=now,
                                                               ip=client_ip(), reason=request.form.get("reason", "")),
                                form=form)
        if done:
            if done.value:
                flash(ngettext("Attendance saved: %(num)d change.", "Attendance saved: %(num)d changes.",
                               len(done.value)), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("training.roll", session_id=session.id))
        submitted, status_code = entries, done.error.status_code
    elif request.method == "POST":
        abort(400)
    records = attendance.records_of(session)
    window = window_of(session)
    refusal = attendance.late_roll_refusal(current_user, session, now)
    return render_template("training/roll.html", session=session, holders=holders, records=records,
                           counts=attendance.counts(session), submitted=submitted, form=form,
                           states=list(AttendanceState), status_labels=STATUS_LABELS, slot_labels=SLOT_LABELS,
                           course_name=course_label(session.course), max_note=attendance.MAX_NOTE,
                           window=window, phase=window.phase(now), held=attendance.is_held(session, now),
                           late_refusal=refusal.message if refusal else None,
                           lecturer_deadline=local_text(lecturer_deadline(session)),
                           may_plan=can_plan(current_user), max_reason=attendance.MAX_LATE_REASON), status_code


# --- The lecturer's code screen ----------------------------------------------------------------------

def _code_payload(session: TrainingSession, code, now) -> dict:
    url = url_for("training.checkin", code=code.code, _external=True)
    return {
        "code": code.code,
        "expires_at": code.expires_at.isoformat(),
        "seconds_left": max(0, int((code.expires_at - now).total_seconds())),
        "qr": segno.make(url, error="m").svg_data_uri(scale=8, border=2),
        "url": url,
        "checked_in": checkin.checked_in_count(session),
        "seated": len(session.seats),
    }


@bp.get("/training/sessions/<int:session_id>/code")
@allow(*SCHEDULE_READERS)
def checkin_code(session_id: int):
    session = load_or_404(TrainingSession, session_id, allowed=can_take_attendance)
    now = utcnow()
    closed = checkin.code_window_error(session, now)
    payload = None
    if closed is None:
        code = checkin.current_code(current_user, session, now=now, ip=client_ip())
        db.session.commit()
        payload = _code_payload(session, code, now)
    return render_template("training/checkin_code.html", session=session, payload=payload,
                           closed=closed.message if closed else None, slot_labels=SLOT_LABELS,
                           course_name=course_label(session.course))


@bp.get("/training/sessions/<int:session_id>/code.json")
@allow(*SCHEDULE_READERS)
def checkin_code_json(session_id: int):
    session = load_or_404(TrainingSession, session_id, allowed=can_take_attendance)
    now = utcnow()
    try:
        code = checkin.current_code(current_user, session, now=now, ip=client_ip())
    except DomainError as error:
        db.session.rollback()
        return jsonify(error={"status": 409, "message": str(error.message)}), 409
    db.session.commit()
    return jsonify(_code_payload(session, code, now))


# --- Collectors check in ------------------------------------------------------------------------------

def _checkin_key() -> str:
    user_id = current_user.get_id() if current_user.is_authenticated else None
    return f"checkin:{user_id}" if user_id else f"checkin-ip:{client_ip()}"


@bp.route("/training/checkin", methods=["GET", "POST"], endpoint="checkin")
@allow(ANY_USER)
@limiter.limit(lambda: current_app.config["CHECKIN_LIMIT"], key_func=_checkin_key,
               methods=["POST"], scope="checkin")
def checkin_page():
    form = CheckinForm() if request.method == "POST" else CheckinForm(code=request.args.get("code", "")[:32])
    status_code = 200
    if form.validate_on_submit():
        now = utcnow()
        try:
            done = commit_or_report(lambda: checkin.check_in(current_user, form.code.data, now=now), form=form)
        except IntegrityError:  # a second tap of the same code raced the first
            db.session.rollback()
            form.code.errors = [*form.code.errors, _("You are already recorded for this session.")]
            status_code = 409
        else:
            if done:
                row = done.value
                session = db.session.get(TrainingSession, row.session_id)
                flash(_("Checked in: %(course)s, %(day)s %(slot)s, at %(time)s (%(status)s).",
                        course=course_label(session.course), day=session.day.isoformat(),
                        slot=SLOT_LABELS[session.slot], time=attendance.local_time(now),
                        status=attendance.STATUS_WORDS[row.status]),
                      "success" if row.status == AttendanceState.PRESENT else "warning")
                return redirect(url_for("training.checkin"))
            status_code = done.error.status_code
    elif request.method == "POST":
        status_code = 400
    return render_template("training/checkin.html", form=form), status_code


# --- A batch's figures, make-up batch ---------------------------------------------------------------

@bp.get("/training/batches/<int:batch_id>/attendance")
@allow(*SCHEDULE_READERS)
def batch_attendance(batch_id: int):
    batch = load_or_404(Batch, batch_id)
    now = utcnow()
    counts = attendance.counts_by_session(batch.sessions)
    rows = [(session, counts[session.id], attendance.is_held(session, now),
             can_take_attendance(current_user, session)) for session in batch.sessions]
    courses = {course.code: course for course in attendance.batch_courses(batch)}
    due = {entry.session.id: entry for entry in attendance.due_rolls(now, batch_id=batch.id)}
    return render_template("training/batch_attendance.html", batch=batch, rows=rows, due=due,
                           rates=attendance.rates(batch, now), absentees=attendance.absentees(batch, now),
                           course_names={code: course_label(c) for code, c in courses.items()},
                           may_plan=can_plan(current_user), batch_url=_batch_url(batch.id),
                           slot_labels=SLOT_LABELS, status_labels=STATUS_LABELS, states=list(AttendanceState),
                           course_label=course_label)


@bp.route("/training/batches/<int:batch_id>/makeup", methods=["GET", "POST"])
@allow(*PLANNERS)
def new_makeup_batch(batch_id: int):
    original = load_or_404(Batch, batch_id)
    now = utcnow()
    missed = attendance.absentees(original, now)
    picks = [f"{user.id}:{code}" for user, codes in missed for code in codes]
    if request.method == "POST":
        form = MakeupForm(picks=picks)
    else:
        form = MakeupForm(picks=picks, name=makeup.default_name(original), data={"picks": picks})
    status_code = 200
    if form.validate_on_submit():
        done = commit_or_report(lambda: makeup.create_makeup_batch(
            current_user, original, name=form.name.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            people=form.people(), now=now, ip=client_ip()), form=form)
        if done:
            flash(_("Make-up batch %(name)s was created. Add its sessions next.", name=done.value.name), "success")
            return redirect(_batch_url(done.value.id))
        status_code = done.error.status_code
    elif request.method == "POST":
        status_code = 400
    courses = {course.code: course_label(course) for course in attendance.batch_courses(original)}
    return render_template("training/makeup_form.html", original=original, form=form, missed=missed,
                           course_names=courses, chosen=set(form.picks.data or [])), status_code


# --- Waivers --------------------------------------------------------------------------------------

def _course_choices() -> list[tuple[str, str]]:
    return [(course.code, course_label(course)) for course in ensure_courses()]


@bp.route("/training/waivers", methods=["GET", "POST"])
@allow(*PLANNERS)
def waivers():
    choices = _course_choices()
    if request.method == "POST":
        form = WaiverForm(courses=choices)
    else:
        form = WaiverForm(courses=choices, staff_no=request.args.get("staff_no", "")[:32],
                          course=request.args.get("course", ""))
    status_code = 200
    if form.validate_on_submit():
        user = find_by_staff_no(form.staff_no.data)
        course = find_course(form.course.data)
        if user is None:
            form.staff_no.errors = [*form.staff_no.errors, _("No one has staff number %(staff_no)s.",
                                                             staff_no=form.staff_no.data)]
            status_code = 400
        else:
            done = commit_or_report(lambda: eligibility.grant_waiver(current_user, user, course, form.reason.data,
                                                                     now=utcnow(), ip=client_ip()), form=form)
            if not done:
                status_code = done.error.status_code
            else:
                flash(_("%(name)s (%(staff_no)s) may sit the exams of %(course)s whatever their attendance.",
                        name=user.name, staff_no=user.staff_no, course=course_label(course)), "success")
                return redirect(url_for("training.waivers"))
    elif request.method == "POST":
        status_code = 400
    rows = db.session.execute(
        select(AttendanceWaiver, User, Course).join(User, User.id == AttendanceWaiver.user_id)
        .join(Course, Course.id == AttendanceWaiver.course_id)
        .order_by(AttendanceWaiver.granted_at.desc(), AttendanceWaiver.id.desc())
    ).all()
    granters = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({w.granted_by_id for w, _u, _c in rows if w.granted_by_id})))}
    return render_template("training/waivers.html", form=form, rows=rows, granters=granters,
                           action_form=ActionForm(), course_label=course_label), status_code


@bp.post("/training/waivers/revoke")
@allow(*PLANNERS)
def revoke_waiver():
    if not ActionForm().validate_on_submit():
        abort(400)
    waiver_id = request.form.get("waiver_id", type=whole_number)
    if waiver_id is None:
        abort(400)
    waiver = load_or_404(AttendanceWaiver, waiver_id)
    user, course = db.session.get(User, waiver.user_id), db.session.get(Course, waiver.course_id)
    eligibility.revoke_waiver(current_user, waiver, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(_("The waiver of %(name)s (%(staff_no)s) for %(course)s was revoked.", name=user.name,
            staff_no=user.staff_no, course=course_label(course)), "success")
    return redirect(url_for("training.waivers"))
