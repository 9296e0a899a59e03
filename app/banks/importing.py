"""Importing a question bank file: read it, preview what an import would do, then store all or nothing.

    file = read_bank_file(data, filename, format="auto")       # parse only
    preview = preview_import(bank_or_none, file, bank_name=…)   # + checks against the database; reads only
    result = import_bank(actor, course, bank_name, file, now=…, ip=…)   # checks again, then stores

A web upload keeps the bytes between preview and confirmation (app.uploads) and calls `read_bank_file`
and `import_bank` again on them at confirmation, so the file is checked against the database as it is
then. `import_bank` raises `BankImportRejected` (nothing written) on any error; it flushes, the caller
commits once, or rolls back.

Formats, by the file's extension:
- `.csv`, `.xlsx` → our table format (DESIGN.md, "Question bank file format");
- `.zip` → one CSV/XLSX bank and the images its 图片 column names (app.banks.zipped);
- `.xml` → Moodle XML; `.gift` → GIFT; `.aiken` → Aiken;
- `.txt` → GIFT or Aiken, as `format` says; with "auto" (the default) a text is Aiken when it has
  `ANSWER:` lines and no more `{` than such lines (Aiken's one marker), GIFT otherwise. `format` also
  overrides the extension of a `.gift` or `.aiken` file; it does not apply to the other formats.

Decisions:
- Duplicates are warnings, not errors, and are skipped: a question with the same fingerprint (type, stem
  and options, normalised: app.banks.keys.fingerprint) as an active question of the bank, or as an
  earlier question of the same file, is not imported; the preview names both places and the result
  counts them (`skipped_duplicates`). Importing the same file twice therefore adds nothing the second
  time. A repeat whose answer differs is flagged as such, so the trainer can fix the question by hand.
- Text is stored as written (Markdown or Moodle HTML), sanitised when shown (app.banks.rendering);
  at import NUL and other control characters (except tab and newline) are removed and line endings
  become "\\n", and the draft is checked again afterwards (a stem of control characters is empty).
- Images come only with a ZIP; a row naming an image that is not in it is an error on that row. Images
  are stored once per content (SHA-256), shared by banks; images in the ZIP that no row uses are
  listed as warnings and not stored.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import load_only

from app.accounts.actors import Actor
from app.audit import actions
from app.audit.services import record
from app.banks.checks import check_draft
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.aiken import parse_aiken
from app.banks.formats.gift import parse_gift
from app.banks.formats.moodle_xml import parse_moodle_xml
from app.banks.formats.table import BANK_MAX_ROWS, HeaderMap, drafts_from_table, match_header
from app.banks.formats.text import TextFormatError, decode_text, where
from app.banks.keys import fingerprint, key_of
from app.banks.models import Bank, Image, Question, QuestionVersion
from app.banks.services import add_questions, create_bank, find_bank
from app.banks.zipped import PackedImage, read_zip
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue, SpreadsheetError, limits, read_table
from app.courses.models import Course
from app.extensions import db

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
MAX_BANK_NAME = 200  # Bank.name
MAX_SOURCE = 500  # QuestionVersion.source
TYPES = tuple(QuestionType)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\r\n?")
_AIKEN_ANSWER = re.compile(r"^[ \t\u3000]*ANSWER[ \t\u3000]*[:：]", re.MULTILINE)


def clean_text(text: str) -> str:
    """NUL and other control characters removed (tab and newline kept), line endings as "\\n"."""
    if not text:
        return text or ""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text))


# --- Reading a file ------------------------------------------------------------------------------


@dataclass
class BankFile:
    """What a file holds, before any look at the database."""

    filename: str
    format: str = ""  # a FORMAT_LABELS key; "" when the file could not be recognised
    drafts: list[Draft] = field(default_factory=list)  # questions without problems, in file order
    issues: list[Issue] = field(default_factory=list)  # problems: any one means nothing is imported
    notes: list[Issue] = field(default_factory=list)  # worth knowing, no obstacle (ignored columns …)
    images: dict[str, PackedImage] = field(default_factory=dict)  # ZIP only: file name → image
    refused_images: set[str] = field(default_factory=set)  # ZIP images already reported as unusable
    header: HeaderMap | None = None  # table formats: how to name a column as written in the file
    inner_name: str = ""  # ZIP only: the bank file inside it

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, "?")

    def image(self, name: str) -> PackedImage | None:
        found = self.images.get(name)
        if found is None:
            folded = name.casefold()
            found = next((image for key, image in self.images.items() if key.casefold() == folded), None)
        return found


def read_bank_file(data: bytes, filename: str, *, format: str = "auto") -> BankFile:
    """Parse an uploaded bank; never raises for bad input (the problems are in `issues`)."""
    if format not in FORMATS:
        raise ValueError(f"unknown bank format {format!r}")
    file = BankFile(filename=_base_name(filename))
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
        file.drafts, file.issues = parse_moodle_xml(data)
    else:
        file.format = _text_format(data, extension, format)
        parse = parse_gift if file.format == "gift" else parse_aiken
        file.drafts, file.issues = parse(data)
    for draft in file.drafts:
        _clean_draft(draft)
    if not file.drafts and not file.issues:
        file.issues.append(Issue(_l("The file holds no questions.")))
    return file


def _base_name(filename: str) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()


def _extension(filename: str) -> str:
    name = _base_name(filename).lower()
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


def _clean_draft(draft: Draft) -> None:
    draft.stem = clean_text(draft.stem)
    draft.options = [clean_text(option) for option in draft.options]
    draft.blanks = [[clean_text(alternative) for alternative in blank] for blank in draft.blanks]
    draft.reference = clean_text(draft.reference)
    draft.explanation = clean_text(draft.explanation)
    draft.source = clean_text(draft.source)
    draft.topics = [clean_text(topic) for topic in draft.topics]
    draft.title = clean_text(draft.title)


# --- Preview -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """A question that is not imported because it repeats another one."""

    draft: Draft
    earlier: Draft | None  # the earlier question of the same file, or None: an active question of the bank
    question_id: int | None  # the bank's question it repeats
    same_answer: bool


@dataclass
class ImportPreview:
    file: BankFile
    bank: Bank | None  # None: the import creates the bank
    bank_name: str = ""
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)  # duplicates, unused images, ignored columns …
    duplicates: list[Duplicate] = field(default_factory=list)
    to_import: list[Draft] = field(default_factory=list)
    images: dict[str, PackedImage] = field(default_factory=dict)  # name as the rows write it → image used

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def filename(self) -> str:
        return self.file.filename

    @property
    def skipped(self) -> int:
        return len(self.duplicates)

    @property
    def per_type(self) -> dict[str, int]:
        """Questions to import per type, every type listed (in the registry's order)."""
        counts = Counter(QuestionType(draft.type).value for draft in self.to_import)
        return {kind.value: counts.get(kind.value, 0) for kind in TYPES}


def preview_import(bank: Bank | None, file: BankFile, *, bank_name: str | None = None) -> ImportPreview:
    """What importing `file` into `bank` (None: a new bank named `bank_name`) would do, and every
    problem, each naming its row and column (or question). Reads only."""
    preview = ImportPreview(file=file, bank=bank, bank_name=bank.name if bank is not None else (bank_name or ""))
    preview.errors.extend(file.issues)
    preview.warnings.extend(file.notes)
    if bank is None and bank_name is not None:
        problem = bank_name_problem(bank_name)
        if problem is not None:
            preview.errors.insert(0, Issue(problem))
    for draft in file.drafts:
        preview.errors.extend(_draft_issues(file, draft))
    _check_images(preview)
    _find_duplicates(preview)
    return preview


def bank_name_problem(name: str):
    """Why a new bank cannot have this name (a lazy message), or None."""
    name = clean_text(name).strip()
    if not name:
        return _l("The bank needs a name.")
    if len(name) > MAX_BANK_NAME:
        return _l("The bank's name may have at most %(max)d characters.", max=MAX_BANK_NAME)
    return None


def place(file: BankFile, draft: Draft, key: str, message) -> Issue:
    """A problem of one question: "Row N, column X: …" for tables, "Question N (title): …" otherwise."""
    if file.header is not None:
        return Issue(message, row=draft.row, column=file.header.column(key))
    return Issue(_l("Question %(number)s (%(title)s): %(problem)s", problem=message,
                    **where(draft.row or 0, draft.title, draft.stem)))


def _draft_issues(file: BankFile, draft: Draft) -> list[Issue]:
    """The shared checks again, after cleaning (the parsers checked the text as written), and the limits
    of the columns a version stores."""
    issues = [place(file, draft, problem.field, problem.message) for problem in check_draft(draft)]
    if len(draft.source) > MAX_SOURCE:
        issues.append(place(file, draft, "source", _l("The source may have at most %(max)d characters.",
                                                      max=MAX_SOURCE)))
    return issues


def _check_images(preview: ImportPreview) -> None:
    file = preview.file
    used = set()
    for draft in file.drafts:
        if not draft.image:
            continue
        image = file.image(draft.image)
        if image is not None:
            preview.images[draft.image] = image
            used.add(image.name)
        elif file.format != "zip":
            preview.errors.append(place(file, draft, "image", _l(
                "The image %(name)s was not uploaded: to import images, upload a ZIP file holding the bank and "
                "its images.", name=draft.image)))
        elif draft.image not in file.refused_images:
            preview.errors.append(place(file, draft, "image", _l(
                "The image %(name)s is not in the ZIP file.", name=draft.image)))
    unused = sorted(name for name in file.images if name not in used)
    if unused:
        preview.warnings.append(Issue(_l("Images in the ZIP that no question uses (not stored): %(names)s.",
                                         names=", ".join(unused[:20]) + (" …" if len(unused) > 20 else ""))))


def _fingerprint(draft: Draft) -> str:
    kind = QuestionType(draft.type)
    options = draft.options if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE) else []
    return fingerprint(kind, draft.stem, options)


def _existing(bank: Bank | None) -> dict[str, tuple[int, dict]]:
    """Fingerprint → (question id, answer key) of the bank's active questions, as they are now."""
    if bank is None or bank.id is None:
        return {}
    rows = db.session.execute(
        db.select(QuestionVersion.fingerprint, Question.id, QuestionVersion.key)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id, Question.status == "active")
    )
    return {fp: (question_id, key) for fp, question_id, key in rows}


def _find_duplicates(preview: ImportPreview) -> None:
    file = preview.file
    existing = _existing(preview.bank)
    seen: dict[str, Draft] = {}
    for draft in file.drafts:
        mark = _fingerprint(draft)
        if mark in existing:
            question_id, key = existing[mark]
            same = key_of(draft) == key
            preview.duplicates.append(Duplicate(draft, None, question_id, same))
            message = (_l("The bank already has this question (number %(id)d); it is skipped.", id=question_id)
                       if same else
                       _l("The bank already has this question (number %(id)d) with a different answer; it is "
                          "skipped. Edit the bank's question to change its answer.", id=question_id))
            preview.warnings.append(place(file, draft, "stem", message))
        elif mark in seen:
            earlier = seen[mark]
            same = key_of(draft) == key_of(earlier)
            preview.duplicates.append(Duplicate(draft, earlier, None, same))
            preview.warnings.append(place(file, draft, "stem", _repeat_message(file, earlier, same)))
        else:
            seen[mark] = draft
            preview.to_import.append(draft)


def _repeat_message(file: BankFile, earlier: Draft, same: bool):
    if file.header is not None:
        if same:
            return _l("The same question as row %(row)d; it is skipped.", row=earlier.row or 0)
        return _l("The same question as row %(row)d, but with a different answer; it is skipped. Keep the "
                  "right one only.", row=earlier.row or 0)
    if same:
        return _l("The same question as question %(number)d; it is skipped.", number=earlier.row or 0)
    return _l("The same question as question %(number)d, but with a different answer; it is skipped. Keep the "
              "right one only.", number=earlier.row or 0)


# --- Import --------------------------------------------------------------------------------------


class BankImportRejected(DomainError):
    """The file has errors; nothing was stored. `preview.errors` lists them all."""

    status_code = 422

    def __init__(self, preview: ImportPreview):
        self.preview = preview
        super().__init__(_l("The questions were not imported: %(num)d problem(s) found.", num=len(preview.errors)))


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    bank: Bank
    bank_created: bool
    created: int
    skipped_duplicates: int
    per_type: dict[str, int]
    images: int  # images the questions use (new or already stored)
    event_id: int


def import_bank(actor: Actor, course: Course, bank_name: str, file: BankFile, *, now: datetime, ip: str,
                create_bank_if_missing: bool = True) -> ImportResult:
    """Check `file` against the bank as it is now and store its questions, all or nothing.

    The bank is `course`'s bank named `bank_name`, created when missing (unless told not to).
    Raises BankImportRejected, having written nothing, if anything is wrong. Flushes, never commits.
    """
    bank_name = clean_text(bank_name or "").strip()
    bank = find_bank(course, bank_name) if bank_name else None
    preview = preview_import(bank, file, bank_name=bank_name)
    if bank is None and bank_name and not create_bank_if_missing:
        preview.errors.insert(0, Issue(_l("Course %(course)s has no bank named %(name)s.",
                                          course=course.name, name=bank_name)))
    return apply_import(actor, course, preview, now=now, ip=ip)


def apply_import(actor: Actor, course: Course, preview: ImportPreview, *, now: datetime, ip: str) -> ImportResult:
    """Store what `preview` lists. It must have been made in this same transaction (a preview kept across
    requests may be stale: use import_bank). Raises BankImportRejected if the preview has errors."""
    if preview.errors:
        raise BankImportRejected(preview)
    bank = preview.bank
    if bank is None:
        try:
            bank = create_bank(actor, course, preview.bank_name, now=now, ip=ip)
        except DomainError as error:  # created by someone else since the preview
            preview.errors.append(Issue(error.message))
            raise BankImportRejected(preview) from error
    images = store_images(preview.images, now=now)
    questions = add_questions(actor, bank, preview.to_import, now=now, images=images)
    per_type = preview.per_type
    file = preview.file
    event = record(
        actions.BANK_IMPORTED, actor=actor, ip=ip, now=now, target=bank,
        details={
            "file": file.filename,
            "format": file.format,
            "bank": bank.name,
            "course": course.code,
            "created": len(questions),
            "skipped_duplicates": preview.skipped,
            "per_type": per_type,
            "images": len({image.id for image in images.values()}),
        },
    )
    return ImportResult(preview=preview, bank=bank, bank_created=preview.bank is None, created=len(questions),
                        skipped_duplicates=preview.skipped, per_type=per_type,
                        images=len({image.id for image in images.values()}), event_id=event.id)


def store_images(images: dict[str, PackedImage], *, now: datetime) -> dict[str, Image]:
    """Image rows for these images (name → Image), reusing any already stored with the same bytes."""
    if not images:
        return {}
    hashes = {name: hashlib.sha256(image.data).hexdigest() for name, image in images.items()}
    stored = {
        image.sha256: image
        for image in db.session.scalars(
            db.select(Image).options(load_only(Image.id, Image.sha256)).where(Image.sha256.in_(set(hashes.values())))
        )
    }
    for name, digest in hashes.items():
        if digest not in stored:
            packed = images[name]
            stored[digest] = Image(sha256=digest, content_type=packed.content_type, data=packed.data, created_at=now)
            db.session.add(stored[digest])
    db.session.flush()
    return {name: stored[digest] for name, digest in hashes.items()}
