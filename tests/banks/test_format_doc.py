"""docs/question-banks.md says what the importers read; these tests hold its tables to the code, so the page a
trainer follows cannot drift from the parser (app/banks/formats/table.py, app/banks/answers.py)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from app.banks.answers import LETTERS, parse_difficulty
from app.banks.drafts import QuestionType
from app.banks.formats.table import COLUMNS, match_header, parse_table
from app.banks.keys import DEFAULT_DIFFICULTY, default_points
from app.banks.registry import parse_type

DOC = (Path(__file__).resolve().parents[2] / "docs" / "question-banks.md").read_text(encoding="utf-8")


def _header_rows() -> list[list[str]]:
    """The rows of the header table: [中文, English, Also, Content] cells."""
    table = DOC.split("| 中文 | English | Also | Content |", 1)[1].split("\n\n", 1)[0]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table.splitlines()[2:]]


def _names(row: list[str]) -> list[str]:
    chinese, english, also = row[0], row[1], row[2]
    if "…" in chinese:  # 选项A … 选项H
        return [f"选项{letter}" for letter in LETTERS] + [f"option_{letter.lower()}" for letter in LETTERS]
    return [chinese, english, *(name.strip() for name in also.split(",") if name.strip())]


def test_every_column_the_importer_knows_is_documented_under_its_names():
    documented = {name for row in _header_rows() for name in _names(row)}
    for column in COLUMNS:
        assert {column.chinese, column.english, *column.aliases} <= documented, column.key


@pytest.mark.parametrize("row", _header_rows(), ids=lambda row: row[0])
def test_every_documented_name_of_a_column_is_read_as_that_column(row):
    keys = set()
    for name in _names(row):
        header_map, _issues = match_header((name,))
        assert not header_map.ignored, name
        keys |= set(header_map.indexes)
    expected = {f"option_{letter.lower()}" for letter in LETTERS} if "…" in row[0] else keys
    assert keys == expected and (len(keys) == 1 or "…" in row[0])


def test_the_documented_defaults_are_the_codes():
    points = re.search(r"Empty: 单选 (\S+), 多选 (\S+), 判断 (\S+), 填空 (\S+), 简答 (\S+)\.", DOC).groups()
    assert [Decimal(p) for p in points] == [default_points(t) for t in (
        QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.FILL_BLANK,
        QuestionType.SHORT_ANSWER)]
    assert f"Empty: {DEFAULT_DIFFICULTY}." in DOC
    for word, level in (("易", 1), ("较易", 2), ("中", 3), ("中等", 3), ("较难", 4), ("难", 5)):
        assert parse_difficulty(word) == level
    for word in ("单选题", "单项选择", "多项选择", "是非", "问答", "single choice", "true/false", "fill in the blank"):
        parse_type(word)


def test_the_documented_examples_import_as_the_page_says():
    """A bank written with the page's examples: headers in English with a synonym, every type, the answer forms
    and the fill-in example, read without a problem."""
    csv = (
        "ID,Type,Question,Option A,Option B,Option C,Option D,correct answer,分数,难易度,考点\r\n"
        "x-1,单选题,一题？,甲,乙,丙,丁,B,,较难,a；b\r\n"
        "x-2,multiple,二题？,甲,乙,丙,丁,\"A,B,D\",1.5,,\r\n"
        "x-3,多选,三题？,甲,乙,丙,丁,a b d,,,\r\n"
        "x-4,判断,四题。,,,,,√,,,\r\n"
        "x-5,填空,青年文明号倡导“____、____、____、____”的共同理念。,,,,,敬业;协作;创优;奉献,,,\r\n"
        "x-6,填空,约（ ）成。,,,,,80|八成|百分之八十,,,\r\n"
        "x-7,简答,七题？,,,,,,,,\r\n"
    ).encode()
    drafts, issues = parse_table(csv, "bank.csv")
    assert not issues
    by_id = {draft.external_id: draft for draft in drafts}
    assert by_id["x-1"].correct == {1} and by_id["x-1"].difficulty == 4 and by_id["x-1"].topics == ["a", "b"]
    assert by_id["x-2"].correct == by_id["x-3"].correct == {0, 1, 3} and by_id["x-2"].points == Decimal("1.5")
    assert by_id["x-4"].truth is True
    assert by_id["x-5"].blanks == [["敬业"], ["协作"], ["创优"], ["奉献"]]
    assert by_id["x-6"].blanks == [["80", "八成", "百分之八十"]]
    assert by_id["x-7"].reference == ""
