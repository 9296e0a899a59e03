"""Routes of the org blueprint: stations."""

from app.org.views import bp  # noqa: F401
