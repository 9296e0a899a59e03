"""XLSX: the ZIP directory is checked before anything is decompressed (entry count, declared sizes,
compression ratio, names), every XML part's prolog is checked for DTDs and entities, then openpyxl
reads the first sheet read-only with defusedxml. Formulas are never evaluated: a formula cell gives
the value Excel saved, or an error if there is none."""

import codecs
import io
import warnings
import zipfile
from datetime import date, datetime, time, timedelta

from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import limits
from app.core.spreadsheets.table import Collector, Issue, SpreadsheetError, Table
from app.core.zip_safety import Verdict, ZipLimits, directory_verdict, end_record_verdict


def read_xlsx(data: bytes, max_rows: int) -> Table:
    _check_zip_directory(data)
    archive = _open_zip(data)
    with archive:
        _check_parts(archive)
    return _read_workbook(data, max_rows)


def _not_a_workbook() -> SpreadsheetError:
    return SpreadsheetError(Issue(_l("The file is not a valid Excel workbook (.xlsx).")))


def _refused_archive() -> SpreadsheetError:
    return SpreadsheetError(Issue(_l(
        "The workbook was refused: its contents are unusually large or oddly packed. "
        "Open it in Excel, save it again as .xlsx, and upload that."
    )))


def _raise_for(verdict: Verdict | None) -> None:
    """The checks of app.core.zip_safety, told in this upload's words."""
    if verdict in (Verdict.NOT_A_ZIP, Verdict.EMPTY):
        raise _not_a_workbook()
    if verdict == Verdict.ENCRYPTED:
        raise SpreadsheetError(Issue(_l("The workbook is password-protected. Remove the password and try again.")))
    if verdict is not None:
        raise _refused_archive()


def _check_zip_directory(data: bytes) -> None:
    _raise_for(end_record_verdict(data, limits.XLSX_MAX_ENTRIES))


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # BadZipFile, struct errors, bad offsets: all mean "not a workbook"
        raise _not_a_workbook() from None


def _check_parts(archive: zipfile.ZipFile) -> None:
    """Entry count, declared sizes, compression ratios and names; then every XML part's prolog."""
    infos = archive.infolist()
    _raise_for(directory_verdict(infos, ZipLimits(limits.XLSX_MAX_ENTRIES, limits.XLSX_MAX_UNCOMPRESSED_BYTES,
                                                  limits.XLSX_MAX_RATIO, limits.XLSX_RATIO_MIN_BYTES)))
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise SpreadsheetError(Issue(_l("The file is a ZIP archive but not an Excel workbook (.xlsx).")))
    for info in infos:
        if not info.is_dir():
            _check_prolog(archive, info)


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse DTDs and entity declarations (billion laughs, external entities) in any XML part."""
    try:
        with archive.open(info) as part:
            head = part.read(limits.XML_PROLOG_SCAN_BYTES)
    except Exception:  # bad CRC, truncated data, unsupported features
        raise _not_a_workbook() from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
        raise _refused_archive()  # Excel writes UTF-8; other encodings could hide a DOCTYPE
    text = head.decode("latin-1")  # byte for byte: only ASCII markup matters here
    verdict = prolog_verdict(text.removeprefix("\xef\xbb\xbf"), complete=len(head) == info.file_size)
    if verdict == "dtd":
        raise SpreadsheetError(Issue(_l(
            "The workbook contains XML declarations (DTD or entities) that are not allowed in a spreadsheet."
        )))
    if verdict == "unknown":
        raise _refused_archive()


def prolog_verdict(text: str, complete: bool) -> str:
    """"ok" (root element reached, or not XML), "dtd", or "unknown" (prolog longer than scanned)."""
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            return "ok" if complete else "unknown"
        if text[position] != "<":
            return "ok"  # not XML (an image, a binary part): nothing for an XML parser to expand
        if text.startswith("<?", position):
            end = text.find("?>", position + 2)
            step = 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            step = 3
        elif text.startswith("<!", position):
            return "dtd"  # <!DOCTYPE, <!ENTITY, <![CDATA[ before the root: none belong in a workbook
        else:
            return "ok"  # the root element starts: no DTD can follow
        if end < 0:
            return "ok" if complete else "unknown"
        position = end + step


def _read_workbook(data: bytes, max_rows: int) -> Table:
    from openpyxl import DEFUSEDXML, load_workbook

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise RuntimeError("defusedxml must be installed to read XLSX uploads")
    formulas: set[tuple[int, int]] = set()
    cached_values: dict[tuple[int, int], tuple] = {}
    collector = Collector(max_rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and odd dates; we report cells
        try:
            # Pass 1 reads cells with formulas marked as formulas; values come from pass 2 if any.
            sheet_name, sheet_count, rows = _sheet_rows(load_workbook, data, max_rows, data_only=False)
            for number, cells in rows:
                for index, (_value, data_type) in enumerate(cells):
                    if data_type == "f":
                        formulas.add((number, index))
            if formulas:
                _name, _count, cached = _sheet_rows(load_workbook, data, max_rows, data_only=True)
                cached_values = {
                    (number, index): cell
                    for number, cells in cached
                    for index, cell in enumerate(cells)
                    if (number, index) in formulas
                }
        except SpreadsheetError:
            raise
        except Exception:  # openpyxl and defusedxml raise many kinds; all mean the file is unusable
            raise SpreadsheetError(Issue(_l(
                "The workbook could not be read. Open it in Excel, save it again as .xlsx, and upload that."
            ))) from None
    for number, cells in rows:
        texts = []
        pending = []
        for index, (value, data_type) in enumerate(cells):
            if (number, index) in formulas:
                value, data_type = cached_values.get((number, index), (None, "n"))
                if value is None:
                    pending.append((_l("The cell holds a formula without a saved value. Open the file in Excel "
                                       "and save it, or paste the values instead of formulas."), index))
                    texts.append("")
                    continue
            if data_type == "e":
                pending.append((_l("The cell shows the error %(value)s.", value=str(value)), index))
                texts.append("")
                continue
            texts.append(_cell_text(value))
        collector.add(number, texts)
        for message, index in pending:
            collector.problem(message, number, index)
    return collector.table(format="xlsx", sheet=sheet_name, sheet_count=sheet_count)


def _sheet_rows(load_workbook, data: bytes, max_rows: int, *, data_only: bool):
    """(sheet name, number of sheets, [(row number, [(value, data_type), ...]), ...]) of the first sheet."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise SpreadsheetError(Issue(_l("The workbook has no worksheet.")))
        sheet = sheets[0]
        sheet.reset_dimensions()  # do not trust the stored size: read every row there is
        rows = []
        filled = 0
        for number, cells in enumerate(sheet.iter_rows(min_row=1, max_col=limits.MAX_COLUMNS + 1), start=1):
            if number > limits.MAX_SHEET_ROWS:
                raise SpreadsheetError(Issue(_l(
                    "The sheet goes beyond row %(max)d. Delete the unused rows below the data, or split the file.",
                    max=limits.MAX_SHEET_ROWS,
                )))
            values = [(cell.value, cell.data_type) for cell in cells]
            if len(values) > limits.MAX_COLUMNS and values[limits.MAX_COLUMNS][0] is not None:
                raise SpreadsheetError(Issue(_l("The row has more than %(max)d columns.", max=limits.MAX_COLUMNS),
                                             row=number))
            while values and values[-1][0] is None:
                values.pop()
            rows.append((number, values))
            filled += any(value is not None and not (isinstance(value, str) and not value.strip())
                          for value, _type in values)
            if filled > max_rows + 1:
                break  # header + one row too many: the collector reports the limit
        return sheet.title, len(sheets), rows
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A cell value as the text a person sees: 1001.0 → "1001", dates → ISO dates; text stays text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
