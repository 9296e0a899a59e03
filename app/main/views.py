"""Home redirects each person to the landing page of their most powerful role."""

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from app.core.permissions import ANY_USER, PUBLIC, allow
from app.core.roles import LANDING_ORDER, Role
from app.main import landing

bp = Blueprint("main", __name__, template_folder="templates")

LANDING_ENDPOINTS = {
    Role.ADMIN: "main.admin_home",
    Role.HR: "main.hr_home",
    Role.TRAINER: "main.trainer_home",
    Role.COLLECTOR: "main.collector_home",
}


@bp.get("/")
@allow(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    for role in LANDING_ORDER:
        if current_user.has_role(role):
            return redirect(url_for(LANDING_ENDPOINTS[role]))
    return render_template("main/no_role.html")


@bp.get("/admin")
@allow(Role.ADMIN)
def admin_home():
    return render_template("main/admin_home.html", **landing.admin_overview())


@bp.get("/hr")
@allow(Role.HR, Role.ADMIN)
def hr_home():
    return render_template("main/hr_home.html", **landing.hr_overview())


@bp.get("/trainer")
@allow(Role.TRAINER)
def trainer_home():
    return render_template("main/trainer_home.html", **landing.trainer_overview(current_user))


@bp.get("/me")
@allow(ANY_USER)
def collector_home():
    return render_template(
        "main/collector_home.html", **landing.collector_overview(current_user, g.get("login_session"))
    )
