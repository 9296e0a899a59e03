"""Route: the dashboards page (score distribution, pass rates, trend across batches, attendance) with its filters.

Each chart's data travels in a `data-chart` attribute (JSON) read by static/js/dashboards.js, and the same
figures stand in a table next to it (what screen readers and browsers without JavaScript get).
"""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.i18n import html_lang
from app.core.integers import whole_number
from app.core.permissions import allow
from app.core.roles import Role
from app.courses.models import Course
from app.courses.naming import course_name as course_label
from app.exams.views.loading import viewable_exam
from app.extensions import db
from app.org.models import Station
from app.reports import dashboards as figures
from app.reports.dashboard_forms import DashboardFilterForm
from app.reports.views import bp
from app.training.models import Batch, TrainingPlan

FILTER_FIELDS = ("plan", "batch", "course", "station", "date_from", "date_to")


def _rate_label(rate) -> str:
    if rate.label_en and html_lang() == "en":
        return rate.label_en
    return rate.label


def _bin_labels() -> list[str]:
    return [f"{10 * n}–{10 * n + 9}%" if n < figures.BIN_COUNT - 1 else f"{10 * n}–100%"
            for n in range(figures.BIN_COUNT)]


def _per_cent(label: str) -> str:
    return f"{label} (%)"


def _histogram_chart(distribution) -> dict:
    mark = distribution.pass_mark_percent
    shown = f"{mark:g}%" if mark is not None else ""
    return {
        "kind": "histogram",
        "labels": _bin_labels(),
        "datasets": [{"label": _("People"), "data": distribution.counts}],
        "passMark": mark,
        "passMarkLabel": _("Pass mark %(mark)s", mark=shown) if mark is not None else "",
        "xTitle": _("Score as a share of the paper's total"),
        "yTitle": _("People"),
    }


def _rates_chart(rates, *, none_label: str) -> dict:
    """Bars of pass rates, regular exams and make-up exams as two series over the same groups."""
    keys, labels = [], []
    for rate in rates:
        if rate.key not in keys:
            keys.append(rate.key)
            labels.append(_rate_label(rate) if rate.key is not None else none_label)
    datasets = []
    for makeup, series in ((False, _("Regular exams")), (True, _("Make-up exams"))):
        by_key = {rate.key: rate for rate in rates if rate.makeup is makeup}
        if not by_key:
            continue
        datasets.append({
            "label": series, "role": "makeup" if makeup else "regular",
            "data": [by_key[key].percent if key in by_key else None for key in keys],
            "notes": [_("%(passed)d of %(results)d passed", passed=by_key[key].passed, results=by_key[key].results)
                      if key in by_key else "" for key in keys],
        })
    return {"kind": "rates", "labels": labels, "datasets": datasets, "xTitle": _per_cent(_("Pass rate"))}


def _trend_chart(points) -> dict:
    return {
        "kind": "trend",
        "labels": [point.name for point in points],
        "datasets": [
            {"label": _per_cent(_("Mean score")), "role": "mean", "data": [point.mean_percent for point in points],
             "notes": [_("%(results)d results", results=point.results) for point in points]},
            {"label": _per_cent(_("Pass rate")), "role": "pass", "data": [point.percent for point in points],
             "notes": [_("%(passed)d of %(results)d passed", passed=point.passed, results=point.results)
                       for point in points]},
        ],
        "yTitle": "%",
    }


def _attendance_chart(rates, *, none_label: str) -> dict:
    return {
        "kind": "rates",
        "labels": [rate.label if rate.key is not None else none_label for rate in rates],
        "datasets": [{
            "label": _per_cent(_("Attendance rate")), "role": "attendance", "data": [rate.percent for rate in rates],
            "notes": [_("%(attended)d attended of %(recorded)d recorded", attended=rate.attended,
                        recorded=rate.recorded) for rate in rates],
        }],
        "xTitle": _per_cent(_("Attendance rate")),
    }


def _filter_form() -> DashboardFilterForm:
    plans = db.session.execute(select(TrainingPlan.id, TrainingPlan.name).order_by(TrainingPlan.name)).all()
    batches = db.session.execute(select(Batch.id, Batch.name).order_by(Batch.starts_on.desc(), Batch.id.desc())).all()
    courses = db.session.scalars(select(Course).order_by(Course.position, Course.code)).all()
    stations = db.session.execute(select(Station.id, Station.name).order_by(Station.name)).all()
    form = DashboardFilterForm(plans=plans, batches=batches, courses=[(c.id, course_label(c)) for c in courses],
                               stations=stations, formdata=request.args)
    form.validate()
    return form


def _chosen_exam(exams):
    """The exam whose distribution is shown: ?exam= (403 when the viewer may not see it), else the latest."""
    value = request.args.get("exam", type=whole_number)
    if value is not None:
        return viewable_exam(value)
    if exams:
        return viewable_exam(exams[0].exam_id)
    return None


@bp.get("/reports/dashboards")
@allow(Role.ADMIN, Role.HR, Role.TRAINER)
def dashboards():
    form = _filter_form()
    trainer_id = figures.trainer_scope(current_user)
    chosen = form.filters(trainer_id)
    groups = figures.result_groups(chosen)
    exams = figures.exam_figures(chosen, groups)
    exam = _chosen_exam(exams)
    distribution = figures.score_distribution(chosen, exam) if exam is not None else None
    by_station = figures.pass_rates_by_station(chosen, groups)
    by_team = figures.pass_rates_by_team(chosen, groups)
    by_course = figures.pass_rates_by_course(chosen, groups)
    trend = figures.batch_trend(chosen)
    now = utcnow()
    attendance_batches = figures.attendance_by_batch(chosen, now)
    attendance_stations = figures.attendance_by_station(chosen, now)
    no_station, no_team = _("No station"), _("No team")
    charts = {
        "histogram": _histogram_chart(distribution) if distribution and distribution.results else None,
        "station": _rates_chart(by_station, none_label=no_station) if by_station else None,
        "team": _rates_chart(by_team, none_label=no_team) if by_team else None,
        "course": _rates_chart(by_course, none_label="") if by_course else None,
        "trend": _trend_chart(trend) if trend else None,
        "attendance_batch": _attendance_chart(attendance_batches, none_label="") if attendance_batches else None,
        "attendance_station": _attendance_chart(attendance_stations, none_label=no_station)
        if attendance_stations else None,
    }
    filter_args = {name: request.args[name] for name in FILTER_FIELDS if request.args.get(name)}
    return render_template(
        "reports/dashboards.html", form=form, trainer_view=trainer_id is not None, exams=exams, exam=exam,
        distribution=distribution, bin_labels=_bin_labels(), by_station=by_station, by_team=by_team,
        by_course=by_course, trend=trend, attendance_batches=attendance_batches,
        attendance_stations=attendance_stations, charts=charts, filter_args=filter_args,
        rate_label=_rate_label, no_station=no_station, no_team=no_team,
        course_names={c.id: course_label(c) for c in db.session.scalars(select(Course))},
    )
