"""The exports that need no evaluation data: the results of one exam (with its make-up exams), every
result of every exam (HR), and one person's transcript. Each is a `Report`: its columns, a function that
reads its rows lazily (so a CSV streams straight from the database), a function that counts them for the
audit row, and its file name. `record_export` writes the audit row (who, what, how many rows).

Who sees what (docs/security.md §29):
- Results of an exam: whoever may view the exam (its owners, administrators, HR), with the exam's make-up
  exams that the same person may view. Columns as on the results page.
- All results: HR and administrators, who see every exam's results.
- Transcript: HR and administrators for anyone; a person for themself, but only with the scores the exam
  has released to them (`score_released`), exactly as their own result pages show them.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from flask_babel import gettext as _
from sqlalchemy import DateTime, func, select, type_coerce

from app.accounts.actors import Actor
from app.accounts.models import User
from app.audit import actions
from app.audit.services import record
from app.core.i18n import html_lang
from app.core.i18n import lazy_gettext as _l
from app.core.localtime import local_zone
from app.core.roles import Role
from app.courses.models import Course
from app.exams.models import Attempt, AudienceEntry, Exam
from app.exams.permissions import can_view_exam
from app.exams.policies import score_released
from app.exams.results import counted_number, percent_of, results_of
from app.exams.states import AttemptState
from app.extensions import db
from app.org.models import Station, Team
from app.reports.tables import DATETIME, NUMBER, TEXT, Column, local, stream_query
from app.training.models import Batch, BatchMember, TrainingSession

YIELD_PER = 2_000
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
RAW_TIME = DateTime(timezone=True)

STAFF_NO = Column("staff_no", _l("Staff no."), TEXT, width=12)
NAME = Column("name", _l("Name"), TEXT, width=12)
STATION = Column("station", _l("Station"), TEXT, width=16)
TEAM = Column("team", _l("Team"), TEXT, width=10)
COURSE = Column("course", _l("Course"), TEXT, width=24)
BATCH = Column("batch", _l("Training batch"), TEXT, width=16)
EXAM = Column("exam", _l("Exam"), TEXT, width=28)
MAKEUP = Column("makeup", _l("Make-up exam"), TEXT, width=10)
ATTEMPT = Column("attempt", _l("Attempt no."), NUMBER, width=8)
STATUS = Column("status", _l("Status"), TEXT, width=14)
STARTED = Column("started", _l("Started at"), DATETIME, width=20)
SUBMITTED = Column("submitted", _l("Submitted at"), DATETIME, width=20)
SCORE = Column("score", _l("Score"), NUMBER, width=8)
MAX_SCORE = Column("max_score", _l("Maximum score"), NUMBER, width=10)
PERCENT = Column("percent", _l("Percentage"), NUMBER, width=10, number_format="0.00")
RESULT = Column("result", _l("Result"), TEXT, width=8)
# "Yes" on the attempt that is the person's result for the exam (app/exams/results.py).
COUNTED = Column("counted", _l("Counts as the result"), TEXT, width=10)

RESULT_COLUMNS = (STAFF_NO, NAME, STATION, TEAM, COURSE, EXAM, MAKEUP, ATTEMPT, STATUS, STARTED, SUBMITTED, SCORE,
                  MAX_SCORE, PERCENT, RESULT, COUNTED)
TRANSCRIPT_COLUMNS = (STAFF_NO, NAME, COURSE, BATCH, EXAM, MAKEUP, ATTEMPT, STATUS, STARTED, SUBMITTED, SCORE,
                      MAX_SCORE, PERCENT, RESULT, COUNTED)

STATUS_LABELS = {
    "in_progress": _l("In progress"),
    "waiting": _l("Waiting for grading"),
    "graded": _l("Graded"),
    "submitted": _l("Submitted"),  # a candidate's own attempt whose score is not released to them yet
    "not_taken": _l("Not taken"),
}
REPORT_KINDS = ("exam_results", "all_results", "transcript", "batch_roster", "batch_summary")


@dataclass(frozen=True)
class Report:
    kind: str  # one of REPORT_KINDS (kept in the audit row)
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[Sequence]]  # called once when the file is written; reads lazily
    count: Callable[[], int]  # the number of rows `rows` gives, for the audit row of a streamed CSV
    filename: str  # translated, without extension
    title: str  # the sheet's name
    target: object | None = None  # the exam or person, for the audit row
    details: dict | None = None


def _course_label(name: str, name_en: str, english: bool) -> str:
    return name_en if english and name_en else name


def _status(status: str, score) -> str:
    if status == AttemptState.IN_PROGRESS:
        return "in_progress"
    return "waiting" if score is None else "graded"


def _today_text(now: datetime) -> str:
    return local(now, local_zone()).strftime("%Y%m%d")


# --- Results --------------------------------------------------------------------------------------

def makeup_family(exam: Exam, actor) -> list[Exam]:
    """The exam and its make-up exams (and theirs), those `actor` may view, oldest first."""
    family, frontier, seen = [exam], [exam.id], {exam.id}
    while frontier:
        children = db.session.scalars(
            select(Exam).where(Exam.makeup_of_id.in_(frontier)).order_by(Exam.opens_at, Exam.id)).all()
        frontier = [child.id for child in children if child.id not in seen]
        seen.update(frontier)
        family += [child for child in children if child.id in frontier and can_view_exam(actor, child)]
    return family


def _results_query(exam_ids: list[int] | None):
    """Core columns rather than ORM attributes: the rows skip the ORM's loading machinery (100,000 rows).
    The two times are read without `UTCDateTime`'s conversion (naive UTC on SQLite, aware on PostgreSQL):
    the writers take naive times as UTC, and 200,000 conversions fewer are a sixth of a CSV's time."""
    attempt, user, exam = Attempt.__table__.c, User.__table__.c, Exam.__table__.c
    course, station, team = Course.__table__.c, Station.__table__.c, Team.__table__.c
    query = (
        select(user.staff_no, user.name, station.name, team.name, course.code, course.name, course.name_en,
               exam.title, exam.makeup_of_id, attempt.number, attempt.status,
               type_coerce(attempt.started_at, RAW_TIME), type_coerce(attempt.submitted_at, RAW_TIME),
               attempt.score, attempt.max_score, attempt.passed, attempt.exam_id)
        .select_from(Attempt.__table__)
        .join(User.__table__, user.id == attempt.user_id)
        .join(Exam.__table__, exam.id == attempt.exam_id)
        .join(Course.__table__, course.id == exam.course_id)
        .outerjoin(Station.__table__, station.id == user.station_id)
        .outerjoin(Team.__table__, team.id == user.team_id)
    )
    if exam_ids is not None:
        query = query.where(attempt.exam_id.in_(exam_ids))
    return query.order_by(course.position, exam.opens_at, exam.id, user.staff_no, attempt.number)


def _count_attempts(exam_ids: list[int] | None) -> int:
    query = select(func.count(Attempt.id))
    if exam_ids is not None:
        query = query.where(Attempt.exam_id.in_(exam_ids))
    return db.session.scalar(query) or 0


def result_rows(exam_ids: list[int] | None) -> Iterator[tuple]:
    """One row per attempt in RESULT_COLUMNS order, the attempt that is the person's result marked. Labels are
    translated now; the query runs when the first row is asked for, in a session of its own (the CSV streams
    after the view returned). A person's attempts at an exam come together (ordered by exam, staff number,
    attempt), so the counted one is picked per group by `counted_number`, with no second query."""
    english = html_lang() == "en"
    in_progress, waiting, graded = (str(STATUS_LABELS[key]) for key in ("in_progress", "waiting", "graded"))
    makeup, passed, failed, yes = _("Make-up"), _("Pass"), _("Fail"), _("Yes")
    found = stream_query(_results_query(exam_ids), yield_per=YIELD_PER)

    def attempts():
        for _person, group in groupby(found, key=lambda row: (row[16], row[0])):  # exam id, staff number
            group = list(group)
            counted = counted_number([(row[9], row[10], row[13]) for row in group])  # number, status, score
            for row in group:
                yield *row[:16], row[9] == counted

    def rows():
        courses: dict[str, str] = {}
        for (staff_no, name, station, team, code, course_name, course_en, title, makeup_of_id, number, status,
             started_at, submitted_at, score, max_score, did_pass, is_counted) in attempts():
            if code not in courses:
                courses[code] = _course_label(course_name, course_en, english)
            state = in_progress if status == AttemptState.IN_PROGRESS else waiting if score is None else graded
            yield (staff_no, name, station, team, courses[code], title, makeup if makeup_of_id else "", number,
                   state, started_at, submitted_at, score, max_score,
                   None if score is None or not max_score else (score * HUNDRED / max_score).quantize(CENT, ROUND_HALF_UP),
                   "" if did_pass is None else (passed if did_pass else failed), yes if is_counted else "")

    return rows()


def exam_results(actor, exam: Exam, *, now: datetime) -> Report:
    """The results of `exam` and of its make-up exams the actor may view (call after can_view_exam)."""
    ids = [member.id for member in makeup_family(exam, actor)]
    return Report(
        kind="exam_results", columns=RESULT_COLUMNS, rows=lambda: result_rows(ids),
        count=lambda: _count_attempts(ids),
        filename=_("Results of %(exam)s %(date)s", exam=exam.title, date=_today_text(now)),
        title=_("Results"), target=exam, details={"exams": ids},
    )


def all_results(*, now: datetime) -> Report:
    """Every attempt of every exam (HR and administrators)."""
    return Report(
        kind="all_results", columns=RESULT_COLUMNS, rows=lambda: result_rows(None),
        count=lambda: _count_attempts(None),
        filename=_("All exam results %(date)s", date=_today_text(now)), title=_("Results"),
    )


# --- Transcript -----------------------------------------------------------------------------------

def _batches_of(person: User) -> list[tuple[Batch, set[int], list[str] | None]]:
    """(batch, course ids it teaches, the courses this person attends there or None for all)."""
    memberships = db.session.scalars(
        select(BatchMember).join(Batch, Batch.id == BatchMember.batch_id).where(BatchMember.user_id == person.id)
        .order_by(Batch.starts_on, Batch.id)).all()
    out = []
    for membership in memberships:
        course_ids = set(db.session.scalars(
            select(TrainingSession.course_id).where(TrainingSession.batch_id == membership.batch_id)))
        out.append((membership.batch, course_ids, membership.courses))
    return out


def _batch_for(exam: Exam, batches, admitted_via: dict[int, set[int]]) -> Batch | None:
    """The batch through which the exam admitted the person, else their latest batch that taught the exam's
    course and started by the time the exam opened; None when unknown."""
    for batch, _courses, _codes in batches:
        if batch.id in admitted_via.get(exam.id, set()):
            return batch
    opened = local(exam.opens_at, local_zone()).date()
    found = None
    for batch, course_ids, codes in batches:
        teaches = exam.course_id in course_ids and (codes is None or exam.course.code in codes)
        if teaches and batch.starts_on <= opened:
            found = batch
    return found


def transcript_rows(actor, person: User, *, now: datetime) -> list[tuple]:
    """Every course (in the plan's order), every exam and every attempt of `person`, in TRANSCRIPT_COLUMNS
    order, the attempt that is the result of each exam marked. Someone reading their own transcript sees only
    released scores (and which attempt counts only where the score is released)."""
    own_view = getattr(actor, "id", None) == person.id and not actor.has_role(Role.HR, Role.ADMIN)
    english = html_lang() == "en"
    makeup, passed, failed, yes = _("Make-up"), _("Pass"), _("Fail"), _("Yes")
    counted = {result.attempt_id for result in results_of(user_ids=[person.id]).values()}
    attempts = db.session.scalars(
        select(Attempt).join(Exam, Exam.id == Attempt.exam_id).join(Course, Course.id == Exam.course_id)
        .where(Attempt.user_id == person.id)
        .order_by(Course.position, Exam.opens_at, Exam.id, Attempt.number)).all()
    batches = _batches_of(person)
    batch_ids = [batch.id for batch, _c, _s in batches]
    admitted_via: dict[int, set[int]] = {}
    if batch_ids:
        for exam_id, batch_id in db.session.execute(
                select(AudienceEntry.exam_id, AudienceEntry.batch_id).where(AudienceEntry.batch_id.in_(batch_ids))):
            admitted_via.setdefault(exam_id, set()).add(batch_id)
    by_course = {course_id: list(group) for course_id, group in groupby(attempts, key=lambda a: a.exam.course_id)}
    rows = []
    for course in db.session.scalars(select(Course).order_by(Course.position, Course.id)):
        label = _course_label(course.name, course.name_en, english)
        course_attempts = by_course.get(course.id, [])
        if not course_attempts:
            trained = [batch for batch, course_ids, codes in batches
                       if course.id in course_ids and (codes is None or course.code in codes)]
            rows.append((person.staff_no, person.name, label, trained[-1].name if trained else "", "", "", None,
                         str(STATUS_LABELS["not_taken"]), None, None, None, None, None, "", ""))
            continue
        for attempt in course_attempts:
            exam = attempt.exam
            batch = _batch_for(exam, batches, admitted_via)
            shown = not own_view or score_released(exam, attempt, now)
            status = _status(attempt.status, attempt.score)
            if not shown and status != AttemptState.IN_PROGRESS:
                status = "submitted"
            score = attempt.score if shown else None
            max_score = attempt.max_score if shown else None
            result = ""
            if shown and attempt.passed is not None:
                result = passed if attempt.passed else failed
            rows.append((person.staff_no, person.name, label, batch.name if batch else "", exam.title,
                         makeup if exam.makeup_of_id else "", attempt.number, str(STATUS_LABELS[status]),
                         attempt.started_at, attempt.submitted_at, score, max_score, percent_of(score, max_score),
                         result, yes if shown and attempt.id in counted else ""))
    return rows


def transcript(actor, person: User, *, now: datetime) -> Report:
    rows = transcript_rows(actor, person, now=now)
    return Report(
        kind="transcript", columns=TRANSCRIPT_COLUMNS, rows=lambda: iter(rows), count=lambda: len(rows),
        filename=_("Transcript of %(name)s %(staff_no)s %(date)s", name=person.name, staff_no=person.staff_no,
                   date=_today_text(now)),
        title=_("Transcript"), target=person,
    )


# --- Audit ----------------------------------------------------------------------------------------

def record_export(actor: Actor, report: Report, fmt: str, rows: int, *, ip: str, now: datetime):
    """The audit row of a download (docs/security.md §33): who, which report of what, which format, how
    many rows."""
    details = {"report": report.kind, "format": fmt, "rows": rows, **(report.details or {})}
    return record(actions.REPORT_EXPORTED, actor=actor, ip=ip, now=now, target=report.target, details=details)
