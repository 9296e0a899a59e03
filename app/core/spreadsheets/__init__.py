"""Reading tabular uploads (CSV and XLSX) safely into plain text rows.

Used by the roster import and, later, the question-bank import. Nothing from a file is executed:
formulas are never evaluated (only the value Excel saved is read), XML parts may not declare a DTD
or entities, and a ZIP is checked from its directory before anything is decompressed.

`read_table(data, filename)` returns a `Table` whose header is the first non-blank row and whose rows
keep the number the spreadsheet shows for them (blank rows are skipped, the numbering is kept). Any
problem raises `SpreadsheetError`, carrying one `Issue` per problem (row and column where known).
"""

from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import limits
from app.core.spreadsheets.csv_reader import read_csv
from app.core.spreadsheets.table import Issue, Row, SpreadsheetError, Table
from app.core.spreadsheets.xlsx_reader import read_xlsx

__all__ = ["Issue", "Row", "SpreadsheetError", "Table", "limits", "read_table"]

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
XLSX_EXTENSIONS = (".xlsx",)

# Signatures of files people upload by mistake, with a readable name for each.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF-", "PDF"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, .doc, and password-protected .xlsx
_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"


def read_table(data: bytes, filename: str, *, max_rows: int | None = None) -> Table:
    """Parse an uploaded CSV or XLSX file; raises SpreadsheetError with translated messages.

    `max_rows` (default limits.MAX_ROWS) caps the data rows below the header.
    """
    max_rows = limits.MAX_ROWS if max_rows is None else max_rows
    if not data:
        raise SpreadsheetError(Issue(_l("The file is empty.")))
    if len(data) > limits.MAX_FILE_BYTES:
        raise SpreadsheetError(Issue(_l("The file is larger than %(mb)d MiB.",
                                        mb=limits.MAX_FILE_BYTES // (1024 * 1024))))
    _refuse_known_binaries(data)
    extension = _extension(filename)
    if extension not in CSV_EXTENSIONS + XLSX_EXTENSIONS:
        raise SpreadsheetError(Issue(_l("Only CSV (.csv) and Excel (.xlsx) files can be imported.")))
    if data.startswith((_ZIP, _EMPTY_ZIP)):
        return read_xlsx(data, max_rows)
    if extension in XLSX_EXTENSIONS:
        raise SpreadsheetError(Issue(_l("The file is named .xlsx but is not an Excel workbook.")))
    return read_csv(data, max_rows)


def _extension(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _refuse_known_binaries(data: bytes) -> None:
    if data.startswith(_OLE2):
        raise SpreadsheetError(Issue(_l(
            "This is an old Excel (.xls) file or a password-protected workbook. Save it in Excel as "
            "\"Excel Workbook (*.xlsx)\" without a password, or as CSV, and upload that."
        )))
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise SpreadsheetError(Issue(_l(
                "This is a %(kind)s file, not a spreadsheet. Upload a CSV (.csv) or Excel (.xlsx) file.", kind=kind
            )))
