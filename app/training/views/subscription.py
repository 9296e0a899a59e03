"""Calendar subscription: the feed a phone fetches with a person's secret link, and the buttons on "my
training" that make a new link (shown once) or turn it off.

The feed (`/calendar.ics?token=…`) needs no login and sets no cookie; it answers 404 alike for a missing,
unknown, replaced or turned-off token and for a deactivated account, is limited per token and, for failed
lookups, per address, and may be cached privately for a few minutes. The token is in the query string because
request logs drop query strings; it never reaches the audit log (app.training.calendar_links).
"""

import time

import segno
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import utcnow
from app.core.net import client_ip
from app.core.permissions import ANY_USER, PUBLIC, allow
from app.core.tokens import hash_token
from app.core.writes import commit_or_report
from app.extensions import limiter
from app.training import calendar_links, calendars
from app.training.batch_forms import ButtonForm
from app.training.views import bp

FEED_LIMIT = "60 per hour"  # a phone looks hourly; a desktop and a web calendar may share a link
FAILED_LOOKUP_LIMIT = "30 per hour"  # unknown tokens per address: 256-bit tokens cannot be guessed; this stops noise
FEED_MAX_AGE = 300  # seconds a client may reuse the feed


def _feed_key() -> str:
    return "calendar-feed:" + hash_token(request.args.get("token", "")[:calendar_links.MAX_TOKEN])[:32]


def _failure_key() -> str:
    return f"calendar-feed-ip:{client_ip()}"


def _plain(text: str, status: int, **headers):
    """A plain-text refusal: the HTML error page would start a session and send its cookie."""
    return make_response(text, status, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store",
                                        **headers})


def _too_many(limit):
    wait = max(1, int(limit.reset_at - time.time()) + 1)
    return _plain(_("Too many requests for this calendar; try again in %(seconds)d seconds.", seconds=wait), 429,
                  **{"Retry-After": str(wait)})


@bp.get("/calendar.ics")
@allow(PUBLIC)
@limiter.limit(FEED_LIMIT, key_func=_feed_key, scope="calendar-feed", on_breach=_too_many)
@limiter.limit(FAILED_LOOKUP_LIMIT, key_func=_failure_key, scope="calendar-feed-failures", on_breach=_too_many,
               deduct_when=lambda response: response.status_code == 404)
def subscription_feed():
    user = calendar_links.find_subscriber(request.args.get("token"))
    if user is None:
        return _plain(_("This calendar link does not exist or was turned off."), 404)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        data = calendars.person_calendar(user, utcnow())
    response = calendars_response(data)
    response.headers["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    return response


def calendars_response(data: bytes):
    response = make_response(data)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    return response


def feed_links(token: str) -> dict:
    """The https link, the same as webcal:// (opens the calendar app to subscribe), and its QR code."""
    url = url_for("training.subscription_feed", token=token, _external=True)
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"url": url, "webcal": webcal, "qr": segno.make(webcal, error="m").svg_data_uri(scale=6, border=2)}


@bp.post("/training/my/calendar-link")
@allow(ANY_USER)
def make_calendar_link():
    if not ButtonForm().validate_on_submit():
        abort(400)
    done = commit_or_report(lambda: calendar_links.make_link(current_user, current_user, now=utcnow(),
                                                             ip=client_ip()))
    if not done:
        return redirect(url_for("training.my_training"))
    return render_template("training/calendar_link.html", links=feed_links(done.value))


@bp.post("/training/my/calendar-link/revoke")
@allow(ANY_USER)
def revoke_calendar_link():
    if not ButtonForm().validate_on_submit():
        abort(400)
    if commit_or_report(lambda: calendar_links.revoke_link(current_user, current_user, now=utcnow(),
                                                           ip=client_ip())):
        flash(_("Your calendar link is turned off; calendars subscribed with it stop updating."), "success")
    return redirect(url_for("training.my_training"))
