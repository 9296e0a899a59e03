"""The admin's audit log page: filter, page through and open events. Read-only.

It lives in accounts, not audit, because it names the people (actors and target users): audit sits below
accounts, so accounts may write audit rows and read them back, audit never reads accounts.
"""

import json
from datetime import timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import String, cast, or_

from app.accounts.audit_forms import AuditFilterForm
from app.accounts.models import User
from app.accounts.services import normalise_staff_no
from app.audit.actions import LABELS
from app.audit.models import AuditEvent
from app.core.integers import whole_number
from app.core.localtime import local_to_utc
from app.core.permissions import allow
from app.core.roles import Role
from app.extensions import db

bp = Blueprint("audit", __name__, template_folder="templates")

PER_PAGE = 50
FILTER_FIELDS = ("action", "actor", "target", "ip", "date_from", "date_to", "q")


def _like_texts(text: str) -> set[str]:
    """JSON may store non-ASCII text escaped (\\u5f20), so search for both spellings."""
    return {text, json.dumps(text)[1:-1]}


def events_query(filters: dict):
    """SELECT of the events matching `filters` (as AuditFilterForm.filters() returns), newest first."""
    statement = db.select(AuditEvent)
    if filters.get("action"):
        statement = statement.where(AuditEvent.action == filters["action"])
    if filters.get("actor"):
        statement = statement.where(AuditEvent.actor_staff_no == normalise_staff_no(filters["actor"]))
    if filters.get("target"):
        target = filters["target"]
        options = [
            AuditEvent.target_id == target,
            AuditEvent.target_type == target,
            (AuditEvent.target_type + ":" + AuditEvent.target_id) == target,
        ]
        user = db.session.scalar(db.select(User).where(User.staff_no == normalise_staff_no(target)))
        if user is not None:
            options.append((AuditEvent.target_type == User.__tablename__) & (AuditEvent.target_id == str(user.id)))
        statement = statement.where(or_(*options))
    if filters.get("ip"):
        statement = statement.where(AuditEvent.ip.startswith(filters["ip"], autoescape=True))
    if filters.get("date_from"):
        statement = statement.where(AuditEvent.at >= local_to_utc(filters["date_from"]))
    if filters.get("date_to"):
        statement = statement.where(
            AuditEvent.at < local_to_utc(filters["date_to"] + timedelta(days=1))
        )
    if filters.get("q"):
        details = cast(AuditEvent.details, String)
        statement = statement.where(
            or_(*(details.icontains(text, autoescape=True) for text in _like_texts(filters["q"])))
        )
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _display_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_display_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return "—"
    return str(value)


def detail_rows(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's details as (key, text) pairs; the template escapes both."""
    details = event.details if isinstance(event.details, dict) else {"value": event.details}
    return [(str(key), _display_value(value)) for key, value in sorted(details.items())]


def _users_by_id(ids) -> dict[int, User]:
    ids = {int(i) for i in ids if i is not None and str(i).isdigit()}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


def _rows(events) -> list[dict]:
    actors = _users_by_id(event.actor_id for event in events)
    targets = _users_by_id(event.target_id for event in events if event.target_type == User.__tablename__)
    rows = []
    for event in events:
        target_user = (
            targets.get(int(event.target_id))
            if event.target_type == User.__tablename__ and (event.target_id or "").isdigit()
            else None
        )
        rows.append(
            {
                "event": event,
                "label": LABELS.get(event.action, event.action),
                "actor": actors.get(event.actor_id),
                "target_user": target_user,
                "details": detail_rows(event),
            }
        )
    return rows


@bp.get("/audit")
@allow(Role.ADMIN)
def events():
    form = AuditFilterForm(request.args)
    submitted = any(request.args.get(name) for name in FILTER_FIELDS)
    valid = form.validate() if submitted else True
    filters = form.filters() if valid else {}
    page = db.paginate(events_query(filters), page=request.args.get("page", 1, type=whole_number) or 1, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    # Links to other pages keep the filters (the raw query string minus `page`).
    link_args = {key: value for key, value in request.args.items() if key in FILTER_FIELDS and value}
    return render_template(
        "audit/events.html", form=form, page=page, rows=_rows(page.items), link_args=link_args,
        filtered=bool(filters), invalid=not valid,
    )


@bp.get("/audit/<int:event_id>")
@allow(Role.ADMIN)
def event_detail(event_id: int):
    event = db.get_or_404(AuditEvent, event_id)
    return render_template("audit/event.html", row=_rows([event])[0])
