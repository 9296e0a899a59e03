"""A course's name in the reader's language: the English name when the page is in English and the course has
one, else the Chinese name. Pages, messages and forms call this one function (templates as the Jinja global
`course_name`), so every place agrees on the fallback. A course here is anything with `name` and `name_en`."""

from app.core.i18n import html_lang


def course_name(course) -> str:
    return course.name_en if html_lang() == "en" and course.name_en else course.name


def register(app) -> None:
    app.jinja_env.globals["course_name"] = course_name
