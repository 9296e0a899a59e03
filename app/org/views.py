"""Staff, stations, teams and roster import pages (admin and HR)."""

from flask import Blueprint

bp = Blueprint("org", __name__, template_folder="templates")
