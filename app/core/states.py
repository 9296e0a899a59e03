"""States are StrEnums; the database holds their values and refuses any other through a CHECK constraint.

A StrEnum member is a str, so rows, forms, JSON and templates compare it with its value unchanged; code and
templates name the member (`ExamState.PUBLISHED`), never the bare string, so a renamed or added state is one
edit in one place.
"""

from collections.abc import Iterable
from enum import StrEnum


def one_of(column: str, values: type[StrEnum] | Iterable[str]) -> str:
    """SQL for a CHECK constraint admitting only `values` in `column`: `status IN ('draft', 'published')`.

    The text is the same for an enum and for the tuple of its values, so existing migrations stay valid.
    """
    quoted = ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"
