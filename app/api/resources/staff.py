"""GET /staff and /staff/<staff_no>: who works where, in which team and position, with which roles."""

from app.accounts.models import User, UserRole
from app.accounts.services import normalise_staff_no
from app.api import openapi as spec
from app.api import params
from app.api.auth import allow_token
from app.api.blueprint import bp
from app.api.errors import ApiNotFound
from app.api.scopes import STAFF_READ
from app.api.serializers import REF, nullable, obj, page_of, ref
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.extensions import db
from app.training.models import BatchMember

SCOPE = STAFF_READ
ROLES = [role.value for role in Role]

SCHEMAS = {
    "Staff": obj({
        "staff_no": {"type": "string", "description": "Staff number (工号), unique"},
        "name": {"type": "string"},
        "station": nullable(REF),
        "team": nullable(REF),
        "position": {"type": "string"},
        "active": {"type": "boolean"},
        "roles": {"type": "array", "items": {"type": "string", "enum": ROLES}, "uniqueItems": True},
    }),
    "StaffPage": page_of("Staff"),
}

PATHS = {
    "/staff": {"get": spec.operation(
        summary="Staff, ordered by when they were added", scope=SCOPE, ok_schema="StaffPage",
        parameters=[spec.param("limit"), spec.param("cursor"), spec.param("station"), spec.param("team"),
                    spec.param("batch"),
                    {"name": "active", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["true", "false"]}},
                    {"name": "role", "in": "query", "required": False, "schema": {"type": "string", "enum": ROLES}}],
    )},
    "/staff/{staff_no}": {"get": spec.operation(
        summary="One staff member", scope=SCOPE, ok_schema="Staff", not_found=True,
        parameters=[{"name": "staff_no", "in": "path", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": 32}}],
    )},
}


def serialize(user: User) -> dict:
    return {
        "staff_no": user.staff_no,
        "name": user.name,
        "station": ref(user.station),
        "team": ref(user.team),
        "position": user.position,
        "active": user.active,
        "roles": sorted(row.role for row in user.role_rows),
    }


@bp.get("/staff")
@allow_token(SCOPE)
def staff_list():
    page = params.page()
    station, team, batch = params.integer("station"), params.integer("team"), params.integer("batch")
    active, role = params.boolean("active"), params.choice("role", ROLES)
    query = db.select(User).where(User.id > page.after_id).order_by(User.id).limit(page.limit + 1)
    if station is not None:
        query = query.where(User.station_id == station)
    if team is not None:
        query = query.where(User.team_id == team)
    if batch is not None:
        query = query.where(User.id.in_(db.select(BatchMember.user_id).where(BatchMember.batch_id == batch)))
    if active is not None:
        query = query.where(User.active == active)
    if role is not None:
        query = query.where(User.id.in_(db.select(UserRole.user_id).where(UserRole.role == role)))
    # station and team are joined, roles come in one extra SELECT … IN: two queries per page.
    return params.listing(list(db.session.scalars(query).unique()), page, serialize)


@bp.get("/staff/<staff_no>")
@allow_token(SCOPE)
def staff_detail(staff_no: str):
    number = normalise_staff_no(staff_no)
    user = None
    if number and len(number) <= 32 and number.isprintable():
        user = db.session.scalar(db.select(User).where(User.staff_no == number))
    if user is None:
        raise ApiNotFound(_l("No staff member has this staff number."))
    return serialize(user)
