"""Routes of the org blueprint: staff (admin and HR).

Each view: parse the form → load with load_or_404 (which also asks the object-level permission) → call the
service through commit_or_report (commit once; a DomainError goes onto the form field it names, after a
rollback) → flash and redirect.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts import sessions
from app.accounts.models import User
from app.audit.actions import LABELS as ACTION_LABELS
from app.core.clock import utcnow
from app.core.integers import whole_number
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow, login_is_fresh
from app.core.roles import ROLE_LABELS, Role
from app.core.writes import commit_or_report
from app.extensions import db
from app.org import permissions, services
from app.org.forms import (
    ActionForm,
    StaffCreateForm,
    StaffEditForm,
    StaffFilterForm,
    station_choices,
    team_choices,
)
from app.org.models import Station, Team
from app.org.permissions import STAFF_MANAGERS
from app.org.staff import StaffData, create_staff, update_staff
from app.org.views import bp
from app.org.views.actions import perform

PER_PAGE = 50


def _filters(form: StaffFilterForm) -> services.StaffFilters:
    """Read the filters; a value that is not valid (stale team, unknown id) is simply ignored."""
    form.validate()

    def value(field, default=None):
        return default if field.errors or field.process_errors else field.data

    return services.StaffFilters(
        q=(form.q.data or "").strip()[:64],
        station_id=value(form.station),
        team_id=value(form.team),
        role=value(form.role),
        status=value(form.status, "active") or "active",
    )


def _staff_data(form, user: User | None) -> StaffData:
    """StaffData from a submitted form; without a roles field the roles stay (or default to collector)."""
    if "roles" in form:
        roles = {Role(value) for value in form.roles.data or ()}
    else:
        roles = set(user.roles) if user is not None else {Role.COLLECTOR}
    station_id, team_id = form.station.data, form.team.data
    return StaffData(
        staff_no=form.staff_no.data if "staff_no" in form else user.staff_no,
        name=form.name.data or "",
        station=db.session.get(Station, station_id) if station_id else None,
        team=db.session.get(Team, team_id) if team_id else None,
        position=form.position.data or "",
        hire_date=form.hire_date.data,
        roles=roles,
    )


def _render_form(form, user: User | None):
    return render_template(
        "org/staff_form.html", form=form, user=user, fresh=login_is_fresh(), role_labels=ROLE_LABELS,
    )


@bp.get("/staff")
@allow(*STAFF_MANAGERS)
def staff_list():
    form = StaffFilterForm(formdata=request.args)
    form.station.choices = station_choices(services.all_stations(), empty_label=_("All stations"))
    chosen = form.station.data if not form.station.process_errors else None
    form.team.choices = team_choices(
        services.teams_of([chosen] if chosen else None), empty_label=_("All teams")
    )
    filters = _filters(form)
    page = max(request.args.get("page", 1, type=whole_number), 1)
    pagination = db.paginate(services.staff_query(filters), page=page, per_page=PER_PAGE, error_out=False)
    query_args = {
        key: value
        for key, value in {
            "q": filters.q,
            "station": filters.station_id,
            "team": filters.team_id,
            "role": filters.role.value if filters.role else None,
            "status": filters.status,
        }.items()
        if value not in (None, "")
    }
    return render_template(
        "org/staff_list.html", form=form, pagination=pagination, query_args=query_args,
        role_labels=ROLE_LABELS, perms=permissions,
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@allow(*STAFF_MANAGERS)
def staff_new():
    form = StaffCreateForm(stations=services.assignable_stations(), teams=services.assignable_teams())
    if not permissions.can_change_roles(current_user):
        del form.roles  # HR: every new account is a collector
    if form.validate_on_submit():
        data = _staff_data(form, None)
        if data.roles - {Role.COLLECTOR} and not login_is_fresh():
            flash(_("Giving roles needs a recent login. Confirm your password, then enter the staff member again."),
                  "warning")
            return redirect(url_for("accounts.confirm_password", next=url_for("org.staff_new")))
        try:
            added = commit_or_report(lambda: create_staff(current_user, data, ip=client_ip(), now=utcnow()),
                                     form=form)
        except IntegrityError:  # another request took the same staff number a moment ago
            db.session.rollback()
            form.staff_no.errors = [*form.staff_no.errors,
                                    _("Staff number %(no)s is already in use.", no=data.staff_no)]
        else:
            if added:
                user = added.value
                flash(_("%(name)s (%(no)s) was added.", name=user.name, no=user.staff_no), "success")
                return redirect(url_for("org.staff_detail", user_id=user.id))
    return _render_form(form, None)


@bp.get("/staff/<int:user_id>")
@allow(*STAFF_MANAGERS)
def staff_detail(user_id: int):
    user = load_or_404(User, user_id)
    history = services.staff_history(user) if permissions.can_see_staff_history(current_user) else None
    return render_template(
        "org/staff_detail.html", user=user, form=ActionForm(), role_labels=ROLE_LABELS, perms=permissions,
        open_sessions=len(sessions.open_sessions(user)), history=history, action_labels=ACTION_LABELS,
    )


@bp.route("/staff/<int:user_id>/edit", methods=["GET", "POST"])
@allow(*STAFF_MANAGERS)
def staff_edit(user_id: int):
    user = load_or_404(User, user_id, allowed=permissions.can_manage_user)
    form = StaffEditForm(
        stations=services.assignable_stations(keep=user.station),
        teams=services.assignable_teams(keep=user.team),
        data={
            "name": user.name, "station": user.station_id, "team": user.team_id, "position": user.position,
            "hire_date": user.hire_date, "roles": sorted(role.value for role in user.roles),
        },
    )
    if not permissions.can_change_roles(current_user):
        del form.roles  # only administrators change roles
    if form.validate_on_submit():
        data = _staff_data(form, user)
        if data.roles != set(user.roles) and not login_is_fresh():
            flash(_("Changing roles needs a recent login. Confirm your password, then make the change again."),
                  "warning")
            return redirect(url_for("accounts.confirm_password", next=url_for("org.staff_edit", user_id=user.id)))
        saved = commit_or_report(lambda: update_staff(current_user, user, data, ip=client_ip(), now=utcnow()),
                                 form=form)
        if saved:
            if saved.value:
                flash(_("Changes to %(name)s (%(no)s) were saved.", name=user.name, no=user.staff_no), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("org.staff_detail", user_id=user.id))
    return _render_form(form, user)


@bp.post("/staff/<int:user_id>/deactivate")
@allow(*STAFF_MANAGERS)
def staff_deactivate(user_id: int):
    user = load_or_404(User, user_id, allowed=permissions.can_manage_user)
    return perform(accounts.deactivate, user, back=url_for("org.staff_detail", user_id=user_id),
                   success=_("%(name)s (%(no)s) was deactivated and logged out on every device.",
                             name=user.name, no=user.staff_no))


@bp.post("/staff/<int:user_id>/reactivate")
@allow(*STAFF_MANAGERS)
def staff_reactivate(user_id: int):
    user = load_or_404(User, user_id, allowed=permissions.can_manage_user)
    return perform(accounts.reactivate, user, back=url_for("org.staff_detail", user_id=user_id),
                   success=_("%(name)s (%(no)s) was reactivated.", name=user.name, no=user.staff_no))


@bp.route("/staff/<int:user_id>/password", methods=["GET", "POST"])
@allow(Role.ADMIN, fresh=True)
def staff_issue_password(user_id: int):
    """GET asks for confirmation; POST issues the password and shows it on this response only."""
    user = load_or_404(User, user_id, allowed=permissions.can_issue_password)
    form = ActionForm()
    if form.validate_on_submit():
        temporary = accounts.issue_temporary_password(current_user, user, ip=client_ip(), now=utcnow())
        db.session.commit()
        return render_template("org/staff_password_issued.html", user=user, temporary=temporary)
    return render_template("org/staff_password_confirm.html", user=user, form=form)
