"""How long each part of a question may be: one set of limits for the editor and every import format
(docs/security.md §20).

The question editor has always capped what a trainer can type; imports had no cap of their own beyond the
spreadsheet cell (32,767 characters), and GIFT, Aiken and Moodle XML none at all, so a 5 MB GIFT file became a
2.5-million-character question that every later page, and every candidate's paper, had to carry. Now:

- `check_draft` (app/banks/checks.py) refuses any field over its limit below, whatever the question came from:
  the editor, CSV, XLSX, ZIP, GIFT, Aiken or Moodle XML.
- Before a text format is parsed, `oversized_question` looks at the raw text question by question (GIFT and
  Aiken: runs of non-blank lines, an Aiken question also ending at its ANSWER line; Moodle XML: from one
  `<question` to the next) and refuses the file if one is longer than any valid question could be, so a parser
  never sees more than `MAX_QUESTION_RAW_CHARS` at a time. Spreadsheets get the same from their reader, which
  refuses a cell over 32,767 characters before any row becomes a question.
"""

import re

from app.banks.answers import MAX_OPTIONS
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue

MAX_STEM_CHARS = 20_000
MAX_OPTION_CHARS = 2_000
MAX_ANSWER_CHARS = 20_000  # a short answer's reference answer; a fill-in's accepted answers, all together
MAX_EXPLANATION_CHARS = 20_000
MAX_SOURCE_CHARS = 500  # QuestionVersion.source
MAX_TOPICS_CHARS = 500  # all topics of a question, as the editor's field takes them
# The longest a valid question can be as written in a file: every field at its limit, and room for the markup
# around them (GIFT's escapes double a special character; XML's entities and HTML take more).
MAX_QUESTION_CHARS = (MAX_STEM_CHARS + MAX_OPTIONS * MAX_OPTION_CHARS + MAX_ANSWER_CHARS + MAX_EXPLANATION_CHARS
                      + MAX_SOURCE_CHARS + MAX_TOPICS_CHARS)
MAX_QUESTION_RAW_CHARS = 4 * MAX_QUESTION_CHARS

_AIKEN_ANSWER = re.compile(r"[ \t\u3000]*ANSWER[ \t\u3000]*[:：]")
_XML_QUESTION = re.compile(r"<question\b")


def _text_blocks(text: str, *, ends_at_answer: bool):
    """(first line, characters) of each run of non-blank lines; with `ends_at_answer`, an Aiken ANSWER line
    ends a run too."""
    start, size = 0, 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not size:
                start = number
            size += len(line) + 1
            if ends_at_answer and _AIKEN_ANSWER.match(line):
                yield start, size
                size = 0
        elif size:
            yield start, size
            size = 0
    if size:
        yield start, size


def _xml_blocks(text: str):
    """(line, characters) from each `<question` to the next one (or the end of the file)."""
    starts = [match.start() for match in _XML_QUESTION.finditer(text)] + [len(text)]
    for begin, end in zip(starts, starts[1:], strict=False):
        yield text.count("\n", 0, begin) + 1, end - begin


def oversized_question(text: str, format: str) -> Issue | None:
    """The first question of a GIFT, Aiken or Moodle XML text longer than any valid question, or None."""
    aiken = format == "aiken"
    blocks = _xml_blocks(text) if format == "moodle_xml" else _text_blocks(text, ends_at_answer=aiken)
    for line, size in blocks:
        if size > MAX_QUESTION_RAW_CHARS:
            return Issue(_l(
                "The question starting on line %(line)d is %(size)s characters long; no question can be longer "
                "than %(max)s (question text %(stem)s, each option %(option)s, answer and explanation %(answer)s "
                "each). Nothing was read. If two questions ran together, put a blank line between them.",
                line=line, size=f"{size:,}", max=f"{MAX_QUESTION_RAW_CHARS:,}", stem=f"{MAX_STEM_CHARS:,}",
                option=f"{MAX_OPTION_CHARS:,}", answer=f"{MAX_ANSWER_CHARS:,}"))
    return None
