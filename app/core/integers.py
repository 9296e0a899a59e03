"""Whole numbers read from a request, kept within what an INTEGER column holds (docs/security.md §20).

Python's int has no limit, SQLite's INTEGER stops at 2^63−1 and PostgreSQL's `integer` at 2^31−1, so an id of
10^23 handed to a query is a database error (a 500), not "no such row". Every number a request carries goes
through this module instead of `int`:

- URL paths: `BoundedIntConverter` replaces Flask's `int` converter (create_app), so every `<int:…>` route
  matches only 1 … 2^31−1 written in ASCII digits; anything else matches no route, which is a 404.
- Query strings and forms: `whole_number` is Werkzeug's `type=` for them
  (`request.args.get("page", 1, type=whole_number)`) and WTForms' `coerce=`; it raises ValueError outside
  0 … 2^31−1, which Werkzeug turns into the default (a junk value was always ignored) and WTForms into a
  field error.
"""

import re

from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # PostgreSQL `integer`; SQLite's INTEGER holds more
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole_number(value) -> int:
    """0 … 2^31−1 from ASCII digits (or an int already); ValueError for anything else, however long."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        raise ValueError(f"not a whole number from 0 to {MAX_INT}")
    if not 0 <= number <= MAX_INT:
        raise ValueError(f"not a whole number from 0 to {MAX_INT}")
    return number


def optional_whole_number(value) -> int | None:
    """For WTForms' `coerce=` on optional choices: "" or None → None, otherwise `whole_number`."""
    if value in (None, "", "None"):
        return None
    return whole_number(value)


def whole_number_or_none(value) -> int | None:
    """`whole_number`, or None where it would refuse (for values read outside Werkzeug's `type=`)."""
    try:
        return whole_number(value)
    except ValueError:
        return None


def _regex_up_to(limit: int) -> str:
    """A regular expression matching exactly 1 … `limit` in digits without leading zeros."""
    digits = str(limit)
    parts = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for index, digit in enumerate(digits):
        low = 1 if index == 0 else 0
        if int(digit) > low:
            parts.append(f"{digits[:index]}[{low}-{int(digit) - 1}][0-9]{{{len(digits) - index - 1}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: ids from 1 to 2^31−1 in ASCII digits (`\\d` would also take other scripts).

    The range is in the regular expression, not only in `to_python`: Werkzeug checks a rule's methods before its
    converters, so a value refused by `to_python` on a path with separate GET and POST rules would be a 405."""

    regex = _regex_up_to(MAX_INT)

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_INT, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)
