"""CSV: strict decoding (UTF-8 with or without BOM, UTF-16 with a BOM, else GB18030; bytes are
never ignored), any line endings, comma (or a tab/semicolon header) delimiter."""

import codecs
import csv
import io
import re

from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets.table import Collector, Issue, SpreadsheetError, Table


def read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise SpreadsheetError(Issue(
            _l("The file contains NUL characters, so it is not a text (CSV) file."),
            row=_row_at(text[: text.index("\x00")]),
        ))
    delimiter = _sniff_delimiter(text)
    collector = Collector(max_rows)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            collector.add(number, [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in cells])
    except csv.Error:
        raise SpreadsheetError(Issue(
            _l("The row could not be read: a cell is too long or a quote (\") is not closed."), row=number + 1
        )) from None
    return collector.table(format="csv", encoding=encoding)


def _decode(data: bytes) -> tuple[str, str]:
    """Strict decoding: UTF-8 (BOM optional), UTF-16 with a BOM, else GB18030; never ignores bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise _undecodable(data, error, "utf-16") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        if data.startswith(codecs.BOM_UTF8):
            raise _undecodable(data, utf8_error, "utf-8-sig") from None
        try:
            return data.decode("gb18030").removeprefix("\ufeff"), "gb18030"
        except UnicodeDecodeError as gb_error:
            # Name the row where the more plausible encoding (the one that got further) broke.
            if gb_error.start >= utf8_error.start:
                raise _undecodable(data, gb_error, "gb18030") from None
            raise _undecodable(data, utf8_error, "utf-8") from None


def _undecodable(data: bytes, error: UnicodeDecodeError, encoding: str) -> SpreadsheetError:
    prefix = data[: error.start].decode(encoding)  # decodes: the error is only at error.start
    return SpreadsheetError(Issue(
        _l("The file is not UTF-8 or GB18030 text: this row holds bytes that cannot be read. "
           "Save the file again as \"CSV UTF-8\" (or as .xlsx) and upload it."),
        row=_row_at(prefix),
    ))


def _row_at(prefix: str) -> int:
    """The row number of the text that follows `prefix` (quoted cells may span lines)."""
    if "\x00" not in prefix:
        try:
            return sum(1 for _row in csv.reader(io.StringIO(prefix + "x", newline=""), strict=False))
        except csv.Error:
            pass
    return len(re.findall(r"\r\n|\r|\n", prefix)) + 1


def _sniff_delimiter(text: str) -> str:
    """Comma unless the header line has more tabs or semicolons than commas."""
    for line in text.splitlines():
        if line.strip():
            counts = {",": line.count(","), "\t": line.count("\t"), ";": line.count(";")}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","
