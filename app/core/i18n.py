"""Locale choice (user preference → session → configured default) and display helpers."""

from datetime import datetime

from flask import current_app, has_request_context, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the configured default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang() -> str:
    """BCP 47 tag for <html lang>: zh-Hans or en."""
    return str(get_locale()).replace("_", "-")


def localtime(value: datetime | None, format: str = "short") -> str:
    """An aware UTC datetime shown in the configured zone and current locale."""
    if value is None:
        return ""
    return format_datetime(value, format)


def register(app) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals.update(html_lang=html_lang, LANGUAGE_NAMES=LANGUAGE_NAMES)
