"""Training pages: HR plans batches and allocates staff (plans, batches), schedules sessions (batches),
lecturers take attendance and show check-in codes (attendance), collectors see their training and check in
(mine)."""

from flask import Blueprint

bp = Blueprint("training", __name__, template_folder="../templates")

from app.training.views import allocation, attendance, batches, mine  # noqa: E402,F401  (routes register on bp)
