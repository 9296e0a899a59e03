"""A streaming XLSX writer for one sheet of plain values: rows in, a minimal OOXML package out.

Why hand-written: XlsxWriter (even in constant-memory mode) and openpyxl's write-only mode spend most of
their time in generic per-cell machinery; a report only needs text, numbers and dates, so the sheet's XML
is built here with f-strings, a batch of rows at a time, and written straight into its compressed zip
entry: memory stays flat however many rows there are, and nothing is written to a scratch file.

What a file holds: the sheet (inline strings, so there is no shared-strings table to keep in memory), a
bold header row that stays frozen, an autofilter over the header and the data, column widths, the
styles the number formats need, and a print set-up an office can use as it is: A4 landscape, fitted to
one page wide (as many pages long as needed), the header row repeated on every page (`_xlnm.Print_Titles`),
grid lines, the report's title in the page header and "page N of M" in the footer; plus the document
properties (docProps: title, creator, times) a file manager and Excel's "Info" show. Never a formula: no
`<f>` element is ever written. The sheet has no
`<dimension>` (it is optional, and the row count is only known at the end); Excel and LibreOffice do
not need it, and openpyxl's read-only mode then reports the size as unknown (`reset_dimensions` readers,
like ours, read every row anyway).

Cell values, as `write_sheet` takes them: None or "" is no cell; `str` is a text cell; `Quoted` is a text
cell with Excel's quote-prefix style (what Excel stores when someone types `'=1+1`: the text `=1+1`,
shown as typed, never a formula; app/core/spreadsheets/formulas.py); int, float and
Decimal are numbers (finite ones: callers check), shown with their column's number format, which is how
dates are written too (`serial` turns them into Excel's day numbers).
"""

import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

MAX_CELL_CHARS = 32_767
BATCH_ROWS = 1_000
COMPRESS_LEVEL = 3  # a sixth smaller than level 1, in under half the time of level 6 (bench/README.md)

# Characters XML 1.0 does not allow (they cannot be escaped either): dropped from text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text Excel would decode as an escaped character: its underscore is escaped in turn (as Excel does).
_ESCAPE_LIKE = re.compile("_x[0-9A-Fa-f]{4}_")
# Anything in a text cell that needs more than copying: the fast path is taken when this finds nothing.
_NEEDS_CARE = re.compile("[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|^\\s|\\s$")
_EDGE_SPACE = re.compile(r"^\s|\s$")

_EPOCH = datetime(1899, 12, 30)
_DAY = timedelta(days=1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_FIRST_REAL_DAY = 61  # 1900-03-01: Excel counts a 29 February 1900 that never was

_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    _DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
# cellXfs indexes: 0 plain, then these; the number formats' styles follow from _FIRST_NUMBER_STYLE.
_HEADER_STYLE = 1  # bold
_QUOTED_STYLE = 2  # quote prefix
_QUOTED_HEADER_STYLE = 3  # bold, quote prefix
_FIRST_NUMBER_STYLE = 4
# Excel refuses a header or footer longer than 255 characters (codes included): the title is cut well before.
MAX_HEADING_CHARS = 100
DEFAULT_FOOTER = "Page &P of &N"


class Quoted(str):
    """Text written as it is, with Excel's quote-prefix style: shown as text, never read as a formula
    (the XLSX form of `app.core.spreadsheets.formulas.neutralise`, without the visible apostrophe)."""

    __slots__ = ()


def serial(value: date) -> float | int:
    """A date or naive datetime as Excel's day number (1900 date system, with its leap-year bug)."""
    days = (value - _EPOCH) / _DAY if isinstance(value, datetime) else value.toordinal() - _EPOCH_ORDINAL
    return days if days >= _FIRST_REAL_DAY else days - 1


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _attribute(text: str) -> str:
    return _escape(_ILLEGAL.sub("", text)).replace('"', "&quot;")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: str) -> str:
    """The `<t>` element of text that needs care: illegal characters dropped, cut to the cell limit,
    escaped, CR kept as a character reference (a literal one would be read as LF), edge spaces kept."""
    value = _ILLEGAL.sub("", value)[:MAX_CELL_CHARS]
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(value) else ""
    value = _escape(_ESCAPE_LIKE.sub(r"_x005F\g<0>", value)).replace("\r", "&#13;")
    return f"<t{space}>{value}</t>"


def _width(characters: float) -> float:
    """Excel's stored column width for a width in characters of Calibri 11 (7-pixel digits, 5 of padding)."""
    pixels = int(characters * 7 + 0.5) + 5
    return int(pixels / 7 * 256) / 256


def _styles(formats: Sequence[str]) -> str:
    """styles.xml: the default style, the bold header (1), quote-prefixed text (2) and header (3), then one
    style per number format (4, 5, …)."""
    num_fmts = "".join(f'<numFmt numFmtId="{164 + n}" formatCode="{_attribute(code)}"/>'
                       for n, code in enumerate(formats))
    xfs = "".join(f'<xf numFmtId="{164 + n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                  for n in range(len(formats)))
    return (
        _DECLARATION + f'<styleSheet xmlns="{_MAIN}">'
        + (f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>' if formats else "")
        + f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{_FIRST_NUMBER_STYLE + len(formats)}">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
        f"{xfs}</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _workbook(title: str, filtered: str) -> str:
    """The sheet, its autofilter's range and its print titles (the header row, on every printed page)."""
    sheet = "'" + title.replace("'", "''") + "'!"
    return (
        _DECLARATION + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name="{_attribute(title)}" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{_attribute(sheet + filtered)}</definedName>"
        f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{_attribute(sheet + "$1:$1")}</definedName>'
        "</definedNames></workbook>"
    )


def _w3cdtf(moment: datetime) -> str:
    """A time as docProps want it: UTC, to the second, with a Z (naive times are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _core_properties(title: str, creator: str, created: datetime) -> str:
    """docProps/core.xml: what Excel's "Info" and a file manager show (title, author, times)."""
    when = _w3cdtf(created)
    return (
        _DECLARATION + '<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_escape(_ILLEGAL.sub('', title))}</dc:title>"
        f"<dc:creator>{_escape(_ILLEGAL.sub('', creator))}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _app_properties(creator: str) -> str:
    return (
        _DECLARATION + '<Properties '
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>{_escape(_ILLEGAL.sub('', creator))}</Application><DocSecurity>0</DocSecurity>"
        "<ScaleCrop>false</ScaleCrop></Properties>"
    )


def _header_footer_text(text: str) -> str:
    """Text for a page header, literal: `&` starts a code there, so it is doubled; cut to fit Excel's limit."""
    text = _ILLEGAL.sub("", " ".join(text.split()))[:MAX_HEADING_CHARS]
    return text.replace("&", "&&")


def _print_setup(heading: str, footer: str) -> str:
    """After the autofilter: grid lines, margins, A4 landscape fitted to one page wide, header and footer.
    `footer` may use the codes &P (page) and &N (pages); the heading is literal text."""
    head = f"<oddHeader>{_escape('&C&B' + _header_footer_text(heading))}</oddHeader>" if heading.strip() else ""
    foot = f"<oddFooter>{_escape('&C' + _ILLEGAL.sub('', footer)[:MAX_HEADING_CHARS])}</oddFooter>" if footer else ""
    return (
        '<printOptions horizontalCentered="1" gridLines="1"/>'
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        + (f"<headerFooter>{head}{foot}</headerFooter>" if head or foot else "")
    )


def _sheet_head(widths: Sequence[float], styles: Sequence[int | None]) -> str:
    """Up to `<sheetData>`: fit to page (with `_print_setup`), the frozen header row and the columns' widths and
    default styles."""
    cols = "".join(f'<col min="{n}" max="{n}" width="{_width(width)}" customWidth="1"'
                   + ("/>" if style is None else f' style="{style}"/>')
                   for n, (width, style) in enumerate(zip(widths, styles, strict=True), start=1))
    return (
        _DECLARATION + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>"
    )


def write_sheet(target, rows: Iterable[Sequence], *, title: str, header: Sequence[str],
                widths: Sequence[float], formats: Sequence[str | None], heading: str = "",
                footer: str = DEFAULT_FOOTER, creator: str = "", created: datetime | None = None) -> int:
    """Write a workbook of one sheet into `target` (a binary file object, or a path written only if this
    succeeds); returns the number of data rows. `formats[i]` is the number format of column i's numbers
    (None: General); `title` must already be a valid sheet name. `heading` is the report's title (the
    printed pages' header and the document's title; the sheet's name when empty), `footer` the printed
    pages' footer (with the codes &P and &N), `creator` the application named in the document's
    properties, `created` their time (now when None)."""
    if isinstance(target, str | os.PathLike):
        folder = os.path.dirname(os.path.abspath(target))
        handle, scratch = tempfile.mkstemp(prefix=".xlsx-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                count = write_sheet(out, rows, title=title, header=header, widths=widths, formats=formats,
                                    heading=heading, footer=footer, creator=creator, created=created)
            os.replace(scratch, target)
        except BaseException:
            os.unlink(scratch)
            raise
        return count

    codes = list(dict.fromkeys(code for code in formats if code))
    styles = [_FIRST_NUMBER_STYLE + codes.index(code) if code else None for code in formats]
    letters = [column_letter(index) for index in range(len(header))]
    heading = heading.strip() or title
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head_row = "".join(
                f'<c r="{letter}1" s="{_QUOTED_HEADER_STYLE if isinstance(text, Quoted) else _HEADER_STYLE}" '
                f't="inlineStr"><is>{_text(text)}</is></c>' for letter, text in zip(letters, header, strict=True))
            sheet.write(f'{_sheet_head(widths, styles)}<row r="1">{head_row}</row>'.encode())
            count = _write_rows(sheet, rows, letters, ["" if style is None else f' s="{style}"' for style in styles])
            end = max(count, 1) + 1  # as Excel does, an empty table's filter covers one empty row
            # Staff numbers like 000456 are text on purpose: no "number stored as text" marks on them.
            sheet.write(f'</sheetData><autoFilter ref="A1:{letters[-1]}{end}"/>{_print_setup(heading, footer)}'
                        f'<ignoredErrors><ignoredError sqref="A2:{letters[-1]}{end}" numberStoredAsText="1"/>'
                        "</ignoredErrors></worksheet>".encode())
        package.writestr("xl/workbook.xml", _workbook(title, f"$A$1:${letters[-1]}${end}"))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/styles.xml", _styles(codes))
        package.writestr("docProps/core.xml",
                         _core_properties(heading, creator, created or datetime.now(UTC)))
        package.writestr("docProps/app.xml", _app_properties(creator))
    return count


def _write_rows(sheet, rows: Iterable[Sequence], letters: Sequence[str], styles: Sequence[str]) -> int:
    """The data rows, BATCH_ROWS at a time; returns how many. This runs for every cell: keep it tight."""
    columns = tuple(zip(letters, styles, strict=True))
    care, limit = _NEEDS_CARE.search, MAX_CELL_CHARS
    batch = []
    count = 0
    for count, cells in enumerate(rows, start=1):
        number = count + 1
        parts = [f'<row r="{number}">']
        for (letter, style), value in zip(columns, cells, strict=True):
            if value.__class__ is str:
                if not value:
                    continue
                if (not value.isalnum() and care(value)) or len(value) > limit:  # isalnum: a cheaper first test
                    parts.append(f'<c r="{letter}{number}" t="inlineStr"><is>{_text(value)}</is></c>')
                else:
                    parts.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif value.__class__ is Quoted:
                parts.append(f'<c r="{letter}{number}" s="{_QUOTED_STYLE}" t="inlineStr"><is>{_text(value)}</is></c>')
            elif value is not None:
                parts.append(f'<c r="{letter}{number}"{style}><v>{value}</v></c>')
        parts.append("</row>")
        batch.append("".join(parts))
        if len(batch) == BATCH_ROWS:
            sheet.write("".join(batch).encode())
            batch.clear()
    if batch:
        sheet.write("".join(batch).encode())
    return count
