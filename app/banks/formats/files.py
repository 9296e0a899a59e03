"""Opening an uploaded bank file: which format it is (by extension, and for .txt by content), the size and
extension checks, and handing the bytes to that format's parser (tables through the shared spreadsheet reader,
ZIPs through app.banks.zipped, text formats only when no question is longer than a valid one can be).

Never raises for bad input: the problems are in `BankFile.issues`. What happens next (cleaning the text,
checking against the database, storing) is app.banks.importing's.
"""

import re
from dataclasses import dataclass, field

from app.banks.drafts import Draft
from app.banks.formats.aiken import parse_aiken
from app.banks.formats.gift import parse_gift
from app.banks.formats.moodle_xml import parse_moodle_xml
from app.banks.formats.table import BANK_MAX_ROWS, HeaderMap, drafts_from_table, match_header
from app.banks.formats.text import TextFormatError, Unsupported, decode_text, where
from app.banks.limits import oversized_question
from app.banks.zipped import PackedImage, read_zip
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue, SpreadsheetError, limits, read_table

FORMATS = ("auto", "gift", "aiken")  # what a form or `--format` may choose
FORMAT_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "zip": "ZIP",
    "gift": "GIFT",
    "aiken": "Aiken",
    "moodle_xml": "Moodle XML",
}
TABLE_FORMATS = ("csv", "xlsx", "zip")  # drafts carry spreadsheet row numbers, problems name a column
TEXT_EXTENSIONS = (".txt", ".gift", ".aiken")
EXTENSIONS = (".csv", ".xlsx", ".zip", ".xml", *TEXT_EXTENSIONS)

_AIKEN_ANSWER = re.compile(r"^[ \t\u3000]*ANSWER[ \t\u3000]*[:：]", re.MULTILINE)


@dataclass
class BankFile:
    """What a file holds, before any look at the database."""

    filename: str
    format: str = ""  # a FORMAT_LABELS key; "" when the file could not be recognised
    drafts: list[Draft] = field(default_factory=list)  # questions without problems, in file order
    issues: list[Issue] = field(default_factory=list)  # problems: any one means nothing is imported
    unsupported: list[Issue] = field(default_factory=list)  # questions of types we lack: the trainer may skip them
    notes: list[Issue] = field(default_factory=list)  # worth knowing, no obstacle (ignored columns …)
    images: dict[str, PackedImage] = field(default_factory=dict)  # ZIP only: file name → image
    refused_images: set[str] = field(default_factory=set)  # ZIP images already reported as unusable
    header: HeaderMap | None = None  # table formats: how to name a column as written in the file
    inner_name: str = ""  # ZIP only: the bank file inside it

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, "?")

    def place(self, draft: Draft, key: str, message) -> Issue:
        """A problem of one question: "Row N, column X: …" for tables, "Question N (title): …" otherwise."""
        if self.header is not None:
            return Issue(message, row=draft.row, column=self.header.column(key))
        return Issue(_l("Question %(number)s (%(title)s): %(problem)s", problem=message,
                        **where(draft.row or 0, draft.title, draft.stem)))

    def image(self, name: str) -> PackedImage | None:
        found = self.images.get(name)
        if found is None:
            folded = name.casefold()
            found = next((image for key, image in self.images.items() if key.casefold() == folded), None)
        return found


def open_bank_file(data: bytes, filename: str, *, format: str = "auto") -> BankFile:
    """The file's format recognised and parsed: drafts, issues and (apart) questions of types we lack."""
    if format not in FORMATS:
        raise ValueError(f"unknown bank format {format!r}")
    file = BankFile(filename=base_name(filename))
    extension = _extension(filename)
    if not data:
        file.issues.append(Issue(_l("The file is empty.")))
        return file
    if len(data) > limits.MAX_FILE_BYTES:
        file.issues.append(Issue(_l("The file is larger than %(mb)d MiB.", mb=limits.MAX_FILE_BYTES // (1024 * 1024))))
        return file
    if extension not in EXTENSIONS:
        file.issues.append(Issue(_l(
            "%(name)s cannot be imported: use a CSV (.csv) or Excel (.xlsx) bank, a ZIP (.zip) with a bank and "
            "its images, Moodle XML (.xml), GIFT (.gift or .txt) or Aiken (.aiken or .txt).",
            name=file.filename)))
        return file
    if format != "auto" and extension not in TEXT_EXTENSIONS:
        file.issues.append(Issue(_l(
            "GIFT or Aiken can only be chosen for a text file (.txt, .gift, .aiken); leave the format on "
            "automatic for %(name)s.", name=file.filename)))
        return file
    if extension in (".csv", ".xlsx"):
        _read_table(file, data, filename)
    elif extension == ".zip":
        _read_zip(file, data)
    elif extension == ".xml":
        file.format = "moodle_xml"
        _parse_text(file, data, parse_moodle_xml)
    else:
        file.format = _text_format(data, extension, format)
        _parse_text(file, data, parse_gift if file.format == "gift" else parse_aiken)
    file.unsupported = [issue for issue in file.issues if isinstance(issue, Unsupported)]
    file.issues = [issue for issue in file.issues if not isinstance(issue, Unsupported)]
    return file


def _parse_text(file: BankFile, data: bytes, parse) -> None:
    """GIFT, Aiken or Moodle XML: parsed only when no question is longer than a valid one can be
    (app/banks/limits.py), so no parser ever works on a runaway field."""
    try:
        oversized = oversized_question(decode_text(data), file.format)
    except TextFormatError:
        oversized = None  # the parser names the undecodable line
    if oversized is not None:
        file.issues = [oversized]
    else:
        file.drafts, file.issues = parse(data)


def base_name(filename: str) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()


def _extension(filename: str) -> str:
    name = base_name(filename).lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _text_format(data: bytes, extension: str, chosen: str) -> str:
    if chosen != "auto":
        return chosen
    if extension == ".gift":
        return "gift"
    if extension == ".aiken":
        return "aiken"
    try:
        text = decode_text(data)
    except TextFormatError:
        return "gift"  # either parser reports the encoding problem the same way
    answers = len(_AIKEN_ANSWER.findall(text))
    braces = text.count("{") - text.count("\\{")
    return "aiken" if answers and answers >= braces else "gift"


def _read_table(file: BankFile, data: bytes, filename: str) -> None:
    file.format = "xlsx" if _extension(filename) == ".xlsx" else "csv"
    try:
        table = read_table(data, filename, max_rows=BANK_MAX_ROWS)
    except SpreadsheetError as error:
        file.issues = list(error.issues)
        return
    file.header, _header_issues = match_header(table.header, table.header_row)
    file.drafts, file.issues = drafts_from_table(table)
    if file.header.ignored:
        file.notes.append(Issue(_l("Columns not used by the import: %(columns)s.",
                                   columns=", ".join(file.header.ignored))))
    if table.sheet_count > 1:
        file.notes.append(Issue(_l("Only the first sheet, %(sheet)s, was read (the workbook has %(num)d sheets).",
                                   sheet=table.sheet, num=table.sheet_count)))


def _read_zip(file: BankFile, data: bytes) -> None:
    file.format = "zip"
    packed = read_zip(data)
    file.images, file.refused_images = packed.images, packed.refused
    if packed.ignored:
        file.notes.append(Issue(_l("Files in the ZIP that are neither the bank nor an image were ignored: %(names)s.",
                                   names=", ".join(packed.ignored[:20]) + (" …" if len(packed.ignored) > 20 else ""))))
    if packed.table_name:
        file.inner_name = packed.table_name
        _read_table(file, packed.table_data, packed.table_name)
        file.format = "zip"
    file.issues = packed.issues + file.issues
