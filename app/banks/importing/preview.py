"""The preview of an import: what storing a file would do to a bank and its course, and every problem, each
naming its row and column (or question). Reads only."""

from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field

from app.banks import registry
from app.banks.checks import check_draft
from app.banks.drafts import Draft
from app.banks.importing.reading import BankFile, clean_text
from app.banks.importing.rows import Duplicate, InCourse, RowPlanner, Update
from app.banks.limits import MAX_SOURCE_CHARS
from app.banks.models import Bank
from app.banks.zipped import PackedImage
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue
from app.courses.models import Course

MAX_BANK_NAME = 200  # Bank.name
MAX_SOURCE = MAX_SOURCE_CHARS  # QuestionVersion.source


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
        counts = Counter(str(draft.type) for draft in self.to_import)
        return {code: counts.get(code, 0) for code in registry.codes()}


def preview_import(bank: Bank | None, file: BankFile, *, bank_name: str | None = None, course: Course | None = None,
                   skip_unsupported: bool = False, skip_existing: bool = False,
                   managed_bank_ids: Container[int] | None = None) -> ImportPreview:
    """What importing `file` into `bank` (None: a new bank named `bank_name` in `course`) would do, and
    every problem, each naming its row and column (or question). Reads only.

    `managed_bank_ids`: the banks the importer manages (None: every bank, for the command line); messages
    about the others' questions name neither the bank nor the question, nor compare answers."""
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
    RowPlanner(preview, course_id, managed_bank_ids).plan()
    return preview


def bank_name_problem(name: str):
    """Why a new bank cannot have this name (a lazy message), or None."""
    name = clean_text(name).strip()
    if not name:
        return _l("The bank needs a name.")
    if len(name) > MAX_BANK_NAME:
        return _l("The bank's name may have at most %(max)d characters.", max=MAX_BANK_NAME)
    return None


def _draft_issues(file: BankFile, draft: Draft) -> list[Issue]:
    """The shared checks again (lengths included), after cleaning: the parsers checked the text as written."""
    return [file.place(draft, problem.field, problem.message) for problem in check_draft(draft)]


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
            preview.errors.append(file.place(draft, "image", _l(
                "The image %(name)s was not uploaded: to import images, upload a ZIP file holding the bank and "
                "its images.", name=draft.image)))
        elif draft.image not in file.refused_images:
            preview.errors.append(file.place(draft, "image", _l(
                "The image %(name)s is not in the ZIP file.", name=draft.image)))
    unused = sorted(name for name in file.images if name not in used)
    if unused:
        preview.warnings.append(Issue(_l("Images in the ZIP that no question uses (not stored): %(names)s.",
                                         names=", ".join(unused[:20]) + (" …" if len(unused) > 20 else ""))))
