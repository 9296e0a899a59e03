"""The /api/v1 blueprint; resource modules register their routes on it."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
