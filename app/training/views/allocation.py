"""HR's plan and allocation pages: plans and their scope, proposing an allocation, counts per station, team
and batch against their limits, moving one person with a live check (app/static/js/allocation.js asks
`check_move`; without JavaScript the move is checked when posted), and declared leave.

Each view: parse → load (404) → service → commit once → flash and redirect; `@allow(*PLANNERS)` is the whole
permission check (no page here depends on the object). Refusals of the allocation and of a move are shown on
the page itself (409), never as a redirect, so HR reads why next to what they tried.
"""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.accounts.services import find_by_staff_no, normalise_staff_no
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.integers import whole_number
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.extensions import db
from app.org.models import Station, Team
from app.training import batches as batch_services
from app.training import leave as leave_services
from app.training import plan_allocation
from app.training import plans as plan_services
from app.training.allocation_table import allocation_table, teams_in_order
from app.training.models import Batch, TrainingPlan, Unavailability
from app.training.permissions import PLANNERS
from app.training.plan_forms import ActionForm, LeaveForm, MoveForm, PlanForm
from app.training.states import BatchState
from app.training.views import bp

MEMBERS_PER_PAGE = 100
LEAVE_PER_PAGE = 50


def _check_action_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


# --- Plans --------------------------------------------------------------------------------------

@bp.get("/training/plans")
@allow(*PLANNERS)
def plans():
    # The batches in one more query (the page shows how many each plan has), not one per plan.
    plans = db.session.scalars(db.select(TrainingPlan).options(selectinload(TrainingPlan.batches))
                               .order_by(TrainingPlan.created_at.desc(), TrainingPlan.id.desc())).all()
    counts = plan_services.plan_counts(plans)
    rows = [(plan, *counts[plan.id]) for plan in plans]
    return render_template("training/plans.html", rows=rows, share_text=plan_services.share_text)


def _choices(plan: TrainingPlan | None) -> tuple[list[Station], list[Team]]:
    """Active stations and teams, plus inactive ones the plan already holds."""
    stations = [s for s in db.session.scalars(db.select(Station).order_by(Station.name, Station.id))
                if s.active or (plan and s in plan.stations)]
    shown = {s.id for s in stations}
    teams = [t for t in db.session.scalars(db.select(Team).order_by(Team.station_id, Team.id))
             if t.station_id in shown and (t.active or (plan and t in plan.teams))]
    return stations, teams


def _plan_form_page(plan: TrainingPlan | None):
    stations, teams = _choices(plan)
    if plan is None:
        share = plan_services.default_share()
        data = {"share": f"{share.numerator}/{share.denominator}"}
    else:
        data = {"name": plan.name, "share": f"{plan.share_numerator}/{plan.share_denominator}",
                "stations": [s.id for s in plan.stations], "teams": [t.id for t in plan.teams]}
    form = PlanForm(stations=stations, teams=teams, data=data)
    if form.validate_on_submit():
        chosen_stations = [s for s in stations if s.id in set(form.stations.data or ())]
        chosen_teams = [t for t in teams if t.id in set(form.teams.data or ())]
        values = {"name": form.name.data, "share": form.parsed_share, "stations": chosen_stations,
                  "teams": chosen_teams, "now": utcnow(), "ip": client_ip()}
        if plan is None:
            done = commit_or_report(lambda: plan_services.create_plan(current_user, **values), form=form)
            saved, changed = done.value, True
        else:
            done = commit_or_report(lambda: plan_services.update_plan(current_user, plan, **values), form=form)
            saved, changed = plan, done.value
        if done:
            flash(_("Plan %(name)s was saved.", name=saved.name) if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("training.plan", plan_id=saved.id))
    return render_template("training/plan_form.html", plan=plan, form=form, stations=stations,
                           team_groups=form.team_groups(stations))


@bp.route("/training/plans/new", methods=["GET", "POST"])
@allow(*PLANNERS)
def new_plan():
    return _plan_form_page(None)


@bp.route("/training/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@allow(*PLANNERS)
def edit_plan(plan_id: int):
    return _plan_form_page(load_or_404(TrainingPlan, plan_id))


# --- The plan and its allocation ----------------------------------------------------------------

def _int_arg(name: str) -> int | None:
    value = request.values.get(name, type=whole_number)
    return value if value is not None and value > 0 else None


def _filters() -> dict:
    """station / team / page of the member table, from the query string or the posted form."""
    return {key: value for key in ("station", "team", "page") if (value := _int_arg(key)) is not None}


def _plan_page(plan: TrainingPlan, *, refusals=(), move_errors=None, status: int = 200):
    scope = plan_allocation.load_scope(plan)
    table = allocation_table(plan, scope)
    filters = _filters()
    pagination = db.paginate(plan_services.scope_query(plan, station_id=filters.get("station"),
                                                  team_id=filters.get("team")),
                             page=filters.get("page", 1), per_page=MEMBERS_PER_PAGE, error_out=False)
    people = scope.problem.people
    station_ids, team_ids = {p.station for p in people}, {p.team for p in people if p.team is not None}
    stations = list(db.session.scalars(db.select(Station).where(Station.id.in_(station_ids))
                                       .order_by(Station.name, Station.id))) if station_ids else []
    teams = teams_in_order(team_ids)
    return render_template(
        "training/plan.html", plan=plan, table=table, scope_size=len(scope.ids), pagination=pagination,
        members=scope.members, filters=filters, filter_args={k: v for k, v in filters.items() if k != "page"},
        stations=stations, teams=teams, refusals=list(refusals), move_errors=move_errors or {},
        share_text=plan_services.share_text, action_form=ActionForm(), status_labels=batch_services.STATUS_LABELS,
        pending=[b for b in plan.batches if b.status != BatchState.PLANNING],
    ), status


@bp.get("/training/plans/<int:plan_id>")
@allow(*PLANNERS)
def plan(plan_id: int):
    return _plan_page(load_or_404(TrainingPlan, plan_id))


@bp.post("/training/plans/<int:plan_id>/propose")
@allow(*PLANNERS)
def propose_allocation(plan_id: int):
    plan = load_or_404(TrainingPlan, plan_id)
    _check_action_form()
    try:
        result = plan_allocation.propose(current_user, plan, now=utcnow(), ip=client_ip())
    except DomainError as error:
        db.session.rollback()
        return _plan_page(plan, refusals=[str(error.message)], status=error.status_code)
    if result.assignment is None:
        db.session.rollback()
        scope = plan_allocation.load_scope(plan)
        return _plan_page(plan, refusals=plan_allocation.describe_all(scope, result.refusals), status=409)
    db.session.commit()
    placed = len(result.assignment)
    flash(ngettext("The allocation was applied: %(num)d person placed.",
                   "The allocation was applied: %(num)d people placed.", placed), "success")
    if not result.optimal:
        flash(_("The batch sizes are the most even found within %(seconds)d seconds; every rule is met.",
                seconds=current_app.config["ALLOCATION_TIME_LIMIT"]), "info")
    return redirect(url_for("training.plan", plan_id=plan.id))


def _person_and_batch(plan: TrainingPlan, source) -> tuple[User, Batch]:
    user = load_or_404(User, source.get("user_id", type=whole_number) or 0)
    batch = load_or_404(Batch, source.get("batch_id", type=whole_number) or 0)
    if batch.plan_id != plan.id:
        abort(404)
    return user, batch


@bp.get("/training/plans/<int:plan_id>/check-move")
@allow(*PLANNERS)
def check_move(plan_id: int):
    plan = load_or_404(TrainingPlan, plan_id)
    if not request.args.get("user_id", type=whole_number) or not request.args.get("batch_id", type=whole_number):
        return jsonify(ok=False, problems=[_("Choose a person and a batch.")])
    user, batch = _person_and_batch(plan, request.args)
    problems = plan_allocation.check_move(plan, user, batch)
    return jsonify(ok=not problems, problems=problems)


@bp.post("/training/plans/<int:plan_id>/move")
@allow(*PLANNERS)
def move_member(plan_id: int):
    plan = load_or_404(TrainingPlan, plan_id)
    if not MoveForm().validate_on_submit():
        abort(400)
    user, batch = _person_and_batch(plan, request.form)
    try:
        plan_allocation.move(current_user, plan, user, batch, now=utcnow(), ip=client_ip())
    except DomainError as error:
        db.session.rollback()
        message = str(error.message)
        return _plan_page(plan, refusals=[message], move_errors={user.id: [message]}, status=error.status_code)
    db.session.commit()
    flash(_("%(person)s is now in batch %(batch)s.", person=plan_allocation.person_label(user), batch=batch.name),
          "success")
    return redirect(url_for("training.plan", plan_id=plan.id, **_filters(), _anchor=f"member-{user.id}"))


# --- Declared leave -----------------------------------------------------------------------------

@bp.route("/training/leave", methods=["GET", "POST"])
@allow(*PLANNERS)
def leave():
    form = LeaveForm()
    if form.validate_on_submit():
        user = find_by_staff_no(form.staff_no.data)
        if user is None:
            form.staff_no.errors = [*form.staff_no.errors,
                                    _("Nobody has the staff no %(staff_no)s.", staff_no=form.staff_no.data)]
        else:
            done = commit_or_report(lambda: leave_services.add_unavailability(
                current_user, user, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                reason=form.reason.data or "", now=utcnow(), ip=client_ip()), form=form)
            if done:
                affected = done.value
                flash(_("Leave of %(person)s was recorded.", person=plan_allocation.person_label(user)), "success")
                if affected:
                    flash(_("%(person)s is already in batch %(batches)s during this leave: move them to another "
                            "batch on the plan page.", person=plan_allocation.person_label(user),
                            batches=", ".join(b.name for b in affected)), "warning")
                return redirect(url_for("training.leave", q=user.staff_no))
    query = normalise_staff_no(request.args.get("q", ""))
    pagination = db.paginate(leave_services.leave_query(query), page=request.args.get("page", 1, type=whole_number),
                             per_page=LEAVE_PER_PAGE, error_out=False)
    user_ids = {row.user_id for row in pagination.items}
    people = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    status = 400 if form.errors else 200
    return render_template("training/leave.html", form=form, pagination=pagination, people=people, query=query,
                           action_form=ActionForm()), status


@bp.post("/training/leave/remove")
@allow(*PLANNERS)
def remove_leave():
    _check_action_form()
    row = load_or_404(Unavailability, request.form.get("id", type=whole_number) or 0)
    user = db.session.get(User, row.user_id)
    leave_services.remove_unavailability(current_user, row, now=utcnow(), ip=client_ip())
    db.session.commit()
    flash(_("Leave of %(person)s from %(start)s to %(end)s was removed.", person=plan_allocation.person_label(user),
            start=row.starts_on.isoformat(), end=row.ends_on.isoformat()), "success")
    return redirect(url_for("training.leave", q=request.form.get("q") or None))
