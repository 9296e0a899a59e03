"""Routes of the org blueprint: stations (收费站 and 收费点) and their teams (admin and HR)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import utcnow
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.extensions import db
from app.org import services
from app.org.forms import KIND_LABELS, ActionForm, StationFilterForm, StationForm, TeamForm
from app.org.models import Station, Team
from app.org.permissions import ORG_MANAGERS
from app.org.views import bp
from app.org.views.actions import perform


def _back_to_list():
    """Back to the list; no #anchor, so the flashed message at the top stays in view."""
    return redirect(url_for("org.stations"))


@bp.get("/stations")
@allow(*ORG_MANAGERS)
def stations():
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
@allow(*ORG_MANAGERS)
def station_new():
    form = StationForm()
    if form.validate_on_submit():
        added = commit_or_report(lambda: services.add_station(current_user, form.name.data, form.kind.data,
                                                              ip=client_ip(), now=utcnow()), form=form)
        if added:
            flash(_("Station %(name)s was added.", name=added.value.name), "success")
            return _back_to_list()
    return render_template("org/station_form.html", form=form, station=None)


@bp.route("/stations/<int:station_id>/edit", methods=["GET", "POST"])
@allow(*ORG_MANAGERS)
def station_edit(station_id: int):
    station = load_or_404(Station, station_id)
    form = StationForm(data={"name": station.name, "kind": station.kind})
    if form.validate_on_submit():
        saved = commit_or_report(lambda: services.update_station(current_user, station, form.name.data,
                                                                  form.kind.data, ip=client_ip(), now=utcnow()),
                                 form=form)
        if saved:
            if saved.value:
                flash(_("Station %(name)s was saved.", name=station.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return _back_to_list()
    return render_template("org/station_form.html", form=form, station=station)


@bp.post("/stations/<int:station_id>/deactivate")
@allow(*ORG_MANAGERS)
def station_deactivate(station_id: int):
    station = load_or_404(Station, station_id)
    return perform(services.deactivate_station, station, back=url_for("org.stations"),
                   success=_("Station %(name)s was deactivated.", name=station.name))


@bp.post("/stations/<int:station_id>/reactivate")
@allow(*ORG_MANAGERS)
def station_reactivate(station_id: int):
    station = load_or_404(Station, station_id)
    return perform(services.reactivate_station, station, back=url_for("org.stations"),
                   success=_("Station %(name)s was reactivated.", name=station.name))


@bp.route("/stations/<int:station_id>/teams/new", methods=["GET", "POST"])
@allow(*ORG_MANAGERS)
def team_new(station_id: int):
    station = load_or_404(Station, station_id)
    form = TeamForm()
    if form.validate_on_submit():
        added = commit_or_report(lambda: services.add_team(current_user, station, form.name.data, ip=client_ip(),
                                                           now=utcnow()), form=form)
        if added:
            flash(_("Team %(team)s was added to %(station)s.", team=added.value.name, station=station.name),
                  "success")
            return _back_to_list()
    return render_template("org/team_form.html", form=form, station=station, team=None)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@allow(*ORG_MANAGERS)
def team_edit(team_id: int):
    team = load_or_404(Team, team_id)
    form = TeamForm(data={"name": team.name})
    if form.validate_on_submit():
        saved = commit_or_report(lambda: services.rename_team(current_user, team, form.name.data, ip=client_ip(),
                                                               now=utcnow()), form=form)
        if saved:
            if saved.value:
                flash(_("Team %(team)s was saved.", team=team.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return _back_to_list()
    return render_template("org/team_form.html", form=form, station=team.station, team=team)


@bp.post("/teams/<int:team_id>/deactivate")
@allow(*ORG_MANAGERS)
def team_deactivate(team_id: int):
    team = load_or_404(Team, team_id)
    return perform(services.deactivate_team, team, back=url_for("org.stations"),
                   success=_("Team %(team)s was deactivated.", team=team.name))


@bp.post("/teams/<int:team_id>/reactivate")
@allow(*ORG_MANAGERS)
def team_reactivate(team_id: int):
    team = load_or_404(Team, team_id)
    return perform(services.reactivate_team, team, back=url_for("org.stations"),
                   success=_("Team %(team)s was reactivated.", team=team.name))
