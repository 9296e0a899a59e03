"""Question bank pages (trainers and administrators): banks, the question browser, questions with
their versions, imports and exports."""

from flask import Blueprint

bp = Blueprint("banks", __name__, template_folder="../templates")

from app.banks.views import banks, questions, transfer  # noqa: E402,F401  (routes register on bp)
