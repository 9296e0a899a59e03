"""Staff, stations, teams and roster import pages (admin and HR)."""

from flask import Blueprint

bp = Blueprint("org", __name__, template_folder="../templates")

from app.org.views import roster, staff, stations  # noqa: E402,F401  (routes register on bp)
