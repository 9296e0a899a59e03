"""GET /exams and /exams/<id>: exams candidates sit (drafts are left out), never their questions or keys."""

from app.api import openapi as spec
from app.api import params
from app.api.auth import allow_token
from app.api.blueprint import bp
from app.api.errors import ApiNotFound
from app.api.scopes import EXAMS_READ
from app.api.serializers import ID, UTC_TIME, nullable, number, obj, page_of, utc
from app.core.i18n import lazy_gettext as _l
from app.courses.models import Course
from app.exams.models import AudienceEntry, Exam
from app.exams.states import ExamState
from app.extensions import db

SCOPE = EXAMS_READ
VISIBLE_STATES = [state.value for state in ExamState if state != ExamState.DRAFT]

SCHEMAS = {
    "Exam": obj({
        "id": ID,
        "title": {"type": "string"},
        "course": {"type": "string", "description": "Course code"},
        "status": {"type": "string", "enum": VISIBLE_STATES},
        "opens_at": UTC_TIME,
        "closes_at": UTC_TIME,
        "duration_minutes": {"type": "integer", "minimum": 1},
        "pass_mark": {"type": "number", "minimum": 0},
        "attempts_allowed": {"type": "integer", "minimum": 1},
        "makeup_of": nullable({**ID, "description": "The exam this make-up exam (补考) is for"}),
    }),
    "ExamPage": page_of("Exam"),
}

PATHS = {
    "/exams": {"get": spec.operation(
        summary="Exams (published, closed or archived), oldest first", scope=SCOPE, ok_schema="ExamPage",
        parameters=[spec.param("limit"), spec.param("cursor"), spec.param("course"),
                    {**spec.PARAMETERS["batch"], "description": "Training batch id: exams open to its members"},
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": VISIBLE_STATES}}],
    )},
    "/exams/{exam_id}": {"get": spec.operation(
        summary="One exam", scope=SCOPE, ok_schema="Exam", not_found=True,
        parameters=[{"name": "exam_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_ID}}],
    )},
}


def serialize(exam: Exam) -> dict:
    return {
        "id": exam.id,
        "title": exam.title,
        "course": exam.course.code,
        "status": exam.status,
        "opens_at": utc(exam.opens_at),
        "closes_at": utc(exam.closes_at),
        "duration_minutes": exam.duration_minutes,
        "pass_mark": number(exam.pass_mark),
        "attempts_allowed": exam.attempts_allowed,
        "makeup_of": exam.makeup_of_id,
    }


@bp.get("/exams")
@allow_token(SCOPE)
def exam_list():
    page = params.page()
    course, batch = params.text("course", max_length=32), params.integer("batch")
    status = params.choice("status", VISIBLE_STATES)
    query = (db.select(Exam).where(Exam.id > page.after_id, Exam.status.in_(VISIBLE_STATES))
             .order_by(Exam.id).limit(page.limit + 1))
    if course is not None:
        query = query.where(Exam.course_id.in_(db.select(Course.id).where(Course.code == course)))
    if batch is not None:
        query = query.where(Exam.id.in_(db.select(AudienceEntry.exam_id).where(AudienceEntry.batch_id == batch)))
    if status is not None:
        query = query.where(Exam.status == status)
    # The course is joined: one query per page.
    return params.listing(list(db.session.scalars(query).unique()), page, serialize)


@bp.get("/exams/<int:exam_id>")
@allow_token(SCOPE)
def exam_detail(exam_id: int):
    exam = db.session.get(Exam, exam_id) if exam_id <= params.MAX_ID else None
    if exam is None or exam.status not in VISIBLE_STATES:
        raise ApiNotFound(_l("No exam has this id."))
    return serialize(exam)
