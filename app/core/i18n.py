"""Locale choice (user preference → session → configured default; the API: Accept-Language → default)
and display helpers."""

from datetime import datetime

from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale, gettext, ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English"}


class EscapedLazyString(LazyString):
    """A lazy translation that templates escape like any other text.

    Flask-Babel's LazyString claims to be safe HTML (its __html__ returns the raw text), so a
    message quoting user input, such as a station name, would reach the page unescaped.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> EscapedLazyString:
    return EscapedLazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> EscapedLazyString:
    return EscapedLazyString(ngettext, singular, plural, num, **variables)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the configured default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):  # token callers have no session: Accept-Language, then the default
        return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
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
