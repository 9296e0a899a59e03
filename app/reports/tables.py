"""Streaming CSV and XLSX writers for every report: columns and an iterator of rows in, a download out.

    from app.core.i18n import lazy_gettext as _l
    from app.reports.tables import DATETIME, NUMBER, TEXT, Column, download

    COLUMNS = (Column("staff_no", _l("Staff no."), TEXT, width=12),
               Column("score", _l("Score"), NUMBER),
               Column("submitted", _l("Submitted"), DATETIME))
    rows = ((a.user.staff_no, a.score, a.submitted_at) for a in attempts)   # values in column order
    return download(COLUMNS, rows, "xlsx", filename=_("Results"), title=_("Results"))

Decisions (docs/security.md §27, §28):
- Headers are msgids translated when the file is written, so the file speaks the reader's language.
- Text cells that begin with `= + - @`, tab, CR or LF, or a full-width or other form of `= + - @`
  (`app.core.spreadsheets.formulas`): in CSV they get a leading `'` (`neutralise`; text that already begins
  with apostrophes before such a character gets one more, so the rule can be undone exactly); in XLSX they
  keep their text and get Excel's quote-prefix style (`xlsx_stream.Quoted`), so nothing shows an apostrophe
  that was not typed. Real numbers in NUMBER columns are written as numbers (a negative score is a number,
  not a formula); anything else in a NUMBER column is text (in XLSX, so are NaN and infinities, which a cell
  cannot hold).
- TEXT cells are always string cells in XLSX (staff numbers like `000123` keep their zeros); nothing is
  ever a formula cell: the XLSX writer has no way to write one (no `<f>` element, see `xlsx_stream`).
  A CSV opened by double-click in Excel or LibreOffice loses those zeros (the program guesses a number):
  CSV is offered for other systems to import, XLSX for people to read and print (the download buttons,
  `reports/_downloads.html`, say so). No `="000123"` trick: other systems would import the formula.
- XLSX is ready to print: A4 landscape, one page wide, header row on every page, the report's title in
  the page header and "page N of M" (translated) in the footer (`xlsx_stream._print_setup`).
- Times: aware datetimes are shown in the configured zone (`TIMEZONE`); XLSX gets real date/time cells.
- CSV: UTF-8 with a BOM (Excel needs it for Chinese), RFC 4180 quoting, CRLF, produced by a generator in
  chunks of about 64 KiB, so memory stays flat however many rows there are.
- XLSX: `app.reports.xlsx_stream`, a small writer of our own: rows are turned into sheet XML a thousand at
  a time and deflated straight into the zip (inline strings, no scratch files, flat memory), into an
  anonymous temporary file that is then streamed and closed. It replaced XlsxWriter (constant-memory
  mode), which took over three times as long for the 100,000 results of bench/reports.py, at the same flat
  memory (figures in bench/README.md); openpyxl's write-only mode was slower still. Bold frozen header
  row, autofilter over the data, column widths from the spec (or from the header's length). Text loses
  the characters XML cannot hold (control characters other than tab, LF and CR) and is cut to 32,767
  characters, Excel's limit.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from math import isfinite

from flask import Response
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.core.downloads import content_disposition, safe_filename
from app.core.localtime import local_zone
from app.core.spreadsheets.formulas import MAYBE_DANGEROUS, is_dangerous, neutralise
from app.extensions import db
from app.reports.xlsx_stream import Quoted, serial, write_sheet

TEXT = "text"
NUMBER = "number"
DATE = "date"
DATETIME = "datetime"
KINDS = (TEXT, NUMBER, DATE, DATETIME)
FORMATS = ("csv", "xlsx")

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}
BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Column:
    """One column: `header` is an English msgid (lazy), translated when the file is written."""

    key: str
    header: object
    kind: str = TEXT
    width: float | None = None  # in characters; None: from the header's length
    number_format: str | None = None  # XLSX only, e.g. "0.00"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def safe_text(value) -> str:
    """Any value as cell text, neutralised when a spreadsheet could read it as a formula."""
    text = value if isinstance(value, str) else str(value)
    return neutralise(text) if text and text[0] in MAYBE_DANGEROUS else text


def cell_text(value) -> str:
    """Any value as XLSX cell text: `Quoted` (quote-prefix style, no apostrophe added) when a spreadsheet
    could read it as a formula."""
    text = value if value.__class__ is str else str(value)  # a str subclass as a plain str: the writer tests the class
    return Quoted(text) if text and text[0] in MAYBE_DANGEROUS and is_dangerous(text) else text


def number_text(value) -> str:
    """85.50 → "85.5", 100 → "100" (never an exponent)."""
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def local(value: datetime, where: tzinfo) -> datetime:
    """An aware datetime in the display zone, without tzinfo (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(where).replace(tzinfo=None)


def _indexes(columns: Sequence[Column], kind: str) -> tuple[int, ...]:
    return tuple(index for index, column in enumerate(columns) if column.kind == kind)


# --- CSV ------------------------------------------------------------------------------------------

def _csv_converter(columns: Sequence[Column], where: tzinfo):
    """A function turning one row of values into CSV cells (a loop per kind of column, not a call per cell:
    this runs for every cell of every row)."""
    width = len(columns)
    texts, numbers = _indexes(columns, TEXT), _indexes(columns, NUMBER)
    days, moments = _indexes(columns, DATE), _indexes(columns, DATETIME)
    maybe = MAYBE_DANGEROUS

    def convert(row: Sequence) -> list:
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"a row has {len(cells)} values for {width} columns")
        for index in texts:
            value = cells[index]
            if value.__class__ is str:
                if value and value[0] in maybe:
                    cells[index] = neutralise(value)
            elif value is not None:
                cells[index] = safe_text(value)
        for index in numbers:
            value = cells[index]
            if value is None or value.__class__ is int:  # csv writes ints as they are
                continue
            if value.__class__ is Decimal:  # scores: `number_text` inlined
                text = str(value)
                if "E" in text:
                    text = format(value, "f")
                cells[index] = text.rstrip("0").rstrip(".") if "." in text else text
            else:
                cells[index] = number_text(value) if _is_number(value) else safe_text(value)
        for index in days:
            value = cells[index]
            if isinstance(value, datetime):
                cells[index] = local(value, where).date().isoformat()
            elif isinstance(value, date):
                cells[index] = value.isoformat()
            elif value is not None:
                cells[index] = safe_text(value)
        for index in moments:
            value = cells[index]
            if value.__class__ is datetime:  # `local` inlined; [:19] drops the offset (years ≥ 1000)
                if value.tzinfo is None:
                    value = value.replace(tzinfo=UTC)
                cells[index] = value.astimezone(where).isoformat(" ", "seconds")[:19]
            elif isinstance(value, datetime):
                cells[index] = local(value, where).isoformat(" ", "seconds")
            elif value is not None:
                cells[index] = safe_text(value)
        return cells  # csv writes None as an empty cell

    return convert


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """UTF-8 with BOM, RFC 4180 quoting, CRLF; yields about CHUNK_BYTES at a time.

    The headers and the zone are read when this is called (in the view); the rows are read as the
    response is sent, when the request's context is gone (see `stream_query`)."""
    return _csv_chunks([safe_text(str(column.header)) for column in columns], _csv_converter(columns, local_zone()), rows)


def _csv_chunks(header: list[str], convert, rows: Iterable[Sequence]) -> Iterator[bytes]:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    yield BOM + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    writerow, tell = writer.writerow, buffer.tell
    for row in rows:
        writerow(convert(row))
        if tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------------

def sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not starting or ending with an apostrophe."""
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\").strip("'").strip()
    return cleaned[:31] or "Sheet1"


_DATE_FORMATS = {DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm:ss"}


def _width(column: Column) -> float:
    if column.width is not None:
        return column.width
    header = str(column.header)
    # East Asian characters are about two characters wide.
    return max(8, min(40, sum(2 if ord(ch) > 0x2E7F else 1 for ch in header) + 2))


def write_xlsx(columns: Sequence[Column], rows: Iterable[Sequence], target, *, title: str = "Sheet1",
               heading: str = "") -> int:
    """Write one sheet into `target` (a binary file object or a path); returns the number of data rows.
    `title` names the sheet, `heading` (default: the title) heads each printed page and titles the document.

    A path is written only if the whole file could be (a failing row source leaves nothing behind)."""
    formats = [column.number_format if column.kind == NUMBER else _DATE_FORMATS.get(column.kind)
               for column in columns]
    return write_sheet(target, _xlsx_rows(columns, rows, local_zone()), title=sheet_title(title),
                       header=[cell_text(str(column.header)) for column in columns],
                       widths=[_width(column) for column in columns], formats=formats,
                       heading=str(heading or title), footer=page_footer(), creator=_("Toll Training and Exams"))


def page_footer() -> str:
    """The printed pages' footer, translated; &P and &N are the page and the number of pages."""
    # i18n: keep &P (this page's number) and &N (the number of pages) as they are.
    return _("Page &P of &N")


def _xlsx_rows(columns: Sequence[Column], rows: Iterable[Sequence], where: tzinfo) -> Iterator[list]:
    """Each row as the values `write_sheet` takes: text (`Quoted` where it could start a formula), finite
    numbers, dates as day numbers.

    A loop per kind of column rather than a call per cell: this runs 1.5 million times for 100,000 rows."""
    width = len(columns)
    maybe = MAYBE_DANGEROUS
    texts, numbers = _indexes(columns, TEXT), _indexes(columns, NUMBER)
    days, moments = _indexes(columns, DATE), _indexes(columns, DATETIME)
    for count, row in enumerate(rows, start=1):
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"row {count} has {len(cells)} values for {width} columns")
        for index in texts:
            value = cells[index]
            if value.__class__ is str:  # the common case, inlined
                if value and value[0] in maybe and is_dangerous(value):
                    cells[index] = Quoted(value)
            elif value is not None:
                cells[index] = cell_text(value)
        for index in numbers:
            value = cells[index]
            if value is None or value.__class__ is int:
                continue
            if value.__class__ is Decimal:
                if value.is_finite():
                    continue
            elif _is_number(value) and isfinite(value):
                continue
            cells[index] = cell_text(value)
        for index in days:
            value = cells[index]
            if isinstance(value, datetime):
                cells[index] = serial(local(value, where).date())
            elif isinstance(value, date):
                cells[index] = serial(value)
            elif value is not None:
                cells[index] = cell_text(value)
        for index in moments:
            value = cells[index]
            if isinstance(value, datetime):
                cells[index] = serial(local(value, where))
            elif value is not None:
                cells[index] = cell_text(value)
        yield cells


def xlsx_file(columns: Sequence[Column], rows: Iterable[Sequence], *, title: str = "Sheet1", heading: str = ""):
    """(an anonymous temporary file holding the workbook, rewound; the number of data rows)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that streams it)
    try:
        count = write_xlsx(columns, rows, spool, title=title, heading=heading)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, count


def _file_chunks(spool) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


# --- The response ---------------------------------------------------------------------------------

def attachment(body, fmt: str, filename: str, *, length: int | None = None) -> Response:
    """A download: `attachment` with an ASCII `filename=` and RFC 5987 `filename*=`, never cached."""
    response = Response(body, mimetype=MIMETYPES[fmt].split(";")[0], direct_passthrough=True)
    response.headers["Content-Type"] = MIMETYPES[fmt]
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if length is not None:
        response.headers["Content-Length"] = str(length)
    return response


def export_filename(name: str, fmt: str) -> str:
    return safe_filename(f"{name}.{fmt}")


@dataclass
class Prepared:
    """A file ready to send: for XLSX the workbook is already written (and `rows` is exact); for CSV the
    rows are read while the response streams, so `rows` is whatever the caller counted beforehand."""

    response: Response
    rows: int | None


def download(columns: Sequence[Column], rows: Iterable[Sequence], fmt: str, *, filename: str,
             title: str = "Sheet1", heading: str = "") -> Prepared:
    """Build the streamed download of `rows` in `fmt` ("csv" or "xlsx"); `filename` has no extension;
    `title` names the XLSX sheet and `heading` (default: the file name) heads its printed pages.

    XLSX is written before this returns (errors surface here, and `rows` is known). CSV is generated
    while the response is sent, after the view has returned: `rows` must not need the request or the
    app context then — translate labels beforehand and read the database with `stream_query`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    name = export_filename(filename, fmt)
    if fmt == "xlsx":
        spool, count = xlsx_file(columns, rows, title=title, heading=heading or filename)
        size = spool.seek(0, io.SEEK_END)
        spool.seek(0)
        return Prepared(attachment(_file_chunks(spool), fmt, name, length=size), count)
    return Prepared(attachment(csv_chunks(columns, rows), fmt, name), None)


def stream_query(query, *, yield_per: int = 2_000) -> Iterator:
    """The rows of a SELECT, read in batches (a server-side cursor on PostgreSQL) through a session of
    their own, so they can be read while a CSV streams, after the view returned and committed.
    The engine is looked up now; the query runs when the first row is asked for."""
    engine = db.engine

    def rows():
        with Session(engine) as session:
            yield from session.execute(query.execution_options(yield_per=yield_per))

    return rows()
