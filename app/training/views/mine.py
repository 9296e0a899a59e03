"""The signed-in person's own training: their published batches, the sessions they hold a seat in (upcoming
first, then past, with attendance where recorded), attendance per course, their .ics calendar to download and
their subscription link (app.training.views.subscription)."""

from collections import defaultdict

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import utcnow
from app.core.permissions import ANY_USER, allow
from app.extensions import db
from app.training import calendar_links, calendars
from app.training.attendance import STATUS_LABELS as ATTENDANCE_LABELS
from app.training.batch_forms import ButtonForm
from app.training.batches import STATUS_LABELS
from app.training.models import Attendance, Batch, BatchMember
from app.training.slots import local_bounds
from app.training.states import ATTENDED, AttendanceState, BatchState
from app.training.views import bp
from app.training.views.batches import ics_response

ATTENDANCE_STYLES = {AttendanceState.PRESENT: "success", AttendanceState.LATE: "warning",
                     AttendanceState.ABSENT: "danger", AttendanceState.EXCUSED: "secondary"}


def my_batches(user) -> list[Batch]:
    return list(db.session.scalars(
        db.select(Batch).join(BatchMember, BatchMember.batch_id == Batch.id)
        .where(BatchMember.user_id == user.id, Batch.status != BatchState.PLANNING)
        .order_by(Batch.starts_on, Batch.id)
    ))


def course_rates(rows) -> list[dict]:
    """Per course: past sessions with recorded attendance, how many attended (present or late), the rate in
    percent of the recorded ones, and past sessions not recorded yet (they count neither way)."""
    totals: dict[int, dict] = {}
    for row in rows:
        if row["upcoming"]:
            continue
        course = row["session"].course
        entry = totals.setdefault(course.id, {"course": course, "recorded": 0, "attended": 0, "unrecorded": 0})
        if row["status"] is None:
            entry["unrecorded"] += 1
            continue
        entry["recorded"] += 1
        entry["attended"] += row["status"] in ATTENDED
    result = sorted(totals.values(), key=lambda entry: (entry["course"].position, entry["course"].id))
    for entry in result:
        entry["percent"] = round(100 * entry["attended"] / entry["recorded"]) if entry["recorded"] else None
    return result


@bp.get("/training/my")
@allow(ANY_USER)
def my_training():
    now = utcnow()
    seated = calendars.person_sessions(current_user)
    ids = [session.id for session in seated]
    statuses = defaultdict(lambda: None)
    if ids:
        statuses.update(db.session.execute(
            db.select(Attendance.session_id, Attendance.status)
            .where(Attendance.user_id == current_user.id, Attendance.session_id.in_(ids))
        ).all())
    rows = []
    for session in seated:
        starts, ends = local_bounds(session.day, session.slot)
        rows.append({"session": session, "starts": starts, "ends": ends, "upcoming": ends >= now,
                     "status": statuses[session.id]})
    upcoming = [row for row in rows if row["upcoming"]]
    past = sorted((row for row in rows if not row["upcoming"]), key=lambda row: row["starts"], reverse=True)
    return render_template("training/my_training.html", batches=my_batches(current_user), upcoming=upcoming,
                           past=past, rates=course_rates(rows), status_labels=STATUS_LABELS,
                           attendance_labels=ATTENDANCE_LABELS, attendance_styles=ATTENDANCE_STYLES,
                           calendar_link=calendar_links.link_of(current_user), button_form=ButtonForm())


@bp.get("/training/my/calendar.ics")
@allow(ANY_USER)
def my_calendar():
    return ics_response(calendars.person_calendar(current_user, utcnow()), _("Training of %(name)s", name=current_user.name) + ".ics")
