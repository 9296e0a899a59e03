"""The roster file format: its columns, their Chinese and English headers, and how cells are read.

Pure functions (no database): header matching, dates, roles. Messages are translated lazily.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.core.spreadsheets import Issue


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None


COLUMNS = (
    Column("staff_no", "工号", ("staff_no", "staff no", "staff number", "employee_no", "employee no",
                                "employee number"), required=True, max_length=32),
    Column("name", "姓名", ("name",), required=True, max_length=64),
    Column("station", "收费站", ("station",), max_length=100),
    Column("team", "班组", ("team",), max_length=100),
    Column("position", "岗位", ("position",), max_length=64),
    Column("hire_date", "入职日期", ("hire_date", "hire date")),
    Column("roles", "角色", ("roles", "role")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "").strip().casefold()
    return " ".join(text.replace("_", " ").replace("-", " ").split())


_HEADERS = {_header_key(name): column.key for column in COLUMNS for name in (column.chinese, *column.aliases)}


@dataclass(frozen=True)
class HeaderMap:
    indexes: dict  # column key → cell index in each row
    names: dict  # column key → the header text as written in the file (for messages)
    ignored: tuple[str, ...]  # headers that are not roster columns


def match_header(header: tuple[str, ...]) -> tuple[HeaderMap, list[Issue]]:
    """Which cell holds which column; missing required columns and repeated columns are errors."""
    indexes: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored = []
    issues = []
    for index, text in enumerate(header):
        key = _HEADERS.get(_header_key(text))
        if key is None:
            if text.strip():
                ignored.append(text.strip())
            continue
        if key in indexes:
            issues.append(Issue(_l("The column appears twice (also as %(other)s).", other=names[key]),
                                column=text.strip()))
            continue
        indexes[key] = index
        names[key] = text.strip()
    for column in COLUMNS:
        if column.required and column.key not in indexes:
            issues.append(Issue(_l(
                "The required column %(chinese)s (%(english)s) is missing. The first row must hold the "
                "column headers.", chinese=column.chinese, english=column.aliases[0],
            )))
    return HeaderMap(indexes=indexes, names=names, ignored=tuple(ignored)), issues


# --- Dates --------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
# A time of day after the date (Excel's CSV export of a date cell writes "2024/3/1 0:00").
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def parse_date(text: str) -> date | None:
    """2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301; None if it is not such a date."""
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text) or _with_time(pattern, text)
        if match:
            year, month, day = (int(part) for part in match.groups()[:3])
            try:
                value = date(year, month, day)
            except ValueError:
                return None
            return value if EARLIEST_YEAR <= value.year <= LATEST_YEAR else None
    return None


def _with_time(pattern: re.Pattern, text: str):
    match = pattern.match(text)
    if match and _TIME_SUFFIX.fullmatch(text[match.end():]):
        return match
    return None


# --- Roles --------------------------------------------------------------------------------------

ROLE_WORDS = {
    "收费员": Role.COLLECTOR,
    "collector": Role.COLLECTOR,
    "培训师": Role.TRAINER,
    "讲师": Role.TRAINER,
    "主讲人员": Role.TRAINER,
    "trainer": Role.TRAINER,
    "人事": Role.HR,
    "hr": Role.HR,
    "管理员": Role.ADMIN,
    "admin": Role.ADMIN,
}
ROLE_SEPARATORS = re.compile(r"[;；,，、\s]+")


def parse_roles(text: str) -> tuple[frozenset[Role], list[str]]:
    """The roles named in a cell and the words that are not roles; an empty cell gives no roles."""
    roles = set()
    unknown = []
    for word in ROLE_SEPARATORS.split(unicodedata.normalize("NFKC", text).strip()):
        if not word:
            continue
        role = ROLE_WORDS.get(word.casefold())
        if role is None:
            unknown.append(word)
        else:
            roles.add(role)
    return frozenset(roles), unknown
