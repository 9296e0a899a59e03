"""Routes of the org blueprint: stations (收费站 and 收费点) and their teams (admin and HR)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.forms import add_domain_error
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.roles import Role
from app.extensions import db
from app.org import permissions, services
from app.org.forms import KIND_LABELS, ActionForm, StationFilterForm, StationForm, TeamForm
from app.org.models import Station, Team
from app.org.views import bp
from app.org.views.actions import perform


def _check_org_permission() -> None:
    if not permissions.can_manage_org(current_user):
        abort(403)


def _back_to_list():
    """Back to the list; no #anchor, so the flashed message at the top stays in view."""
    return redirect(url_for("org.stations"))


@bp.get("/stations")
@allow(Role.ADMIN, Role.HR)
def stations():
    _check_org_permission()
    form = StationFilterForm(formdata=request.args)
    form.validate()
    found = db.session.scalars(
        services.station_query(
            q=(form.q.data or "").strip()[:100],
            kind="" if form.kind.errors else form.kind.data or "",
            status="all" if form.status.errors else form.status.data or "all",
        )
    ).all()
    return render_template(
        "org/stations.html", form=form, stations=found, kind_labels=KIND_LABELS,
        staff_by_station=services.active_staff_by_station(), staff_by_team=services.active_staff_by_team(),
        action_form=ActionForm(),
    )


@bp.route("/stations/new", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.HR)
def station_new():
    _check_org_permission()
    form = StationForm()
    if form.validate_on_submit():
        try:
            station = services.add_station(current_user, form.name.data, form.kind.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Station %(name)s was added.", name=station.name), "success")
            return _back_to_list()
    return render_template("org/station_form.html", form=form, station=None)


@bp.route("/stations/<int:station_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.HR)
def station_edit(station_id: int):
    station = db.get_or_404(Station, station_id)
    _check_org_permission()
    form = StationForm(data={"name": station.name, "kind": station.kind})
    if form.validate_on_submit():
        try:
            changed = services.update_station(current_user, station, form.name.data, form.kind.data,
                                              ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            if changed:
                flash(_("Station %(name)s was saved.", name=station.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return _back_to_list()
    return render_template("org/station_form.html", form=form, station=station)


@bp.post("/stations/<int:station_id>/deactivate")
@allow(Role.ADMIN, Role.HR)
def station_deactivate(station_id: int):
    station = db.get_or_404(Station, station_id)
    _check_org_permission()
    return perform(services.deactivate_station, station, back=url_for("org.stations"),
                   success=_("Station %(name)s was deactivated.", name=station.name))


@bp.post("/stations/<int:station_id>/reactivate")
@allow(Role.ADMIN, Role.HR)
def station_reactivate(station_id: int):
    station = db.get_or_404(Station, station_id)
    _check_org_permission()
    return perform(services.reactivate_station, station, back=url_for("org.stations"),
                   success=_("Station %(name)s was reactivated.", name=station.name))


@bp.route("/stations/<int:station_id>/teams/new", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.HR)
def team_new(station_id: int):
    station = db.get_or_404(Station, station_id)
    _check_org_permission()
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.add_team(current_user, station, form.name.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Team %(team)s was added to %(station)s.", team=team.name, station=station.name), "success")
            return _back_to_list()
    return render_template("org/team_form.html", form=form, station=station, team=None)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.HR)
def team_edit(team_id: int):
    team = db.get_or_404(Team, team_id)
    _check_org_permission()
    form = TeamForm(data={"name": team.name})
    if form.validate_on_submit():
        try:
            changed = services.rename_team(current_user, team, form.name.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            add_domain_error(form, error)
        else:
            db.session.commit()
            if changed:
                flash(_("Team %(team)s was saved.", team=team.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return _back_to_list()
    return render_template("org/team_form.html", form=form, station=team.station, team=team)


@bp.post("/teams/<int:team_id>/deactivate")
@allow(Role.ADMIN, Role.HR)
def team_deactivate(team_id: int):
    team = db.get_or_404(Team, team_id)
    _check_org_permission()
    return perform(services.deactivate_team, team, back=url_for("org.stations"),
                   success=_("Team %(team)s was deactivated.", team=team.name))


@bp.post("/teams/<int:team_id>/reactivate")
@allow(Role.ADMIN, Role.HR)
def team_reactivate(team_id: int):
    team = db.get_or_404(Team, team_id)
    _check_org_permission()
    return perform(services.reactivate_team, team, back=url_for("org.stations"),
                   success=_("Team %(team)s was reactivated.", team=team.name))
