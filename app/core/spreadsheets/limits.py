"""Limits for uploaded spreadsheets, checked before the expensive work.

Readers look them up as `limits.NAME` at call time, so tests (and a deployment, if ever needed) can
change one in place.
"""

MAX_FILE_BYTES = 20 * 1024 * 1024  # the upload limit (MAX_CONTENT_LENGTH) is usually lower
MAX_ROWS = 20_000  # non-blank data rows below the header; callers may pass a lower limit
MAX_SHEET_ROWS = 100_000  # row numbers, blank rows included (a stray cell far below the data)
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_ISSUES = 1_000  # cell problems collected before giving up on the file

XLSX_MAX_ENTRIES = 500  # a workbook written by Excel has a few dozen parts
XLSX_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # sum of the declared sizes of all parts
XLSX_MAX_RATIO = 200  # uncompressed / compressed, for parts larger than XLSX_RATIO_MIN_BYTES
XLSX_RATIO_MIN_BYTES = 1024 * 1024
XML_PROLOG_SCAN_BYTES = 64 * 1024  # the root element must start within this many bytes of a part
