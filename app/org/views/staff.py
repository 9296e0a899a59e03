"""Routes of the org blueprint: staff."""

from app.org.views import bp  # noqa: F401
