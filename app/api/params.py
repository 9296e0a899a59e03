"""Query parameters of the API: parsed strictly, a bad value is a 400 naming the parameter.

Pagination is by cursor (keyset on the id): `limit` (1…MAX_LIMIT, default DEFAULT_LIMIT) and `cursor`, the
opaque value of the previous page's `next` link. Keyset pages stay fast on large tables and never skip or
repeat a row when rows are added meanwhile.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from flask import request, url_for

from app.api.errors import InvalidParameter
from app.core.i18n import lazy_gettext as _l
from app.core.integers import MAX_INT, whole_number_or_none
from app.core.localtime import local_zone

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ID = MAX_INT  # ids are INTEGER columns: a larger number would be a database error, not "no such row"
_INTEGER = re.compile(r"[0-9]{1,10}")
_CURSOR_PREFIX = "id:"


def text(name: str, *, max_length: int = 100) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    if not value or len(value) > max_length or not value.isprintable():
        raise InvalidParameter(name, _l("The parameter %(name)s must be 1 to %(max)s printable characters.",
                                        name=name, max=max_length))
    return value


def integer(name: str) -> int | None:
    """A positive whole number (an id), or None when absent."""
    value = request.args.get(name)
    if value is None:
        return None
    number = whole_number_or_none(value)
    if not number:
        raise InvalidParameter(name, _l("The parameter %(name)s must be a positive whole number.", name=name))
    return number


def boolean(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise InvalidParameter(name, _l("The parameter %(name)s must be true or false.", name=name))
    return value == "true"


def choice(name: str, allowed) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise InvalidParameter(name, _l("The parameter %(name)s must be one of: %(values)s.", name=name,
                                        values=", ".join(allowed)))
    return value


def moment(name: str, *, end: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime; with `end`, an exclusive upper bound.

    A date is a whole day in the configured zone: `from=2026-11-02` starts at its local midnight,
    `to=2026-11-02` ends at the next one. A date-time without an offset is read in the configured zone too;
    as `to` it is included (the bound is one microsecond later).
    """
    value = request.args.get(name)
    if value is None:
        return None
    zone = local_zone()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            local = datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=zone)
        else:
            local = datetime.fromisoformat(value.replace("z", "Z"))
            if local.tzinfo is None:
                local = local.replace(tzinfo=zone)
            if end:
                local += timedelta(microseconds=1)
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidParameter(name, _l(
            "The parameter %(name)s must be a date (2026-11-02) or a date and time (2026-11-02T08:30:00+08:00).",
            name=name)) from None


@dataclass(frozen=True)
class Page:
    limit: int
    after_id: int


def page() -> Page:
    raw_limit = request.args.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not _INTEGER.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise InvalidParameter("limit", _l("The parameter limit must be a whole number from 1 to %(max)s.",
                                               max=MAX_LIMIT))
        limit = int(raw_limit)
    after_id = 0
    cursor = request.args.get("cursor")
    if cursor:  # absent or empty: the first page (a client may send the empty cursor it started with)
        after_id = _decode_cursor(cursor)
    return Page(limit=limit, after_id=after_id)


def _decode_cursor(cursor: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4)).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        decoded = ""
    number = decoded.removeprefix(_CURSOR_PREFIX)
    if not decoded.startswith(_CURSOR_PREFIX) or not _INTEGER.fullmatch(number) or int(number) > MAX_ID:
        raise InvalidParameter("cursor", _l(
            "The parameter cursor is not one this API gave out; start again from the first page."))
    return int(number)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def listing(rows: list, page: Page, serialize, *, id_of=lambda row: row.id) -> dict:
    """`{"data": [...], "next": url | null}` from up to limit + 1 fetched rows (the extra one means more)."""
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_url = None
    if more:
        args = {**request.args.to_dict(), "cursor": encode_cursor(id_of(rows[-1])), "limit": page.limit}
        next_url = f"{url_for(request.endpoint, _external=True)}?{urlencode(args)}"
    return {"data": [serialize(row) for row in rows], "next": next_url}
