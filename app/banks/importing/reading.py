"""Reading an uploaded bank file for the import: the format opens and parses it (app.banks.formats.files),
then the drafts' text is cleaned of control characters. Never raises for bad input: the problems are in
`BankFile.issues` (and questions of types we lack in `BankFile.unsupported`)."""

import re

from app.banks.drafts import Draft
from app.banks.formats.files import (  # noqa: F401 (re-exported: the import pipeline's names)
    EXTENSIONS,
    FORMAT_LABELS,
    FORMATS,
    TABLE_FORMATS,
    TEXT_EXTENSIONS,
    BankFile,
    open_bank_file,
)
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\r\n?")


def clean_text(text: str) -> str:
    """NUL and other control characters removed (tab and newline kept), line endings as "\\n"."""
    if not text:
        return text or ""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text))


def read_bank_file(data: bytes, filename: str, *, format: str = "auto") -> BankFile:
    """Parse an uploaded bank; never raises for bad input (the problems are in `issues`)."""
    file = open_bank_file(data, filename, format=format)
    if file.issues and not file.format:
        return file  # refused before any format read it (empty, too large, unknown extension …)
    for draft in file.drafts:
        _clean_draft(draft)
    if not file.drafts and not file.issues and not file.unsupported:
        file.issues.append(Issue(_l("The file holds no questions.")))
    return file


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
