"""GET /evaluations and /evaluations/<id>: each person's figures for a training batch, signed-off batches only.

HR systems must receive final, locked figures: a batch that is not signed off (or was reopened) can still be
recomputed or overridden, so its evaluations are left out of the list and are 404 by id.
"""

from decimal import Decimal

from sqlalchemy.orm import defaultload, joinedload

from app.accounts.models import User
from app.accounts.services import normalise_staff_no
from app.api import openapi as spec
from app.api import params
from app.api.auth import allow_token
from app.api.blueprint import bp
from app.api.errors import ApiNotFound, InvalidParameter
from app.api.scopes import EVALUATIONS_READ
from app.api.serializers import ID, REF, UTC_TIME, nullable, number, obj, page_of, ref, utc
from app.core.i18n import lazy_gettext as _l
from app.evaluation.models import Evaluation, EvaluationScheme, EvaluationSignoff
from app.evaluation.states import CourseStatus, Outcome, Rating
from app.extensions import db
from app.training.models import Batch

SCOPE = EVALUATIONS_READ
FINAL_ONLY = ("Only evaluations of signed-off batches are given out: a batch that is not signed off, or was "
              "reopened, may still change, so its evaluations are absent from the list and 404 by id.")

DATE = {"type": "string", "format": "date"}
PERCENT = {"type": "number", "minimum": 0}

SCHEMAS = {
    "EvaluationCourse": obj({
        "status": {"type": "string", "enum": list(CourseStatus),
                   "description": "passed, passed_makeup (补考), failed, failed_makeup, missing (not sat), pending"},
        "regular": nullable({**PERCENT, "description": "Best regular exam score, percent of the paper"}),
        "makeup": nullable({**PERCENT, "description": "Best make-up exam score as scored, percent"}),
        "counted": {**PERCENT, "description": "The figure the total counts (make-up under the scheme's rule)"},
        "attempt_id": nullable({**ID, "description": "The attempt the counted figure comes from (GET /results)"}),
    }),
    "Evaluation": obj({
        "id": ID,
        "batch": obj({"id": ID, "name": {"type": "string"}, "plan": nullable(REF), "starts_on": DATE,
                      "ends_on": DATE}),
        "person": obj({"id": ID, "staff_no": {"type": "string"}, "name": {"type": "string"},
                       "station": nullable(REF), "team": nullable(REF)}, "Station and team as they are now"),
        "courses": {"type": "object", "description": "By course code (the scheme's weighted courses, e.g. law)",
                    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 32},
                    "additionalProperties": {"$ref": "#/components/schemas/EvaluationCourse"}},
        "attendance": nullable({**PERCENT, "description": "Percent of held sessions attended; null if none held"}),
        "attendance_met": {"type": "boolean"},
        "total": {**PERCENT, "description": "Weighted total"},
        "rating": {"type": "string", "enum": list(Rating)},
        "failed": {"type": "boolean", "description": "The period counts as failed (continued-employment rule)"},
        "outcome": {"type": "string", "enum": list(Outcome), "description": "Final: HR's override, else computed"},
        "computed_outcome": {"type": "string", "enum": list(Outcome)},
        "overridden": {"type": "boolean"},
        "override_reason": nullable({"type": "string", "description": "HR's reason; null when not overridden"}),
        "scheme_version": {"type": "integer", "minimum": 1},
        "signed_off_at": UTC_TIME,
    }),
    "EvaluationPage": page_of("Evaluation"),
}

PATHS = {
    "/evaluations": {"get": spec.operation(
        summary="Evaluations of signed-off batches, by id", scope=SCOPE, ok_schema="EvaluationPage",
        description=FINAL_ONLY + " A batch signed off later may hold lower ids than a page already read: "
                                 "use `from` (signed-off time) or `batch` to fetch newly signed-off batches.",
        parameters=[spec.param("limit"), spec.param("cursor"),
                    {**spec.PARAMETERS["batch"], "description": "Training batch id: its evaluations"},
                    spec.param("station"), spec.param("team"),
                    {"name": "staff_no", "in": "query", "required": False,
                     "schema": {"type": "string", "minLength": 1, "maxLength": 32}},
                    {"name": "outcome", "in": "query", "required": False, "description": "Final outcome",
                     "schema": {"type": "string", "enum": list(Outcome)}},
                    {"name": "rating", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": list(Rating)}},
                    {**spec.PARAMETERS["from"], "description": "Signed off at or after: a date (a whole day in "
                                                               "the app's time zone) or an ISO 8601 date-time"},
                    {**spec.PARAMETERS["to"], "description": "Signed off before the end of this date, or at or "
                                                             "before this date-time"}],
    )},
    "/evaluations/{evaluation_id}": {"get": spec.operation(
        summary="One evaluation of a signed-off batch", scope=SCOPE, ok_schema="Evaluation", not_found=True,
        description=FINAL_ONLY,
        parameters=[{"name": "evaluation_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_ID}}],
    )},
}


def _figure(text: str | None) -> float | int | None:
    """Course figures are stored as decimal strings ("72.50")."""
    return None if text is None else number(Decimal(text))


def _course(stored: dict) -> dict:
    return {"status": stored["status"], "regular": _figure(stored.get("regular")),
            "makeup": _figure(stored.get("makeup")), "counted": _figure(stored["counted"]),
            "attempt_id": stored.get("attempt_id")}


def serialize(row) -> dict:
    """`row` = (evaluation, its batch's signed_at)."""
    evaluation, signed_at = row
    batch, user = evaluation.batch, evaluation.user
    return {
        "id": evaluation.id,
        "batch": {"id": batch.id, "name": batch.name, "plan": ref(batch.plan),
                  "starts_on": batch.starts_on.isoformat(), "ends_on": batch.ends_on.isoformat()},
        "person": {"id": user.id, "staff_no": user.staff_no, "name": user.name, "station": ref(user.station),
                   "team": ref(user.team)},
        "courses": {code: _course(stored) for code, stored in sorted(evaluation.courses.items())},
        "attendance": number(evaluation.attendance),
        "attendance_met": evaluation.attendance_met,
        "total": number(evaluation.total),
        "rating": evaluation.rating,
        "failed": evaluation.failed,
        "outcome": evaluation.final_outcome,
        "computed_outcome": evaluation.outcome,
        "overridden": evaluation.override_outcome is not None,
        "override_reason": evaluation.override_reason if evaluation.override_outcome is not None else None,
        "scheme_version": evaluation.scheme.version,
        "signed_off_at": utc(signed_at),
    }


def _signed_off():
    """Evaluations joined to their batch's sign-off (the join drops every other batch). Batch, plan, person,
    station, team and scheme come in the same query; the users' roles and the scheme's author, which the
    models would fetch by default, are left unloaded: one query per page."""
    return (db.select(Evaluation, EvaluationSignoff.signed_at)
            .join(EvaluationSignoff, EvaluationSignoff.batch_id == Evaluation.batch_id)
            .options(joinedload(Evaluation.batch).joinedload(Batch.plan),
                     defaultload(Evaluation.user).lazyload(User.role_rows),
                     defaultload(Evaluation.scheme).lazyload(EvaluationScheme.created_by)))


@bp.get("/evaluations")
@allow_token(SCOPE)
def evaluation_list():
    page = params.page()
    batch, station, team = (params.integer(name) for name in ("batch", "station", "team"))
    staff_no = params.text("staff_no", max_length=32)
    outcome, rating = params.choice("outcome", list(Outcome)), params.choice("rating", list(Rating))
    start, end = params.moment("from"), params.moment("to", end=True)
    if start is not None and end is not None and end <= start:
        raise InvalidParameter("to", _l("The parameter to must not be before from."))
    query = _signed_off().where(Evaluation.id > page.after_id).order_by(Evaluation.id).limit(page.limit + 1)
    people = db.select(User.id)
    if batch is not None:
        query = query.where(Evaluation.batch_id == batch)
    if station is not None:
        query = query.where(Evaluation.user_id.in_(people.where(User.station_id == station)))
    if team is not None:
        query = query.where(Evaluation.user_id.in_(people.where(User.team_id == team)))
    if staff_no is not None:
        query = query.where(Evaluation.user_id.in_(people.where(User.staff_no == normalise_staff_no(staff_no))))
    if outcome is not None:
        query = query.where(db.func.coalesce(Evaluation.override_outcome, Evaluation.outcome) == outcome)
    if rating is not None:
        query = query.where(Evaluation.rating == rating)
    if start is not None:
        query = query.where(EvaluationSignoff.signed_at >= start)
    if end is not None:
        query = query.where(EvaluationSignoff.signed_at < end)
    return params.listing(db.session.execute(query).all(), page, serialize, id_of=lambda row: row[0].id)


@bp.get("/evaluations/<int:evaluation_id>")
@allow_token(SCOPE)
def evaluation_detail(evaluation_id: int):
    row = None
    if evaluation_id <= params.MAX_ID:
        row = db.session.execute(_signed_off().where(Evaluation.id == evaluation_id)).first()
    if row is None:
        raise ApiNotFound(_l("No signed-off evaluation has this id."))
    return serialize(row)
