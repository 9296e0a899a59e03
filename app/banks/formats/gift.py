"""Moodle's GIFT format → drafts, read the way Moodle's own importer reads it.

Questions are separated by blank lines; lines starting with `//` are comments (`[tag:…]` in them
gives topics); `$CATEGORY:` lines are skipped; `::title::` is optional; a `[html]`, `[markdown]`,
`[moodle]` or `[plain]` tag may start a text; `\\~ \\= \\# \\{ \\} \\: \\\\` escape, `\\n` is a newline.

The answer block `{…}` decides the type:
- `{=right ~wrong}` → single; `{~%50%a ~%50%b ~%-100%c}` (two or more positive weights) → multiple,
  weights in percent; in the middle of the text (missing word) the block becomes a `____` blank;
- `{T}` `{F}` `{TRUE}` `{FALSE}` → true_false;
- `{=a =b}` → fill_blank with one blank accepting a or b, placed where the block stood, else at the end;
- `{}` → short_answer, the general feedback (`{####model answer}`) as the grader's reference answer (an
  essay without one is imported all the same: the grading page says there is no reference answer);
- `{#…}` (numerical) and `{=a -> b}` (matching) → an `Unsupported` issue naming the question, which the
  trainer may skip to import the others;
- a block a registered type claims (`QuestionKind.reads_gift`, asked before the built-in syntax) is read by
  that type (`read_gift`), so a new type brings its GIFT syntax with it.
GIFT has no ID: `::title::` is a label, often reused ("Q1"), so it never identifies a question across
files; re-importing GIFT relies on the repeat check (app.banks.identity).
`####text` at the end of the block is the general feedback → explanation. Per-answer feedback
(`#…`) has no place in a draft and is left out.
"""

import re
from decimal import Decimal

from app.banks import registry
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.text import (
    BLANK,
    HUNDRED,
    ChoiceKey,
    TextFormatError,
    accepted_answers,
    check,
    choice_key,
    decode_text,
    normalise_number,
    too_many_questions,
    unsupported,
    where,
    with_blank,
)
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import limits
from app.core.spreadsheets.table import Issue

_ESCAPABLE = "\\:#=~{}"
# Escaped characters are hidden behind Unicode noncharacters while the structure is parsed.
_HIDDEN = {char: chr(0xFDD0 + index) for index, char in enumerate(_ESCAPABLE)}
_REVEAL = str.maketrans({hidden: char for char, hidden in _HIDDEN.items()})
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_ESCAPE = re.compile(r"\\([\\:#=~{}n])")
_FORMAT_TAG = re.compile(r"\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"%(-?[0-9]{1,3}(?:\.[0-9]{1,20})?)%")
_TAG = re.compile(r"\[tag:([^\]]+)\]")
_CATEGORY = re.compile(r"\$CATEGORY:", re.IGNORECASE)
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def parse_gift(data: bytes, *, max_questions: int = limits.MAX_ROWS) -> tuple[list[Draft], list[Issue]]:
    """(drafts of the questions without problems, every problem found), like the table format; a
    draft's row is the question's number in the file. The shared checks (app.banks.checks) are applied."""
    try:
        text = decode_text(data)
    except TextFormatError as error:
        return [], [error.issue]
    text = _NONCHARACTERS.sub("\ufffd", text)  # never in real text; reserved for escapes below
    drafts: list[Draft] = []
    issues: list[Issue] = []
    number = 0
    for lines in _blocks(text):
        body, topics = _body(lines)
        if not body:
            continue
        number += 1
        if number > max_questions:
            issues.append(too_many_questions(max_questions))
            break
        result = _question(body, number)
        if isinstance(result, Issue):
            issues.append(result)
        else:
            result.topics = topics
            problems = check(result)
            issues.extend(problems)
            if not problems:
                drafts.append(result)
        if len(issues) >= limits.MAX_ISSUES:
            break
    return drafts, issues


def _blocks(text: str):
    """Runs of non-blank lines."""
    block: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _body(lines: list[str]) -> tuple[str, list[str]]:
    """The question's text without comment and leading `$CATEGORY:` lines, and the comments' tags."""
    topics: list[str] = []
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("//"):
            topics.extend(tag.strip() for tag in _TAG.findall(stripped) if tag.strip() not in topics)
        elif kept or not _CATEGORY.match(stripped):
            kept.append(line)
    return "\n".join(kept).strip(), list(dict.fromkeys(topics))


def _hide(match: re.Match) -> str:
    char = match.group(1)
    return "\n" if char == "n" else _HIDDEN[char]


def _text(raw: str) -> str:
    """A piece of GIFT text as shown: format tag dropped, escapes resolved, outer spaces trimmed."""
    raw = raw.strip()
    tag = _FORMAT_TAG.match(raw)
    if tag:
        raw = raw[tag.end():]
    return raw.translate(_REVEAL).strip()


def _question(body: str, number: int) -> Draft | Issue:
    text = _ESCAPE.sub(_hide, body)
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            return Issue(_l("Question %(number)s (%(title)s): the title is not closed with ::.",
                            **where(number, "", _text(text[2:]))))
        title = _text(text[2:end])
        text = text[end + 2:].strip()
    start, end = text.find("{"), text.find("}")
    place = where(number, title, _text(text[:start] if start >= 0 else text))
    if start < 0 and end < 0:
        return Issue(_l("Question %(number)s (%(title)s): no answer block in braces { } was found.", **place))
    if "{" in text[end + 1:] and 0 <= start < end:
        return Issue(_l("Question %(number)s (%(title)s): a question can have only one answer block { }.",
                        **place))
    if start < 0 or end < start or "{" in text[start + 1:end] or "}" in text[end + 1:]:
        return Issue(_l("Question %(number)s (%(title)s): the braces { } around the answers do not match. "
                        "Write \\{ and \\} for braces in the text.", **place))
    before, answer, after = text[:start], text[start + 1:end].strip(), text[end + 1:]
    stem = _text(before + BLANK + after if after.strip() else before)
    explanation = ""
    feedback_at = answer.rfind("####")
    if feedback_at >= 0:
        explanation = _text(answer[feedback_at + 4:])
        answer = answer[:feedback_at].strip()
    draft = Draft(type=QuestionType.SHORT_ANSWER, stem=stem, explanation=explanation, row=number, title=title)

    for kind in registry.all():
        if kind.reads_gift(answer):
            return kind.read_gift(draft, answer.translate(_REVEAL), place)
    if not answer:
        draft.reference = explanation  # an essay: GIFT has no other place for the model answer
        return draft
    if answer.startswith("#"):
        return unsupported(number, title, stem, _l("numerical"))
    if "~" in answer:
        return _choice(draft, answer, place)
    if "=" in answer and "->" in answer:
        return unsupported(number, title, stem, _l("matching"))
    truth = _TRUE_FALSE.get(answer.split("#", 1)[0].strip().upper())
    if truth is not None:
        draft.type, draft.truth = QuestionType.TRUE_FALSE, truth
        return draft
    return _fill_blank(draft, answer, place)


def _answers(answer: str, separator: str) -> list[str]:
    """Moodle's split: a block not starting with a marker keeps its first piece as an answer."""
    pieces = answer.split(separator)
    if not pieces[0].strip():
        pieces.pop(0)
    return [piece.strip() for piece in pieces]


def _weight(piece: str, default: Decimal) -> tuple[Decimal, str]:
    match = _WEIGHT.match(piece)
    if match:
        return normalise_number(Decimal(match.group(1))), piece[match.end():]
    return default, piece


def _choice(draft: Draft, answer: str, place: dict) -> Draft | Issue:
    weights: list[Decimal] = []
    marked_single = False
    for piece in _answers(answer.replace("=", "~="), "~"):
        marked = piece.startswith("=")
        marked_single = marked_single or marked
        weight, piece = _weight(piece[1:] if marked else piece, HUNDRED if marked else Decimal(0))
        weights.append(weight)
        draft.options.append(_text(piece.split("#", 1)[0]))
    key = choice_key(weights, marked_single, place)
    if isinstance(key, Issue):
        return key
    _apply(draft, key)
    return draft


def _apply(draft: Draft, key: ChoiceKey) -> None:
    draft.type, draft.correct, draft.weights = key.type, key.correct, key.weights


def _fill_blank(draft: Draft, answer: str, place: dict) -> Draft | Issue:
    answers = []
    for piece in _answers(answer, "="):
        weight, piece = _weight(piece, HUNDRED)
        answers.append((weight, _text(piece.split("#", 1)[0])))
    alternatives = accepted_answers(answers, place)
    if isinstance(alternatives, Issue):
        return alternatives
    draft.type, draft.stem, draft.blanks = QuestionType.FILL_BLANK, with_blank(draft.stem), [alternatives]
    return draft
