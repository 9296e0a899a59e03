"""Admin pages for API clients: list them, create one (its token is shown once) and revoke one."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api import clients
from app.api.forms import ClientForm, RevokeForm
from app.api.models import ApiClient
from app.api.scopes import SCOPES
from app.core.clock import utcnow
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow, login_is_fresh
from app.core.roles import Role
from app.core.writes import commit_or_report

bp = Blueprint("api_clients", __name__, url_prefix="/admin/api-clients", template_folder="templates")


@bp.get("")
@allow(Role.ADMIN)
def index():
    return render_template("api/clients.html", clients=clients.all_clients(), scope_labels=SCOPES,
                           fresh=login_is_fresh())


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ADMIN, fresh=True)
def new():
    """POST creates the client and shows its token on this response only (never stored, never again)."""
    form = ClientForm()
    if form.validate_on_submit():
        created = commit_or_report(lambda: clients.create_client(current_user, form.name.data, form.scopes.data,
                                                                 ip=client_ip(), now=utcnow()), form=form)
        if created:
            client, token = created.value
            return render_template("api/client_created.html", client=client, token=token, scope_labels=SCOPES)
    return render_template("api/client_form.html", form=form)


@bp.post("/<int:client_id>/revoke")
@allow(Role.ADMIN, fresh=True)
def revoke(client_id: int):
    client = load_or_404(ApiClient, client_id)
    if not RevokeForm().validate_on_submit():
        abort(400)
    if commit_or_report(lambda: clients.revoke_client(current_user, client, ip=client_ip(), now=utcnow())):
        flash(_("%(name)s was revoked; its token stops working at once.", name=client.name), "success")
    return redirect(url_for("api_clients.index"))
