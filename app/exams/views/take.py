"""Routes: being written."""

from app.exams.views import bp  # noqa: F401
