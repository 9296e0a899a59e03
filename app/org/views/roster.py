"""Routes of the org blueprint: roster."""

from app.org.views import bp  # noqa: F401
