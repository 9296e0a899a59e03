"""What a reader returns (Table, Row) or raises (SpreadsheetError with its Issues), and the
row collector both readers share: header, blank rows, limits and cell problems."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import limits


@dataclass(frozen=True)
class Issue:
    """One problem, located as precisely as possible; `message` is translated (may be lazy)."""

    message: object
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        message = str(self.message)
        if self.row is not None and self.column:
            return _("Row %(row)d, column %(column)s: %(message)s", row=self.row, column=self.column,
                     message=message)
        if self.row is not None:
            return _("Row %(row)d: %(message)s", row=self.row, message=message)
        if self.column:
            return _("Column %(column)s: %(message)s", column=self.column, message=message)
        return message


class SpreadsheetError(DomainError):
    """The file cannot be read as a table; `issues` lists every problem found."""

    def __init__(self, issues: Issue | list[Issue]):
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        first = self.issues[0]
        more = len(self.issues) - 1
        if more:
            message = LazyString(lambda: _("%(first)s (and %(num)d more problems)", first=str(first), num=more))
        else:
            message = LazyString(lambda: str(first))
        super().__init__(message)


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it: the header is usually row 1
    cells: tuple[str, ...]

    def get(self, index: int) -> str:
        return self.cells[index] if 0 <= index < len(self.cells) else ""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]  # stripped, without BOM
    rows: tuple[Row, ...]  # non-blank rows below the header
    header_row: int = 1
    format: str = "csv"  # "csv" or "xlsx"
    encoding: str | None = None  # CSV only
    sheet: str | None = None  # XLSX only: the sheet read (the first one)
    sheet_count: int = 1


def is_blank(cells) -> bool:
    return all(not cell.strip() for cell in cells)


def trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


class Collector:
    """Turns raw rows into a Table: header, blank rows, limits and cell problems."""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self.header: tuple[str, ...] | None = None
        self.header_row = 1
        self.rows: list[Row] = []
        self.issues: list[Issue] = []

    def column_name(self, index: int) -> str:
        if self.header is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        return column_letter(index)

    def problem(self, message, row: int, index: int | None) -> None:
        self.issues.append(Issue(message, row=row, column=None if index is None else self.column_name(index)))
        if len(self.issues) >= limits.MAX_ISSUES:
            raise SpreadsheetError(self.issues)

    def add(self, number: int, cells: list[str]) -> None:
        if number > limits.MAX_SHEET_ROWS:
            raise SpreadsheetError(Issue(_l(
                "The sheet goes beyond row %(max)d. Delete the unused rows below the data, or split the file.",
                max=limits.MAX_SHEET_ROWS,
            )))
        cells = trim(cells)
        if is_blank(cells):
            return
        if len(cells) > limits.MAX_COLUMNS:
            self.problem(_l("The row has more than %(max)d columns.", max=limits.MAX_COLUMNS), number, None)
            return
        for index, cell in enumerate(cells):
            if len(cell) > limits.MAX_CELL_CHARS:
                self.problem(_l("The cell is longer than %(max)d characters.", max=limits.MAX_CELL_CHARS), number, index)
                cells[index] = ""
        if self.header is None:
            self.header = tuple(clean_header(cell) for cell in cells)
            self.header_row = number
            return
        if len(self.rows) >= self.max_rows:
            raise SpreadsheetError(Issue(_l(
                "The file has more than %(max)s rows. Split it into smaller files.", max=f"{self.max_rows:,}"
            )))
        self.rows.append(Row(number, tuple(cells)))

    def table(self, **details) -> Table:
        if self.issues:
            raise SpreadsheetError(self.issues)
        if self.header is None:
            raise SpreadsheetError(Issue(_l("The file has no rows: the first row must hold the column headers.")))
        return Table(header=self.header, rows=tuple(self.rows), header_row=self.header_row, **details)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
