"""What the text-based bank formats (GIFT, Aiken, Moodle XML) share: strict decoding of the upload,
how a question is named in messages, and how weighted choices become a single or multiple draft.

Decoding reuses the CSV reader's decoder (UTF-8 with or without BOM, UTF-16 with a BOM, else GB18030;
bytes are never ignored); only the message differs, naming the line of a text file.
"""

import codecs
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from app.banks.answers import BLANK as BLANK_MARKER
from app.banks.checks import check_draft
from app.banks.drafts import Draft, QuestionType
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets.csv_reader import _decode
from app.core.spreadsheets.table import Issue, SpreadsheetError

BLANK = "____"
HUNDRED = Decimal(100)
_LABEL_CHARS = 30
_NEWLINES = re.compile(r"\r\n|\r|\n")
_TAGS = re.compile(r"<[^>]*>")


class ChoiceKey(NamedTuple):
    type: QuestionType  # SINGLE or MULTIPLE
    correct: set[int]
    weights: dict[int, Decimal]


class TextFormatError(Exception):
    """The upload cannot be read at all; `issue` says why."""

    def __init__(self, issue: Issue):
        super().__init__(str(issue.message))
        self.issue = issue


def decode_text(data: bytes) -> str:
    """The upload as text with "\\n" line endings; raises TextFormatError naming the first bad line."""
    try:
        text, _encoding = _decode(data)
    except SpreadsheetError:
        raise TextFormatError(Issue(_l(
            "The file is not UTF-8 or GB18030 text: line %(line)d holds bytes that cannot be read. "
            "Save the file again as UTF-8 text and upload it.",
            line=_bad_line(data),
        ))) from None
    text = _NEWLINES.sub("\n", text)
    if "\x00" in text:
        raise TextFormatError(Issue(_l(
            "The file contains NUL characters (line %(line)d), so it is not a text file.",
            line=text.count("\n", 0, text.index("\x00")) + 1,
        )))
    return text


def _bad_line(data: bytes) -> int:
    """The line where decoding stops, in the encoding that gets furthest (as the decoder chose it)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    best, best_encoding = 0, encodings[0]
    for encoding in encodings:
        try:
            data.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start >= best:
                best, best_encoding = error.start, encoding
    prefix = data[:best].decode(best_encoding, errors="replace")  # only counts line breaks
    return len(_NEWLINES.findall(prefix)) + 1


def label(title: str, stem: str) -> str:
    """How messages name a question: its title, else the first words of its text (tags dropped),
    shortened."""
    words = " ".join(title.split()) or " ".join(_TAGS.sub(" ", stem).split())
    return words if len(words) <= _LABEL_CHARS else words[:_LABEL_CHARS] + "…"


def where(number: int, title: str, stem: str) -> dict:
    """The variables every per-question message starts with: "Question %(number)s (%(title)s): "."""
    return {"number": number, "title": label(title, stem)}


def check(draft: Draft, line: int | None = None) -> list[Issue]:
    """The shared consistency checks (app.banks.checks) of a draft, as Issues naming the question
    (and, for line-based formats, the line where it starts)."""
    place = where(draft.row or 0, draft.title, draft.stem)
    issues = []
    for problem in check_draft(draft):
        if line is None:
            issues.append(Issue(_l("Question %(number)s (%(title)s): %(problem)s", problem=problem.message, **place)))
        else:
            issues.append(Issue(_l("Question %(number)s, line %(line)d (%(title)s): %(problem)s",
                                   problem=problem.message, line=line, **place)))
    return issues


@dataclass(frozen=True)
class Unsupported(Issue):
    """A question of a type this system does not have (matching, numerical …). Unlike other problems it
    does not stop the import if the trainer chooses to import the other questions."""


def unsupported(number: int, title: str, stem: str, type_name) -> Unsupported:
    return Unsupported(_l(
        "Question %(number)s (%(title)s): %(type)s questions are not supported, so it cannot be imported.",
        type=type_name, **where(number, title, stem),
    ))


def too_many_questions(maximum: int) -> Issue:
    return Issue(_l("The file has more than %(max)s questions. Split it into smaller files.", max=f"{maximum:,}"))


def with_blank(stem: str) -> str:
    """A fill-in-the-blank stem: unchanged when it already marks its blank, else one blank at the end
    (on the same line: `____` alone on a line would be a Markdown rule)."""
    if BLANK_MARKER.search(stem):
        return stem
    return f"{stem.rstrip()} {BLANK}" if stem.strip() else BLANK


def choice_key(weights: list[Decimal], marked_single: bool, place: dict) -> ChoiceKey | Issue:
    """The answer key of a choice question from each option's weight in percent, or the problem.

    `marked_single` is the format's own flag (GIFT `=`, Moodle `<single>true`): such a question needs
    exactly one option worth 100% and no partial credit. Otherwise two or more options with a positive
    weight make a multiple-choice question (their weights kept; options with a negative weight are
    simply wrong), and one option worth 100% a single-choice one. `place` comes from where().
    """
    positive = {index for index, weight in enumerate(weights) if weight > 0}
    if not positive:
        return Issue(_l("Question %(number)s (%(title)s): no answer is marked right.", **place))
    if marked_single or len(positive) == 1:
        full = {index for index in positive if weights[index] == HUNDRED}
        if len(full) > 1:
            return Issue(_l(
                "Question %(number)s (%(title)s): more than one answer is marked right, but only one can be "
                "chosen. For several right answers, give each a share of the marks (in GIFT: ~%%50%%).",
                **place,
            ))
        if len(positive) > len(full):
            return Issue(_l(
                "Question %(number)s (%(title)s): an answer gives partial credit, which single-choice "
                "questions do not support.",
                **place,
            ))
        return ChoiceKey(QuestionType.SINGLE, full, {})
    return ChoiceKey(QuestionType.MULTIPLE, positive, {index: weights[index] for index in sorted(positive)})


def accepted_answers(answers: list[tuple[Decimal, str]], place: dict) -> list[str] | Issue:
    """The alternatives of a fill-in-the-blank question from Moodle's short answers (weight in percent,
    text): full-credit ones are kept, wrong ones (listed for their feedback) left out; partial credit
    and Moodle's `*` wildcard have no equivalent here."""
    alternatives: list[str] = []
    for weight, answer in answers:
        if weight <= 0:
            continue
        if weight != HUNDRED:
            return Issue(_l(
                "Question %(number)s (%(title)s): the answer \"%(answer)s\" gives partial credit (%(weight)s%%), "
                "which fill-in-the-blank questions do not support.",
                answer=answer, weight=weight, **place,
            ))
        if "*" in answer.replace("\\*", ""):
            return Issue(_l(
                "Question %(number)s (%(title)s): the answer \"%(answer)s\" uses the * wildcard, which "
                "fill-in-the-blank questions do not support.",
                answer=answer, **place,
            ))
        answer = answer.replace("\\*", "*")
        if answer and answer not in alternatives:
            alternatives.append(answer)
    if not alternatives:
        return Issue(_l("Question %(number)s (%(title)s): no accepted answer is given.", **place))
    return alternatives


def normalise_number(value: Decimal) -> Decimal:
    """1.0000000 → 1, 33.3333300 → 33.33333 (never an exponent: 10 stays 10)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
