"""Question banks in CSV or XLSX (docs/question-banks.md): one row per question,
the first row the header, in Chinese or English.

`parse_table(data, filename)` reads the file with the shared spreadsheet reader and returns the valid
drafts and every problem found, each naming the row (as the spreadsheet numbers it) and the column
(as its header is written in the file). Any problem means the file must not be imported: drafts are
returned only for rows without problems, so a preview can still count them.

Decisions:
- Columns with other headers (序号, 备注 …) are ignored, as in the roster import; `match_header` lists
  them for a preview. Headers that look like options beyond H (选项I, option_j) are errors, since an
  option would otherwise be dropped silently.
- Headers match ignoring case, width, spaces, `_` and `-`: "Option A", "option_a" and "选项 A" are one column.
  A few headers common in other templates are accepted too (分数 for 分值, 难易度 for 难度, 考点 for 知识点 …),
  so an optional column is not dropped for a synonym.
- Empty options at the end are ignored; an empty option before a filled one is an error (options keep
  their letters, so the answer key cannot shift).
- Cell text is kept as written (trimmed): `=1+1` is text, never a formula.
- The optional 编号 (ID) column is the question's stable ID: a re-import naming it updates that question
  (app.banks.importing); IDs are case-sensitive, full-width forms are folded.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from app.banks import registry
from app.banks.answers import (
    LETTERS,
    AnswerError,
    parse_difficulty,
    parse_id,
    parse_image,
    parse_points,
    parse_topics,
)
from app.banks.checks import check_draft, option_field
from app.banks.drafts import Draft
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue, Row, SpreadsheetError, Table, read_table
from app.core.spreadsheets.formulas import unneutralise

BANK_MAX_ROWS = 10_000


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    english: str
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers common in Chinese bank templates


COLUMNS = (
    Column("id", "编号", "ID", aliases=("试题编号", "题目编号", "question id", "idnumber")),
    Column("type", "题型", "type", required=True, aliases=("题目类型", "question type")),
    Column("stem", "题干", "stem", required=True, aliases=("题目", "question")),
    *(Column(f"option_{letter.lower()}", f"选项{letter}", f"option_{letter.lower()}") for letter in LETTERS),
    Column("answer", "答案", "answer", required=True, aliases=("正确答案", "correct answer")),
    Column("points", "分值", "points", aliases=("分数", "score")),
    Column("difficulty", "难度", "difficulty", aliases=("难易度", "难易程度")),
    Column("topic", "知识点", "topic", aliases=("考点", "topics", "tags")),
    Column("explanation", "解析", "explanation", aliases=("答案解析",)),
    Column("source", "出处", "source", aliases=("来源", "依据")),
    Column("image", "图片", "image", aliases=("picture",)),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
OPTION_KEYS = tuple(option_field(index) for index in range(len(LETTERS)))


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "").casefold()
    return re.sub(r"[\s_\-]+", "", text)


_HEADERS = {
    _header_key(name): column.key for column in COLUMNS for name in (column.chinese, column.english, *column.aliases)
}
_OPTION_BEYOND_H = re.compile(r"选项[i-z]|option[i-rt-z]")  # not "options": that is just an unknown header


@dataclass(frozen=True)
class HeaderMap:
    indexes: dict  # column key → cell index in each row
    names: dict  # column key → the header as written in the file (for messages)
    ignored: tuple[str, ...]  # headers that are not question-bank columns

    def column(self, key: str) -> str:
        """The header to name in a message: as written in the file, else the Chinese one."""
        if key == "options":
            key = OPTION_KEYS[0]
        return self.names.get(key) or COLUMNS_BY_KEY[key].chinese


def match_header(header: tuple[str, ...], header_row: int | None = None) -> tuple[HeaderMap, list[Issue]]:
    """Which cell holds which column; missing required columns, repeated columns and options beyond H
    are errors, other unknown headers are ignored."""
    indexes: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored = []
    issues = []
    for index, text in enumerate(header):
        written = text.strip()
        key = _HEADERS.get(_header_key(text))
        if key is None:
            if _OPTION_BEYOND_H.fullmatch(_header_key(text)):
                issues.append(Issue(_l("A question has at most 8 options, 选项A to 选项H (option_a to option_h)."),
                                    row=header_row, column=written))
            elif written:
                ignored.append(written)
            continue
        if key in indexes:
            issues.append(Issue(_l("The column appears twice (also as %(other)s).", other=names[key]),
                                row=header_row, column=written))
            continue
        indexes[key] = index
        names[key] = written
    for column in COLUMNS:
        if column.required and column.key not in indexes:
            issues.append(Issue(_l(
                "The required column %(chinese)s (%(english)s) is missing. The first row must hold the "
                "column headers.", chinese=column.chinese, english=column.english,
            ), row=header_row))
    return HeaderMap(indexes=indexes, names=names, ignored=tuple(ignored)), issues


def parse_table(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    """A CSV or XLSX question bank → (drafts of the rows without problems, every problem found)."""
    try:
        table = read_table(data, filename, max_rows=BANK_MAX_ROWS)
    except SpreadsheetError as error:
        return [], list(error.issues)
    return drafts_from_table(table)


def drafts_from_table(table: Table) -> tuple[list[Draft], list[Issue]]:
    """The drafts and problems of a table already read (e.g. to show its ignored columns too)."""
    header, issues = match_header(table.header, table.header_row)
    if issues:
        return [], issues
    if not table.rows:
        return [], [Issue(_l("The file has a header row but no questions below it."))]
    drafts = []
    for row in table.rows:
        draft, row_issues = _RowReader(header, row, from_csv=table.format == "csv").read()
        issues += row_issues
        if draft is not None and not row_issues:
            drafts.append(draft)
    return drafts, issues


class _RowReader:
    """One row → a draft and its problems; each problem names the row and the column."""

    def __init__(self, header: HeaderMap, row: Row, *, from_csv: bool):
        self.header = header
        self.row = row
        # Our CSV exports prefix formula-like cells with an apostrophe; XLSX marks them with a style.
        self.from_csv = from_csv
        self.issues: list[Issue] = []
        self.positions: dict[str, int] = {}  # column with a problem → its place in the row (reported left to right)

    def cell(self, key: str) -> str:
        index = self.header.indexes.get(key)
        if index is None:
            return ""
        text = self.row.get(index).strip()
        return unneutralise(text) if self.from_csv else text

    def problem(self, key: str, message) -> None:
        column = self.header.column(key)
        if column in self.positions:
            return  # one message per cell: the first problem found
        self.issues.append(Issue(message, row=self.row.number, column=column))
        missing = len(self.header.indexes) + len(self.positions)  # a column not in the file: after the others
        self.positions[column] = self.header.indexes.get("option_a" if key == "options" else key, missing)

    def parse(self, key: str, parser: Callable):
        try:
            return parser(self.cell(key))
        except AnswerError as error:
            self.problem(key, error.message)
            return None

    def read(self) -> tuple[Draft | None, list[Issue]]:
        question_type = self.parse("type", registry.parse_type)
        options = [self.cell(key) for key in OPTION_KEYS]
        while options and not options[-1]:
            options.pop()
        details = {
            "stem": self.cell("stem"),
            "options": options,
            "points": self.parse("points", parse_points),
            "difficulty": self.parse("difficulty", parse_difficulty),
            "topics": self.parse("topic", parse_topics) or [],
            "explanation": self.cell("explanation"),
            "source": self.cell("source"),
            "image": self.parse("image", parse_image),
            "external_id": parse_id(self.cell("id")),
            "row": self.row.number,
        }
        draft = None
        if question_type is not None:
            draft = Draft(type=question_type, **details, **self.answer(question_type))
            for problem in check_draft(draft):
                self.problem(problem.field, problem.message)
        self.issues.sort(key=lambda issue: self.positions[issue.column])
        return draft, self.issues

    def answer(self, question_type: str) -> dict:
        """The answer key in the form the draft keeps for the type (the type reads its own syntax); a cell it
        cannot read leaves the key empty, so the draft checks add nothing to the cell's one message."""
        return self.parse("answer", registry.get(question_type).parse_answer) or {}
