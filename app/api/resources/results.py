"""GET /results: submitted exam attempts with their scores, for HR systems (one row per attempt). `counted`
marks the attempt that is the person's result for the exam (app/exams/results.py), so an HR system takes
the same score and pass/fail as the dashboards, exports and evaluations."""

from app.accounts.models import User
from app.accounts.services import normalise_staff_no
from app.api import openapi as spec
from app.api import params
from app.api.auth import allow_token
from app.api.blueprint import bp
from app.api.errors import InvalidParameter
from app.api.scopes import RESULTS_READ
from app.api.serializers import ID, UTC_TIME, nullable, number, obj, page_of, utc
from app.core.i18n import lazy_gettext as _l
from app.courses.models import Course
from app.exams.models import Attempt, Exam
from app.exams.results import results_of, submitted
from app.extensions import db
from app.training.models import BatchMember

SCOPE = RESULTS_READ

SCHEMAS = {
    "Result": obj({
        "id": {**ID, "description": "The attempt's id"},
        "staff_no": {"type": "string"},
        "exam_id": ID,
        "course": {"type": "string", "description": "Course code"},
        "attempt": {"type": "integer", "minimum": 1, "description": "1 for the first attempt at this exam"},
        "score": nullable({"type": "number", "description": "null while a short answer awaits grading"}),
        "max_score": {"type": "number", "minimum": 0},
        "passed": nullable({"type": "boolean"}),
        "submitted_at": UTC_TIME,
        "makeup": {"type": "boolean", "description": "The exam is a make-up exam (补考)"},
        "counted": {"type": "boolean", "description": "This attempt is the person's result for the exam: the "
                    "highest graded score (the earliest of equal ones), else the latest submitted while none "
                    "is graded"},
    }),
    "ResultPage": page_of("Result"),
}

PATHS = {
    "/results": {"get": spec.operation(
        summary="Submitted exam attempts, oldest first", scope=SCOPE, ok_schema="ResultPage",
        description="`batch` keeps the attempts of the batch's members; combine it with `course` or a date range.",
        parameters=[spec.param("limit"), spec.param("cursor"), spec.param("batch"), spec.param("station"),
                    spec.param("team"), spec.param("course"), spec.param("exam"),
                    {"name": "staff_no", "in": "query", "required": False,
                     "schema": {"type": "string", "minLength": 1, "maxLength": 32}},
                    spec.param("from"), spec.param("to")],
    )},
}

COLUMNS = (Attempt.id, Attempt.user_id, User.staff_no, Attempt.exam_id, Course.code.label("course"), Attempt.number,
           Attempt.score, Attempt.max_score, Attempt.passed, Attempt.submitted_at,
           Exam.makeup_of_id.is_not(None).label("makeup"))


def serialize(row, counted: set[int]) -> dict:
    return {
        "id": row.id,
        "staff_no": row.staff_no,
        "exam_id": row.exam_id,
        "course": row.course,
        "attempt": row.number,
        "score": number(row.score),
        "max_score": number(row.max_score),
        "passed": row.passed,
        "submitted_at": utc(row.submitted_at),
        "makeup": bool(row.makeup),
        "counted": row.id in counted,
    }


def counted_among(rows) -> set[int]:
    """Which of the page's attempts count as results, in one query over the page's people and exams."""
    found = results_of(exam_ids=sorted({row.exam_id for row in rows}), user_ids=sorted({row.user_id for row in rows}))
    return {result.attempt_id for result in found.values()}


@bp.get("/results")
@allow_token(SCOPE)
def result_list():
    page = params.page()
    batch, station, team, exam = (params.integer(name) for name in ("batch", "station", "team", "exam"))
    course, staff_no = params.text("course", max_length=32), params.text("staff_no", max_length=32)
    start, end = params.moment("from"), params.moment("to", end=True)
    if start is not None and end is not None and end <= start:
        raise InvalidParameter("to", _l("The parameter to must not be before from."))
    # One query per page: plain columns, no objects loaded per row.
    query = (db.select(*COLUMNS).select_from(Attempt).join(User, Attempt.user_id == User.id)
             .join(Exam, Attempt.exam_id == Exam.id).join(Course, Exam.course_id == Course.id)
             .where(submitted(), Attempt.id > page.after_id)
             .order_by(Attempt.id).limit(page.limit + 1))
    if batch is not None:
        query = query.where(Attempt.user_id.in_(db.select(BatchMember.user_id).where(BatchMember.batch_id == batch)))
    if station is not None:
        query = query.where(User.station_id == station)
    if team is not None:
        query = query.where(User.team_id == team)
    if exam is not None:
        query = query.where(Attempt.exam_id == exam)
    if course is not None:
        query = query.where(Course.code == course)
    if staff_no is not None:
        query = query.where(User.staff_no == normalise_staff_no(staff_no))
    if start is not None:
        query = query.where(Attempt.submitted_at >= start)
    if end is not None:
        query = query.where(Attempt.submitted_at < end)
    rows = list(db.session.execute(query))
    counted = counted_among(rows[: page.limit])
    return params.listing(rows, page, lambda row: serialize(row, counted))
