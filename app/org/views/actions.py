"""The one-button POSTs of the org pages (deactivate, reactivate) share one shape."""

from flask import abort, flash, redirect
from flask_login import current_user

from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.net import client_ip
from app.extensions import db
from app.org.forms import ActionForm


def perform(operation, target, *, success: str, back: str):
    """Check the CSRF-protected form, run `operation(actor, target, ip=, now=)`, commit once,
    flash the outcome (the refusal's message, or `success`) and go back to `back`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation(current_user, target, ip=client_ip(), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(back)
