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
  That makes XLSX the lossless spreadsheet export.
- XLSX cannot hold control characters other than tab, CR and LF; they are dropped (they cannot be
  typed in Excel either).
- Images are not exported (the file would need the images beside it); the export page says so.
- GIFT keeps: type, stem, options, key (multiple-choice weights as percentages; without stored weights
  the correct options share 100% and wrong ones get -100%), explanation (general feedback), topics
  (`// [tag:…]` comments). It does not carry points, difficulty or source. A short answer's reference
  answer is GIFT's general feedback (`{####…}`), so its explanation is not exported. A fill-in-the-blank
  question becomes a "missing word" question, so the blank is written where it stood and comes back as
  `____`; GIFT has one answer block per question, so questions with several blanks are left out and
  named in a comment at the top of the file.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.accounts.actors import Actor
from app.audit import actions
from app.audit.services import record
from app.banks.answers import BLANK, LETTERS, count_blanks
from app.banks.drafts import Draft, QuestionType
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

TYPE_WORDS = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUE_FALSE: "判断",
    QuestionType.FILL_BLANK: "填空",
    QuestionType.SHORT_ANSWER: "简答",
}
# The columns written: every column of the format except 图片 (images are not exported).
EXPORT_COLUMNS = tuple(column for column in COLUMNS if column.key != "image")
HEADER = tuple(column.chinese for column in EXPORT_COLUMNS)


# --- One question as cells ----------------------------------------------------------------------

def number_text(value: Decimal | int | None) -> str:
    """2.00 → "2", 1.50 → "1.5" (never an exponent)."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def answer_text(draft: Draft) -> str:
    """The key in the answer column's syntax: `A`, `ABD`, `对`/`错`, `甲|A;乙`, or the reference answer."""
    kind = QuestionType(draft.type)
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(LETTERS[index] for index in sorted(draft.correct) if 0 <= index < len(LETTERS))
    if kind is QuestionType.TRUE_FALSE:
        return "对" if draft.truth else "错"
    if kind is QuestionType.FILL_BLANK:
        return ";".join("|".join(alternatives) for alternatives in draft.blanks)
    return draft.reference


def cells_of(draft: Draft) -> dict[str, str]:
    """Column key → cell text, for the table formats."""
    cells = {
        "id": draft.external_id,
        "type": TYPE_WORDS[QuestionType(draft.type)],
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


def to_xlsx(drafts: list[Draft], *, title: str = "题库") -> bytes:
    """One sheet, frozen header row, every cell a string cell: no formulas, no numbers guessed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _COLUMN_WIDTHS.get(column.key, 12)
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, name, font=bold) for name in HEADER])
    for draft in drafts:
        sheet.append([_text_cell(sheet, cell) for cell in row_of(draft)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "", title).strip("'").strip()
    return cleaned[:31] or "Sheet1"


_GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")
_GIFT_WEIGHT = re.compile(r"%-?\d{1,3}(?:\.\d+)?%")
_GIFT_FORMAT_TAG = re.compile(r"\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
HUNDRED = Decimal(100)


def gift_escape(text: str) -> str:
    """`~ = # { } :` and the backslash escaped with a backslash; line breaks as `\\n` (one line)."""
    text = _GIFT_SPECIAL.sub(r"\\\1", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\n", "\\n")


def _gift_text(text: str) -> str:
    """A piece of text that must come back as written: a leading format tag is protected by one
    of our own (the reader drops only the first)."""
    escaped = gift_escape(text)
    return "[markdown]" + escaped if _GIFT_FORMAT_TAG.match(escaped) else escaped


def _gift_answer(marker: str, text: str, weight: Decimal | None = None) -> str:
    """One answer: `=text`, `~text`, `~%50%text`. An explicit weight is written when the text itself
    begins like a weight, so it is not read as one."""
    body = _gift_text(text)
    if weight is None and _GIFT_WEIGHT.match(body):
        weight = HUNDRED if marker == "=" else Decimal(0)
    if weight is not None:
        return f"{marker}%{number_text(weight)}%{body}"
    return f"{marker}{body}"


def _percent(value: Decimal) -> Decimal:
    """A share of 100 with at most 5 decimals, as Moodle writes them (33.33333)."""
    return value.quantize(Decimal("0.00001")).normalize() if value != value.to_integral_value() else value


def gift_supports(draft: Draft) -> bool:
    """GIFT has one answer block per question: a fill-in-the-blank with several blanks does not fit,
    nor one whose alternatives contain `->` (read as a matching question)."""
    if QuestionType(draft.type) is QuestionType.FILL_BLANK:
        return count_blanks(draft.stem) == 1 and len(draft.blanks) == 1 and not any(
            "->" in alternative for alternative in draft.blanks[0])
    return True


def gift_question(draft: Draft, title: str) -> str:
    kind = QuestionType(draft.type)
    feedback = f"####{_gift_text(draft.explanation)}" if draft.explanation else ""
    lines = [f"// [tag:{topic}]" for topic in draft.topics if "]" not in topic]
    head = f"::{gift_escape(title)}::"
    stem = "[markdown]" + gift_escape(draft.stem)
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if kind is QuestionType.SINGLE:
            answers = [_gift_answer("=" if index in draft.correct else "~", option)
                       for index, option in enumerate(draft.options)]
        else:
            weights = draft.weights or {index: _percent(HUNDRED / len(draft.correct)) for index in draft.correct}
            answers = [_gift_answer("~", option, weights[index] if index in draft.correct else -HUNDRED)
                       for index, option in enumerate(draft.options)]
        lines.append(f"{head}{stem}{{{' '.join(answers)}{feedback}}}")
    elif kind is QuestionType.TRUE_FALSE:
        lines.append(f"{head}{stem}{{{'TRUE' if draft.truth else 'FALSE'}{feedback}}}")
    elif kind is QuestionType.FILL_BLANK:
        alternatives = " ".join("=" + gift_escape(answer).replace("*", "\\*") for answer in draft.blanks[0])
        before, after = BLANK.split(draft.stem, maxsplit=1)
        lines.append(f"{head}[markdown]{gift_escape(before)}{{{alternatives}{feedback}}}{gift_escape(after)}")
    else:
        lines.append(f"{head}{stem}{{####{_gift_text(draft.reference)}}}")
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
        data = to_xlsx(drafts, title=bank.name)
    else:
        data = to_gift(drafts, [question_title(q) for q in questions], left_out_note=gift_left_out_note)
    record(actions.BANK_EXPORTED, actor=actor, ip=ip, now=now, target=bank,
           details={"format": fmt, "questions": len(drafts), "retired_included": include_retired})
    filename = f"{bank.course.code}-{bank.name}-{now:%Y%m%d}.{'txt' if fmt == 'gift' else fmt}"
    return Export(data=data, mimetype=MIMETYPES[fmt], filename=safe_filename(filename), count=len(drafts))
