"""A question bank written out as CSV, XLSX or GIFT, one question per current version.

CSV and XLSX use the upload format (docs/question-banks.md) with its Chinese header, so an
exported bank can be edited in Excel and imported again; the 编号 column carries each question's ID, so
such a re-import updates the questions that have one. GIFT is for Moodle (it has no place for an ID).

Decisions:
- Which questions: the active ones by default, the retired ones too when asked; always the current
  version, in the order the questions were added.
- Formula injection (docs/security.md §27). CSV: a cell that begins with `= + - @`, tab, CR or LF is
  prefixed with `'`, and so is a cell that already begins with apostrophes followed by one of those, so the
  rule can be undone exactly (`unneutralise`, one apostrophe off when apostrophes precede a dangerous
  character), which the table import applies to every CSV cell (app.banks.formats.table). XLSX needs no
  change to the text: every cell is a string cell (never a formula) and a dangerous one carries Excel's
  own "quote prefix" style — what Excel stores when someone types `'=1+1` — so Excel shows it as text and
  re-import gives exactly the original.
  That makes XLSX the lossless spreadsheet export, and the one the export page offers first.
- XLSX prints as the report exports do (app/reports/xlsx_stream.py): A4 landscape, one page wide, header
  row on every page, the bank's name in the page header and "page N of M" in the footer; its document
  properties name the bank and the application.
- XLSX cannot hold control characters other than tab, CR and LF; they are dropped (they cannot be
  typed in Excel either).
- Images are not exported (the file would need the images beside it); the export page says so.
- Each type writes its own key: the answer column's syntax (`QuestionKind.answer_text`), its first alias in
  the type column, its GIFT answer block (`QuestionKind.gift_question`, app/banks/types/); a type lists the
  formats it can be written to (`export_formats`), and its questions are left out of the others.
- GIFT keeps: type, stem, options, key (multiple-choice weights as percentages; without stored weights
  the correct options share 100% and wrong ones get -100%), explanation (general feedback), topics
  (`// [tag:…]` comments). It does not carry points, difficulty or source. A short answer's reference
  answer is GIFT's general feedback (`{####…}`), so its explanation is not exported. A fill-in-the-blank
  question becomes a "missing word" question, so the blank is written where it stood and comes back as
  `____`; GIFT has one answer block per question, so questions with several blanks (and any question
  whose type cannot be written as GIFT) are left out and named in a comment at the top of the file.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.accounts.actors import Actor
from app.audit import actions
from app.audit.services import record
from app.banks import registry
from app.banks.answers import LETTERS
from app.banks.drafts import Draft
from app.banks.formats.gift_writing import gift_escape, number_text
from app.banks.formats.table import COLUMNS
from app.banks.models import Bank, Question, QuestionExternalId
from app.banks.services import draft_of
from app.core.downloads import safe_filename
from app.core.spreadsheets.formulas import is_dangerous, neutralise, unneutralise  # noqa: F401 (re-exported)
from app.extensions import db

FORMATS = ("csv", "xlsx", "gift")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gift": "text/plain; charset=utf-8",
}

# The columns written: every column of the format except 图片 (images are not exported).
EXPORT_COLUMNS = tuple(column for column in COLUMNS if column.key != "image")
HEADER = tuple(column.chinese for column in EXPORT_COLUMNS)


# --- One question as cells ----------------------------------------------------------------------

def answer_text(draft: Draft) -> str:
    """The key in the answer column's syntax: `A`, `ABD`, `对`/`错`, `甲|A;乙`, or the reference answer."""
    return registry.get(draft.type).answer_text(draft)


def supports(draft: Draft, fmt: str) -> bool:
    """Whether `fmt` can hold the question (its type lists the format; GIFT also needs an answer block)."""
    kind = registry.get(draft.type)
    if fmt not in kind.export_formats:
        return False
    return fmt != "gift" or kind.gift_question(draft, "") is not None


def cells_of(draft: Draft) -> dict[str, str]:
    """Column key → cell text, for the table formats."""
    cells = {
        "id": draft.external_id,
        "type": registry.get(draft.type).aliases[0],
        "stem": draft.stem,
        "answer": answer_text(draft),
        "points": number_text(draft.points),
        "difficulty": number_text(draft.difficulty),
        "topic": ";".join(draft.topics),
        "explanation": draft.explanation,
        "source": draft.source,
    }
    for index, letter in enumerate(LETTERS):
        cells[f"option_{letter.lower()}"] = draft.options[index] if index < len(draft.options) else ""
    return cells


def row_of(draft: Draft) -> list[str]:
    cells = cells_of(draft)
    return [cells[column.key] for column in EXPORT_COLUMNS]


# --- The three formats --------------------------------------------------------------------------

def to_csv(drafts: list[Draft]) -> bytes:
    """UTF-8 with a BOM (Excel needs it to read Chinese), RFC 4180 quoting and CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    for draft in drafts:
        if supports(draft, "csv"):
            writer.writerow([neutralise(cell) for cell in row_of(draft)])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


_COLUMN_WIDTHS = {"stem": 60, "explanation": 40, "source": 24, "topic": 20}


def _text_cell(sheet, text: str, *, font=None) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("", text or "")
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    if is_dangerous(text):
        cell.quotePrefix = True  # Excel's own mark for "typed with a leading apostrophe": shown as text
    if font is not None:
        cell.font = font
    return cell


def to_xlsx(drafts: list[Draft], *, title: str = "题库", footer: str = "Page &P of &N", creator: str = "",
            now: datetime | None = None) -> bytes:
    """One sheet, frozen header row, every cell a string cell: no formulas, no numbers guessed; set up to
    print (`title` heads each page, `footer` may use &P and &N) and titled in its document properties."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    workbook.properties.creator = creator or None
    if now is not None:
        workbook.properties.created = workbook.properties.modified = now.replace(tzinfo=None, microsecond=0)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    _print_setup(sheet, title, footer)
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _COLUMN_WIDTHS.get(column.key, 12)
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, name, font=bold) for name in HEADER])
    for draft in drafts:
        if supports(draft, "xlsx"):
            sheet.append([_text_cell(sheet, cell) for cell in row_of(draft)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _print_setup(sheet, heading: str, footer: str) -> None:
    """A4 landscape, fitted to one page wide, grid lines, the header row on every page, header and footer."""
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_options.gridLines = sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = "1:1"
    # `&` starts a code in a page header: doubled, it is the character; Excel allows 255 characters in all.
    sheet.oddHeader.center.text = ILLEGAL_CHARACTERS_RE.sub("", " ".join(heading.split()))[:100].replace("&", "&&")
    sheet.oddHeader.center.font = "-,Bold"
    sheet.oddFooter.center.text = footer[:100]


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "", title).strip("'").strip()
    return cleaned[:31] or "Sheet1"


def gift_supports(draft: Draft) -> bool:
    return supports(draft, "gift")


def gift_question(draft: Draft, title: str) -> str:
    """`// [tag:…]` lines for the topics, then the type's own GIFT question after the `::title::` head."""
    lines = [f"// [tag:{topic}]" for topic in draft.topics if "]" not in topic]
    lines.append(registry.get(draft.type).gift_question(draft, f"::{gift_escape(title)}::"))
    return "\n".join(lines)


def to_gift(drafts: list[Draft], titles: list[str], *, left_out_note: str = "") -> bytes:
    """Questions separated by blank lines; questions GIFT cannot hold are named in a comment."""
    parts = []
    left_out = [title for draft, title in zip(drafts, titles, strict=True) if not gift_supports(draft)]
    if left_out:
        parts.append(f"// {left_out_note} {', '.join(left_out)}".rstrip())
    parts += [gift_question(draft, title) for draft, title in zip(drafts, titles, strict=True)
              if gift_supports(draft)]
    return ("\n\n".join(parts) + "\n").encode("utf-8")


# --- A bank, exported ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    data: bytes
    mimetype: str
    filename: str
    count: int


def export_questions(bank: Bank, *, include_retired: bool = False) -> list[Question]:
    statuses = ("active", "retired") if include_retired else ("active",)
    return list(db.session.scalars(
        db.select(Question).where(Question.bank_id == bank.id, Question.status.in_(statuses),
                                  Question.current_version_id.is_not(None)).order_by(Question.id)
    ))


def question_title(question: Question) -> str:
    return f"Q{question.id}"


def export_bank(actor: Actor, bank: Bank, fmt: str, *, include_retired: bool = False, now: datetime, ip: str,
                gift_left_out_note: str = "") -> Export:
    """The file for `bank` in `fmt` (csv, xlsx, gift); the export is recorded in the audit log."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    questions = export_questions(bank, include_retired=include_retired)
    ids = dict(db.session.execute(db.select(QuestionExternalId.question_id, QuestionExternalId.external_id)
                                  .where(QuestionExternalId.question_id.in_([q.id for q in questions]))).all())
    drafts = []
    for question in questions:
        draft = draft_of(question.current, question.topics)
        draft.external_id = ids.get(question.id, "")
        drafts.append(draft)
    if fmt == "csv":
        data = to_csv(drafts)
    elif fmt == "xlsx":
        # i18n: keep &P (this page's number) and &N (the number of pages) as they are.
        data = to_xlsx(drafts, title=bank.name, footer=_("Page &P of &N"), creator=_("Toll Training and Exams"),
                       now=now)
    else:
        data = to_gift(drafts, [question_title(q) for q in questions], left_out_note=gift_left_out_note)
    record(actions.BANK_EXPORTED, actor=actor, ip=ip, now=now, target=bank,
           details={"format": fmt, "questions": len(drafts), "retired_included": include_retired})
    filename = f"{bank.course.code}-{bank.name}-{now:%Y%m%d}.{'txt' if fmt == 'gift' else fmt}"
    return Export(data=data, mimetype=MIMETYPES[fmt], filename=safe_filename(filename), count=len(drafts))
