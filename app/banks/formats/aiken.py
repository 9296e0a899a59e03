"""The Aiken format → single-choice drafts (Aiken has nothing else):

    收费站入口称重检测的目的是什么？
    A. 计算通行费
    B) 治理超限超载
    ANSWER: B

The question text (one or more lines) comes first, then options `A.` or `A)` in letter order, then
`ANSWER: <letter>`. Blank lines between questions are optional. Full-width forms (`Ａ．`, `A）`, `A、`,
`ANSWER：`) are accepted too, as Chinese input methods type them. A malformed question is reported with
its number and line; reading resumes after its ANSWER line, or at the next blank line.
"""

import re
import string

from app.banks.drafts import Draft, QuestionType
from app.banks.formats.text import TextFormatError, check, decode_text, label, too_many_questions
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import limits
from app.core.spreadsheets.table import Issue

_OPTION = re.compile(r"([A-ZＡ-Ｚ])(?:[.)][ \t\u3000]+|[．）、][ \t\u3000]*)(.*)")
_ANSWER = re.compile(r"ANSWER[ \t\u3000]*[:：][ \t\u3000]*(.*)")
_LETTERS = string.ascii_uppercase


def parse_aiken(data: bytes, *, max_questions: int = limits.MAX_ROWS) -> tuple[list[Draft], list[Issue]]:
    """(single-choice drafts of the questions without problems, every problem found); a draft's row is
    the question's number in the file. The shared checks (app.banks.checks) are applied."""
    try:
        text = decode_text(data)
    except TextFormatError as error:
        return [], [error.issue]
    reader = _Reader(max_questions)
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not reader.read(line.strip(), line_number):
            break
    else:
        reader.end()
    return reader.drafts, reader.issues


class _Reader:
    def __init__(self, max_questions: int):
        self.max_questions = max_questions
        self.drafts: list[Draft] = []
        self.issues: list[Issue] = []
        self.number = 0
        self.skipping = False  # after a malformed question: until its ANSWER line or a blank line
        self._reset()

    def _reset(self) -> None:
        self.start = 0  # line of the current question's first line; 0 between questions
        self.stem: list[str] = []
        self.options: list[str] = []
        self.blank_after_stem = False

    def _place(self, line: int) -> dict:
        return {"number": self.number, "line": line, "title": label("", " ".join(self.stem))}

    def _fail(self, issue: Issue, line: str) -> None:
        self.issues.append(issue)
        self.skipping = bool(line) and not _ANSWER.fullmatch(line)
        self._reset()

    def read(self, line: str, number: int) -> bool:
        """Takes one stripped line; False once reading must stop (limits)."""
        if self.skipping:
            self.skipping = bool(line) and not _ANSWER.fullmatch(line)
        elif not self.start:
            self._begin(line, number)
        else:
            self._continue(line, number)
        if self.number > self.max_questions:
            self.issues.append(too_many_questions(self.max_questions))
            return False
        return len(self.issues) < limits.MAX_ISSUES

    def _begin(self, line: str, number: int) -> None:
        if not line:
            return
        if _ANSWER.fullmatch(line):
            self.issues.append(Issue(_l("Line %(line)d: an ANSWER: line with no question before it.", line=number)))
            return
        self.number += 1
        self.start = number
        self.stem = [line]
        option = _OPTION.fullmatch(line)
        if option and _letter(option.group(1)) == "A":
            self._fail(Issue(_l("Question %(number)s, line %(line)d: the options start before any question text.",
                                number=self.number, line=number)), line)

    def _continue(self, line: str, number: int) -> None:
        answer = _ANSWER.fullmatch(line)
        if answer:
            self._finish(answer.group(1).strip().upper(), number, line)
            return
        if not line:
            self.blank_after_stem = self.blank_after_stem or not self.options
            return
        option = _OPTION.fullmatch(line)
        expected = _LETTERS[len(self.options)] if len(self.options) < len(_LETTERS) else "?"
        if option and _letter(option.group(1)) == expected:
            self.options.append(option.group(2).strip())
        elif self.options:
            if option:
                self._fail(Issue(_l(
                    "Question %(number)s, line %(line)d (%(title)s): option %(found)s comes where option "
                    "%(expected)s was expected.",
                    found=_letter(option.group(1)), expected=expected, **self._place(number),
                )), line)
            else:
                self._fail(Issue(_l(
                    "Question %(number)s, line %(line)d (%(title)s): expected the next option (%(expected)s. …) "
                    "or the ANSWER: line.",
                    expected=expected, **self._place(number),
                )), line)
        elif self.blank_after_stem:
            # The text before the blank line never got options: report it, and start anew with this line.
            self.issues.append(Issue(_l(
                "Question %(number)s, line %(line)d (%(title)s): the question has no options (A. …, B. …) "
                "and no ANSWER: line.",
                **self._place(self.start),
            )))
            self._reset()
            self._begin(line, number)
        else:
            self.stem.append(line)

    def _finish(self, letters: str, number: int, line: str) -> None:
        place = self._place(number)
        if not self.options:
            self._fail(Issue(_l(
                "Question %(number)s, line %(line)d (%(title)s): the question has no options (A. …, B. …) "
                "before its ANSWER: line.",
                **place,
            )), line)
            return
        if len(letters) != 1 or not _OPTION.fullmatch(letters + "．"):
            self._fail(Issue(_l(
                "Question %(number)s, line %(line)d (%(title)s): the ANSWER: line must give one option letter "
                "(Aiken questions have exactly one right answer).",
                **place,
            )), line)
            return
        index = _LETTERS.index(_letter(letters))
        if index >= len(self.options):
            self._fail(Issue(_l(
                "Question %(number)s, line %(line)d (%(title)s): the answer %(answer)s is not one of the options.",
                answer=_letter(letters), **place,
            )), line)
            return
        draft = Draft(
            type=QuestionType.SINGLE, stem="\n".join(self.stem), options=self.options, correct={index},
            row=self.number,
        )
        problems = check(draft, line=self.start)
        self.issues.extend(problems)
        if not problems:
            self.drafts.append(draft)
        self._reset()

    def end(self) -> None:
        if self.start:
            self.issues.append(Issue(_l(
                "Question %(number)s, line %(line)d (%(title)s): the question has no ANSWER: line.",
                **self._place(self.start),
            )))


def _letter(char: str) -> str:
    """Ａ → A."""
    return chr(ord(char) - 0xFEE0) if "Ａ" <= char <= "Ｚ" else char
