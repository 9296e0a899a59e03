"""HR's files of a batch's evaluation: the roster (everyone's four course scores, attendance, total, rating and
outcome) and the team and station summary (people, mean, pass rate, rank), as `app.reports` Reports.

A batch holds at most a few hundred people, so the rows are built in the view from the same evaluations and
figures the batch page shows: the file and the page cannot disagree. Until the batch is signed off the file
name says "draft", so a file passed around cannot be mistaken for the signed-off figures.
"""

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _

from app.core.i18n import lazy_gettext as _l
from app.core.localtime import local_zone
from app.courses.models import Course
from app.courses.naming import course_name
from app.evaluation.figures import group_figures
from app.evaluation.forms import COURSE_STATE_LABELS, OUTCOME_LABELS, RATING_LABELS
from app.evaluation.models import Evaluation
from app.evaluation.states import CourseStatus
from app.reports.exports import NAME, STAFF_NO, STATION, TEAM, Report
from app.reports.tables import NUMBER, TEXT, Column, local
from app.training.models import Batch

ATTENDANCE = Column("attendance", _l("Attendance (per cent)"), NUMBER, width=12, number_format="0.00")
ATTENDANCE_MET = Column("attendance_met", _l("Attendance minimum met"), TEXT, width=12)
TOTAL = Column("total", _l("Total"), NUMBER, width=8, number_format="0.00")
RATING = Column("rating", _l("Rating"), TEXT, width=10)
OUTCOME = Column("outcome", _l("Outcome"), TEXT, width=22)
COMPUTED_OUTCOME = Column("computed_outcome", _l("Computed outcome"), TEXT, width=22)
OVERRIDE_REASON = Column("override_reason", _l("Reason for the change"), TEXT, width=30)
NOTES = Column("notes", _l("Course notes"), TEXT, width=36)

LEVEL = Column("level", _l("Level"), TEXT, width=8)
RANK = Column("rank", _l("Rank"), NUMBER, width=6)
PEOPLE = Column("people", _l("People"), NUMBER, width=8)
MEAN = Column("mean", _l("Mean total"), NUMBER, width=10, number_format="0.00")
PASSED = Column("passed", _l("Passed"), NUMBER, width=8)
PASS_RATE = Column("pass_rate", _l("Pass rate (per cent)"), NUMBER, width=12, number_format="0.00")
SUMMARY_COLUMNS = (LEVEL, RANK, STATION, TEAM, PEOPLE, MEAN, PASSED, PASS_RATE)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def roster_columns(courses: list[Course]) -> tuple[Column, ...]:
    """Staff, one score column per course of the scheme (headed with the course's name), then the figures."""
    scores = tuple(Column(f"course_{course.code}", course_name(course), NUMBER, width=14, number_format="0.00")
                   for course in courses)
    return (STAFF_NO, NAME, STATION, TEAM, *scores, ATTENDANCE, ATTENDANCE_MET, TOTAL, RATING, OUTCOME,
            COMPUTED_OUTCOME, OVERRIDE_REASON, NOTES)


def _course_note(course: Course, result: dict) -> str:
    """"交通法规: 补考通过 (52 → 60)" for anything but a plain pass."""
    state = str(COURSE_STATE_LABELS[result["status"]])
    if result.get("regular") is not None and result.get("makeup") is not None:
        state += f" ({result['regular']} → {result['makeup']})"
    return f"{course_name(course)}: {state}"


def roster_rows(evaluations: list[Evaluation], courses: list[Course]) -> list[tuple]:
    yes, no = _("Yes"), _("No")
    rows = []
    for evaluation in evaluations:
        person = evaluation.user
        results = [evaluation.courses.get(course.code) for course in courses]
        notes = "; ".join(_course_note(course, result) for course, result in zip(courses, results, strict=True)
                          if result and result["status"] != CourseStatus.PASSED)
        overridden = evaluation.override_outcome is not None
        rows.append((
            person.staff_no, person.name, person.station.name if person.station else "",
            person.team.name if person.team else "",
            *(_decimal(result["counted"]) if result else None for result in results),
            evaluation.attendance, yes if evaluation.attendance_met else no, evaluation.total,
            str(RATING_LABELS[evaluation.rating]), str(OUTCOME_LABELS[evaluation.final_outcome]),
            str(OUTCOME_LABELS[evaluation.outcome]) if overridden else "",
            evaluation.override_reason if overridden else "", notes,
        ))
    return rows


def summary_rows(batch: Batch, evaluations: list[Evaluation]) -> list[tuple]:
    """Stations first, then teams (each best mean first), as on the batch page."""
    station, team, none = _("Station"), _("Team"), _("(none)")
    teams = {e.user.team.id: e.user.team for e in evaluations if e.user.team is not None}
    rows = [(station, figures.rank, figures.label or none, "", figures.people, figures.mean, figures.passed,
             figures.pass_rate) for figures in group_figures(batch.id, "station")]
    for figures in group_figures(batch.id, "team"):
        group = teams.get(figures.key)
        station_name = group.station.name if group is not None and group.station else ""
        rows.append((team, figures.rank, station_name, group.name if group is not None else none, figures.people,
                     figures.mean, figures.passed, figures.pass_rate))
    return rows


def _stamp(batch: Batch, signed_off: bool, now: datetime) -> dict:
    return {"batch": batch.name, "date": local(now, local_zone()).strftime("%Y%m%d"),
            "draft": "" if signed_off else _("(draft)")}


def batch_roster(batch: Batch, evaluations: list[Evaluation], courses: list[Course], *, signed_off: bool,
                 now: datetime) -> Report:
    rows = roster_rows(evaluations, courses)
    return Report(
        kind="batch_roster", columns=roster_columns(courses), rows=lambda: iter(rows), count=lambda: len(rows),
        filename=_("Evaluation roster of %(batch)s %(date)s%(draft)s", **_stamp(batch, signed_off, now)),
        title=_("Evaluation roster"), target=batch, details={"signed_off": signed_off},
    )


def batch_summary(batch: Batch, evaluations: list[Evaluation], *, signed_off: bool, now: datetime) -> Report:
    rows = summary_rows(batch, evaluations)
    return Report(
        kind="batch_summary", columns=SUMMARY_COLUMNS, rows=lambda: iter(rows), count=lambda: len(rows),
        filename=_("Team and station summary of %(batch)s %(date)s%(draft)s", **_stamp(batch, signed_off, now)),
        title=_("Summary"), target=batch, details={"signed_off": signed_off},
    )
