"""The one-button POSTs of the org pages (deactivate, reactivate) share one shape."""

from flask import abort, flash, redirect
from flask_login import current_user

from app.core.clock import utcnow
from app.core.net import client_ip
from app.core.writes import commit_or_report
from app.org.forms import ActionForm


def perform(operation, target, *, success: str, back: str):
    """Check the CSRF-protected form, run `operation(actor, target, ip=, now=)`, commit once,
    flash the outcome (the refusal's message, or `success`) and go back to `back`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if commit_or_report(lambda: operation(current_user, target, ip=client_ip(), now=utcnow())):
        flash(success, "success")
    return redirect(back)
