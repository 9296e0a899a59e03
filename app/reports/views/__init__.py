"""Report pages and downloads; one module per kind of report registers its routes on `bp`."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="../templates")

from app.reports.views import dashboards, exports, items  # noqa: E402,F401  (routes register on bp)
