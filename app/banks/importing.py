"""Importing a question bank file: read it, preview what an import would do, then store all or nothing.

    file = read_bank_file(data, filename, format="auto")       # parse only
    preview = preview_import(bank_or_none, file, bank_name=…)   # + checks against the database; reads only
    result = import_bank(actor, course, bank_name, file, now=…, ip=…)   # checks again, then stores

A web upload keeps the bytes between preview and confirmation (app.uploads) and calls `read_bank_file`
and `import_bank` again on them at confirmation, so the file is checked against the database as it is
then. `import_bank` raises `BankImportRejected` (nothing written) on any error; it flushes, the caller
commits once, or rolls back.

Formats, by the file's extension:
- `.csv`, `.xlsx` → our table format (README, "Question bank file format");
- `.zip` → one CSV/XLSX bank and the images its 图片 column names (app.banks.zipped);
- `.xml` → Moodle XML; `.gift` → GIFT; `.aiken` → Aiken;
- `.txt` → GIFT or Aiken, as `format` says; with "auto" (the default) a text is Aiken when it has
  `ANSWER:` lines and no more `{` than such lines (Aiken's one marker), GIFT otherwise. `format` also
  overrides the extension of a `.gift` or `.aiken` file; it does not apply to the other formats.

Decisions:
- All or nothing, except two choices the trainer makes explicitly (web: the preview's buttons; CLI:
  `--skip-unsupported`, `--skip-existing`): questions of types we do not have (matching, numerical …,
  named by number and title) stop the import unless the trainer imports the others; questions another
  bank of the course already has are warnings, imported unless the trainer skips them.
- Repeats are warnings, not errors, and are skipped: a question with the same identity (text, options in
  any order and picture, normalised: app.banks.identity) as an active question of the bank, or as an
  earlier question of the same file, is not imported; the preview names both places and the result
  counts them (`skipped_duplicates`). Importing the same file twice therefore adds nothing the second
  time. A repeat whose answer differs is flagged as such, so the trainer can fix the question by hand.
- IDs (编号/ID column, Moodle idnumber; GIFT and Aiken have none) are unique in the course. A row whose
  ID the course knows updates that question — a new version when its content differs, so papers already
  drawn keep theirs and no past result changes; the ID must belong to the bank imported into (else an
  error names the bank that has it). A row with an ID new to the course whose content repeats a question
  of the bank without an ID gives that question the ID (and updates it); otherwise it is a new question
  with that ID. An update keeps the question's letter rule (keep_option_order) and its picture unless
  the row names another; its topics follow the file when the file has a topic column or the row has tags.
- The letter rule (app.banks.letters): a question whose explanation, text or options name options by
  letter or point at other options keeps its options in the order written; the preview says which.
  A short answer without a reference answer is imported with a note.
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
from typing import NamedTuple

from sqlalchemy.orm import load_only, selectinload

from app.accounts.actors import Actor
from app.audit import actions
from app.audit.services import record
from app.banks.checks import check_draft
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.aiken import parse_aiken
from app.banks.formats.gift import parse_gift
from app.banks.formats.moodle_xml import parse_moodle_xml
from app.banks.formats.table import BANK_MAX_ROWS, HeaderMap, drafts_from_table, match_header
from app.banks.formats.text import TextFormatError, Unsupported, decode_text, where
from app.banks.identity import answer_signature, content_identity
from app.banks.keys import key_of
from app.banks.letters import option_references
from app.banks.models import Bank, Image, Question, QuestionExternalId, QuestionVersion
from app.banks.services import (
    add_questions,
    content_of,
    create_bank,
    find_bank,
    same_content,
    set_external_ids,
    update_questions,
)
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
    unsupported: list[Issue] = field(default_factory=list)  # questions of types we lack: the trainer may skip them
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
    file.unsupported = [issue for issue in file.issues if isinstance(issue, Unsupported)]
    file.issues = [issue for issue in file.issues if not isinstance(issue, Unsupported)]
    for draft in file.drafts:
        _clean_draft(draft)
    if not file.drafts and not file.issues and not file.unsupported:
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
    draft.external_id = clean_text(draft.external_id)


# --- Preview -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """A question that is not imported because it repeats another one."""

    draft: Draft
    earlier: Draft | None  # the earlier question of the same file, or None: an active question of the bank
    question_id: int | None  # the bank's question it repeats
    same_answer: bool


@dataclass(frozen=True)
class InCourse:
    """A new question whose content another bank of the course already has: imported unless the trainer
    chooses to skip such questions (no paper holds both either way: app.exams.assembly)."""

    draft: Draft
    question_id: int
    bank_name: str
    same_answer: bool


@dataclass(frozen=True)
class Update:
    """A question of the bank that a row names by its ID (or, for an ID new to the course, by its content):
    the row becomes its next version when the content differs."""

    draft: Draft
    question: Question
    changed: bool
    adopts_id: bool  # the question had no ID and takes the row's


@dataclass
class ImportPreview:
    file: BankFile
    bank: Bank | None  # None: the import creates the bank
    bank_name: str = ""
    skip_unsupported: bool = False  # the trainer chose to import the other questions
    skip_existing: bool = False  # the trainer chose to skip questions other banks of the course have
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)  # duplicates, letters, unused images, ignored columns …
    duplicates: list[Duplicate] = field(default_factory=list)
    in_course: list[InCourse] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    to_import: list[Draft] = field(default_factory=list)  # new questions, as the choices above leave them
    images: dict[str, PackedImage] = field(default_factory=dict)  # name as the rows write it → image used

    @property
    def ok(self) -> bool:
        """No error: the file can be imported (perhaps only after skipping its unsupported questions)."""
        return not self.errors

    @property
    def unsupported(self) -> list[Issue]:
        return self.file.unsupported

    @property
    def filename(self) -> str:
        return self.file.filename

    @property
    def skipped(self) -> int:
        return len(self.duplicates)

    @property
    def skipped_existing(self) -> int:
        return len(self.in_course) if self.skip_existing else 0

    @property
    def changed(self) -> int:
        return sum(update.changed for update in self.updates)

    @property
    def unchanged(self) -> int:
        return sum(not update.changed for update in self.updates)

    @property
    def writes_anything(self) -> bool:
        return bool(self.to_import) or any(update.changed or update.adopts_id for update in self.updates)

    @property
    def per_type(self) -> dict[str, int]:
        """New questions per type, every type listed (in the registry's order)."""
        counts = Counter(QuestionType(draft.type).value for draft in self.to_import)
        return {kind.value: counts.get(kind.value, 0) for kind in TYPES}


def preview_import(bank: Bank | None, file: BankFile, *, bank_name: str | None = None, course: Course | None = None,
                   skip_unsupported: bool = False, skip_existing: bool = False) -> ImportPreview:
    """What importing `file` into `bank` (None: a new bank named `bank_name` in `course`) would do, and
    every problem, each naming its row and column (or question). Reads only."""
    preview = ImportPreview(file=file, bank=bank, bank_name=bank.name if bank is not None else (bank_name or ""),
                            skip_unsupported=skip_unsupported, skip_existing=skip_existing)
    preview.errors.extend(file.issues)
    preview.warnings.extend(file.notes)
    if bank is None and bank_name is not None:
        problem = bank_name_problem(bank_name)
        if problem is not None:
            preview.errors.insert(0, Issue(problem))
    for draft in file.drafts:
        preview.errors.extend(_draft_issues(file, draft))
    _check_images(preview)
    course_id = bank.course_id if bank is not None else (course.id if course is not None else None)
    _Planner(preview, course_id).plan()
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


class _ImageRef(NamedTuple):
    """Enough of an image to compare content with a stored version: its row id (0: not stored yet) and hash."""

    id: int
    sha256: str


@dataclass(frozen=True)
class _Existing:
    """An active question of the course, at its current version."""

    question_id: int
    bank_id: int
    bank_name: str
    external_id: str | None
    signature: tuple


class _Planner:
    """Decides, row by row, what the import does: add, update (by ID), skip as a repeat, or refuse."""

    def __init__(self, preview: ImportPreview, course_id: int | None):
        self.preview = preview
        self.file = preview.file
        self.bank_id = preview.bank.id if preview.bank is not None else None
        self.course_id = course_id
        self.images = self._image_refs()
        self.by_identity = self._course_questions()
        self.ids = self._course_ids()
        self.seen: dict[str, Draft] = {}  # identity → the first row of the file with it
        self.rows_by_id: dict[str, Draft] = {}
        self.updating: dict[int, Draft] = {}  # question id → the row updating it
        self.pending_updates: list[tuple[Draft, int, bool]] = []

    def _image_refs(self) -> dict[str, _ImageRef]:
        hashes = {name: hashlib.sha256(image.data).hexdigest() for name, image in self.preview.images.items()}
        stored = dict(db.session.execute(db.select(Image.sha256, Image.id).where(Image.sha256.in_(set(hashes.values()))))
                      .all()) if hashes else {}
        return {name: _ImageRef(stored.get(digest, 0), digest) for name, digest in hashes.items()}

    def _course_questions(self) -> dict[str, list[_Existing]]:
        if self.course_id is None:
            return {}
        rows = db.session.execute(
            db.select(QuestionVersion.fingerprint, Question.id, Question.bank_id, Bank.name,
                      QuestionExternalId.external_id, QuestionVersion.type, QuestionVersion.options,
                      QuestionVersion.key)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .join(Bank, Bank.id == Question.bank_id)
            .outerjoin(QuestionExternalId, QuestionExternalId.question_id == Question.id)
            .where(Bank.course_id == self.course_id, Question.status == "active")
            .order_by(Question.id)
        )
        found: dict[str, list[_Existing]] = {}
        for identity, question_id, bank_id, bank_name, external_id, kind, options, key in rows:
            found.setdefault(identity, []).append(_Existing(question_id, bank_id, bank_name, external_id,
                                                            answer_signature(kind, options or [], key or {})))
        return found

    def _course_ids(self) -> dict[str, tuple[int, int, str]]:
        """ID → (question id, bank id, bank name), retired questions included (an ID is never reused)."""
        wanted = {draft.external_id for draft in self.file.drafts if draft.external_id}
        if self.course_id is None or not wanted:
            return {}
        rows = db.session.execute(
            db.select(QuestionExternalId.external_id, Question.id, Question.bank_id, Bank.name)
            .join(Question, Question.id == QuestionExternalId.question_id).join(Bank, Bank.id == Question.bank_id)
            .where(QuestionExternalId.course_id == self.course_id, QuestionExternalId.external_id.in_(wanted))
        )
        return {external_id: (question_id, bank_id, bank_name) for external_id, question_id, bank_id, bank_name in rows}

    def identity(self, draft: Draft) -> str:
        kind = QuestionType(draft.type)
        options = draft.options if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE) else []
        image = self.images.get(draft.image) if draft.image else None
        return content_identity(draft.stem, options, image.sha256 if image is not None else None)

    @staticmethod
    def signature(draft: Draft) -> tuple:
        return answer_signature(QuestionType(draft.type).value, draft.options, key_of(draft))

    def plan(self) -> None:
        for draft in self.file.drafts:
            self.row(draft)
        self._load_updates()
        for draft in [*self.preview.to_import, *(update.draft for update in self.preview.updates)]:
            self._notes(draft)

    def row(self, draft: Draft) -> None:
        preview, file = self.preview, self.file
        identity = self.identity(draft)
        if draft.external_id:
            earlier = self.rows_by_id.get(draft.external_id)
            if earlier is not None:
                preview.errors.append(place(file, draft, "id", self._repeated_id(draft.external_id, earlier)))
                return
            self.rows_by_id[draft.external_id] = draft
            named = self.ids.get(draft.external_id)
            if named is not None:
                question_id, bank_id, bank_name = named
                if bank_id != self.bank_id:
                    preview.errors.append(place(file, draft, "id", _l(
                        "The ID %(id)s belongs to question %(question)d in bank %(bank)s of this course. Import the "
                        "file into that bank, or change the ID.", id=draft.external_id, question=question_id,
                        bank=bank_name)))
                elif question_id in self.updating:
                    preview.errors.append(place(file, draft, "id", self._repeated_id(draft.external_id,
                                                                                     self.updating[question_id])))
                else:
                    self._update(draft, question_id, adopts_id=False)
                    self.seen.setdefault(identity, draft)
                return
        same = self.by_identity.get(identity, [])
        in_bank = [found for found in same if found.bank_id == self.bank_id]
        if in_bank:
            found = in_bank[0]
            if draft.external_id and found.external_id is None and found.question_id not in self.updating:
                self._update(draft, found.question_id, adopts_id=True)  # the file now names this question
                self.seen.setdefault(identity, draft)
                return
            same_answer = self.signature(draft) == found.signature
            preview.duplicates.append(Duplicate(draft, None, found.question_id, same_answer))
            message = (_l("The bank already has this question (number %(id)d); it is skipped.", id=found.question_id)
                       if same_answer else
                       _l("The bank already has this question (number %(id)d) with a different answer; it is "
                          "skipped. Edit the bank's question to change its answer.", id=found.question_id))
            preview.warnings.append(place(file, draft, "stem", message))
            return
        if identity in self.seen:
            earlier = self.seen[identity]
            same_answer = self.signature(draft) == self.signature(earlier)
            preview.duplicates.append(Duplicate(draft, earlier, None, same_answer))
            preview.warnings.append(place(file, draft, "stem", _repeat_message(file, earlier, same_answer)))
            return
        self.seen[identity] = draft
        if same:
            found = same[0]
            same_answer = self.signature(draft) == found.signature
            preview.in_course.append(InCourse(draft, found.question_id, found.bank_name, same_answer))
            message = (_l("Bank %(bank)s of this course already has this question (number %(id)d).",
                          bank=found.bank_name, id=found.question_id) if same_answer else
                       _l("Bank %(bank)s of this course already has this question (number %(id)d), with a "
                          "different answer.", bank=found.bank_name, id=found.question_id))
            preview.warnings.append(place(file, draft, "stem", message))
            if preview.skip_existing:
                return
        preview.to_import.append(draft)

    def _repeated_id(self, external_id: str, earlier: Draft):
        if self.file.header is not None:
            return _l("The ID %(id)s is also given in row %(row)d.", id=external_id, row=earlier.row or 0)
        return _l("The ID %(id)s is also given to question %(number)d.", id=external_id, number=earlier.row or 0)

    def _update(self, draft: Draft, question_id: int, *, adopts_id: bool) -> None:
        self.updating[question_id] = draft
        self.pending_updates.append((draft, question_id, adopts_id))

    def _load_updates(self) -> None:
        """The questions to update, with their current versions, in one query; what would change."""
        ids = [question_id for _draft, question_id, _adopts in self.pending_updates]
        if not ids:
            return
        questions = {question.id: question for question in db.session.scalars(
            db.select(Question).where(Question.id.in_(ids)).options(selectinload(Question.current)))}
        image_ids = {q.current.image_id for q in questions.values() if q.current is not None and q.current.image_id}
        current_images = dict(db.session.execute(
            db.select(Image.id, Image.sha256).where(Image.id.in_(image_ids))).all()) if image_ids else {}
        for draft, question_id, adopts_id in self.pending_updates:
            question = questions[question_id]
            current = question.current
            draft.keep_order = draft.keep_order or bool(current is not None and current.keep_option_order)
            if draft.image:
                image = self.images.get(draft.image)
            elif current is not None and current.image_id:
                image = _ImageRef(current.image_id, current_images[current.image_id])
            else:
                image = None
            changed = current is None or not same_content(current, content_of(draft, image))
            self.preview.updates.append(Update(draft, question, changed, adopts_id))
            if question.status != "active":
                self.preview.warnings.append(place(self.file, draft, "id", _l(
                    "Question %(id)d is retired: it is updated all the same and stays retired.", id=question.id)))

    def _notes(self, draft: Draft) -> None:
        """What the trainer should know about a question that is imported or updated."""
        kind = QuestionType(draft.type)
        for reference in option_references(kind, draft.stem, draft.options, draft.explanation):
            message = (_l("“%(text)s” names an option by its letter: this question keeps its options in the order "
                          "written, so the letters match what candidates see.", text=reference.snippet)
                       if reference.letters else
                       _l("“%(text)s” points at other options: this question keeps its options in the order "
                          "written.", text=reference.snippet))
            self.preview.warnings.append(place(self.file, draft, reference.field, message))
        if kind is QuestionType.SHORT_ANSWER and not draft.reference.strip():
            self.preview.warnings.append(place(self.file, draft, "answer", _l(
                "No reference answer: graders see that there is none.")))


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
    updated: int  # questions given a new version
    unchanged: int  # questions the file names by ID whose content is the same
    skipped_duplicates: int
    skipped_existing: int  # already in another bank of the course, skipped by choice
    skipped_unsupported: int
    per_type: dict[str, int]
    images: int  # images the questions use (new or already stored)
    event_id: int


def import_bank(actor: Actor, course: Course, bank_name: str, file: BankFile, *, now: datetime, ip: str,
                create_bank_if_missing: bool = True, skip_unsupported: bool = False,
                skip_existing: bool = False) -> ImportResult:
    """Check `file` against the course as it is now and store its questions, all or nothing — except
    what the trainer chose to skip: questions of unsupported types (`skip_unsupported`), and questions
    another bank of the course already has (`skip_existing`).

    The bank is `course`'s bank named `bank_name`, created when missing (unless told not to).
    Raises BankImportRejected, having written nothing, if anything is wrong. Flushes, never commits.
    """
    bank_name = clean_text(bank_name or "").strip()
    bank = find_bank(course, bank_name) if bank_name else None
    preview = preview_import(bank, file, bank_name=bank_name, course=course, skip_unsupported=skip_unsupported,
                             skip_existing=skip_existing)
    if bank is None and bank_name and not create_bank_if_missing:
        preview.errors.insert(0, Issue(_l("Course %(course)s has no bank named %(name)s.",
                                          course=course.name, name=bank_name)))
    return apply_import(actor, course, preview, now=now, ip=ip)


def apply_import(actor: Actor, course: Course, preview: ImportPreview, *, now: datetime, ip: str) -> ImportResult:
    """Store what `preview` lists. It must have been made in this same transaction (a preview kept across
    requests may be stale: use import_bank). Raises BankImportRejected if the preview has errors, or
    unsupported questions the trainer did not choose to skip."""
    if preview.unsupported and not preview.skip_unsupported:
        preview.errors.extend(preview.unsupported)
    if not preview.errors and preview.bank is None and not preview.writes_anything:
        preview.errors.append(Issue(_l("Nothing to import: the bank would be empty. Every question is skipped "
                                       "(see the notes).")))
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
    set_external_ids(course, [(update.question, update.draft.external_id) for update in preview.updates
                              if update.adopts_id])
    file = preview.file
    replace_topics = file.header is not None and "topic" in file.header.indexes
    revised = update_questions(actor, [(update.question, update.draft) for update in preview.updates], now=now,
                               images=images, replace_topics=replace_topics)
    per_type = preview.per_type
    image_count = len({image.id for image in images.values()})
    skipped_unsupported = len(preview.unsupported)
    event = record(
        actions.BANK_IMPORTED, actor=actor, ip=ip, now=now, target=bank,
        details={
            "file": file.filename,
            "format": file.format,
            "bank": bank.name,
            "course": course.code,
            "created": len(questions),
            "updated": {str(version.question_id): version.number for version in revised},
            "unchanged": preview.unchanged,
            "ids_given": sum(update.adopts_id for update in preview.updates),
            "skipped_duplicates": preview.skipped,
            "in_other_banks": len(preview.in_course),
            "skipped_existing": preview.skipped_existing,
            "skipped_unsupported": skipped_unsupported,
            "per_type": per_type,
            "images": image_count,
        },
    )
    return ImportResult(preview=preview, bank=bank, bank_created=preview.bank is None, created=len(questions),
                        updated=len(revised), unchanged=preview.unchanged, skipped_duplicates=preview.skipped,
                        skipped_existing=preview.skipped_existing, skipped_unsupported=skipped_unsupported,
                        per_type=per_type, images=image_count, event_id=event.id)


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
