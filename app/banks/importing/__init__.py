"""Importing a question bank file: read it, preview what an import would do, then store all or nothing.

    file = read_bank_file(data, filename, format="auto")       # parse only
    preview = preview_import(bank_or_none, file, bank_name=…, course=…)   # + checks against the course; reads only
    result = import_bank(actor, course, bank_name, file, now=…, ip=…)   # checks again, then stores

The package: reading.py (a file → drafts and issues), rows.py (what each row does to the course: add,
update by ID, skip, flag), preview.py (the preview and its checks), storing.py (all or nothing).

A web upload keeps the bytes between preview and confirmation (app.uploads) and calls `read_bank_file`
and `import_bank` again on them at confirmation, so the file is checked against the database as it is
then. `import_bank` raises `BankImportRejected` (nothing written) on any error; it flushes, the caller
commits once, or rolls back.

Formats, by the file's extension:
- `.csv`, `.xlsx` → our table format (docs/question-banks.md);
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
- Text is stored as written (Markdown or Moodle HTML), sanitised when shown (app.core.markdown);
  at import NUL and other control characters (except tab and newline) are removed and line endings
  become "\\n", and the draft is checked again afterwards (a stem of control characters is empty).
- Images come only with a ZIP; a row naming an image that is not in it is an error on that row. Images
  are stored once per content (SHA-256), shared by banks; images in the ZIP that no row uses are
  listed as warnings and not stored.
"""

from app.banks.importing.preview import (
    MAX_BANK_NAME,
    MAX_SOURCE,
    Duplicate,
    ImportPreview,
    InCourse,
    Update,
    bank_name_problem,
    preview_import,
)
from app.banks.importing.reading import FORMAT_LABELS, FORMATS, BankFile, clean_text, read_bank_file
from app.banks.importing.storing import BankImportRejected, ImportResult, apply_import, import_bank, store_images

__all__ = [
    "FORMATS", "FORMAT_LABELS", "MAX_BANK_NAME", "MAX_SOURCE", "BankFile", "BankImportRejected", "Duplicate",
    "ImportPreview", "ImportResult", "InCourse", "Update", "apply_import", "bank_name_problem", "clean_text",
    "import_bank", "preview_import", "read_bank_file", "store_images",
]
