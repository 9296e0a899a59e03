"""Property tests: whatever arrives, parse_table returns drafts and/or our Issues, never another exception,
and every issue renders as text."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.banks.answers import (
    AnswerError,
    count_blanks,
    parse_blanks,
    parse_difficulty,
    parse_image,
    parse_letters,
    parse_points,
    parse_topics,
    parse_truth,
)
from app.banks.checks import check_draft
from app.banks.drafts import Draft
from app.banks.formats.table import parse_table
from app.banks.registry import parse_type
from app.core.spreadsheets import Issue

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值", "难度", "知识点", "解析", "出处", "图片"]


def _outcome(data: bytes, filename: str = "bank.csv"):
    drafts, issues = parse_table(data, filename)
    assert all(isinstance(draft, Draft) for draft in drafts)
    assert all(isinstance(issue, Issue) and str(issue) for issue in issues)
    assert all(check_draft(draft) == [] for draft in drafts)  # what is returned is consistent
    rows = [draft.row for draft in drafts]
    assert rows == sorted(set(rows))
    return drafts, issues


@SETTINGS
@given(st.binary(max_size=4096))
def test_any_bytes_give_drafts_or_issues(data):
    _outcome(data)


@SETTINGS
@given(st.binary(max_size=2048))
def test_any_bytes_named_xlsx_give_drafts_or_issues(data):
    _outcome(b"PK\x03\x04" + data, "bank.xlsx")


@SETTINGS
@given(st.binary(max_size=2048))
def test_any_bytes_below_our_header_give_drafts_or_issues(data):
    _outcome(",".join(HEADER).encode() + b"\r\n" + data)


# Cells drawn from the words the format uses, mixed with arbitrary text.
WORDS = ["单选", "多选", "判断", "填空", "简答", "single", "题", "A", "B", "AB", "A、C", "ＡＢ", "对", "×", "true", "1", "0",
         "-1", "2.5", "NaN", "inf", "易", "难", "6", "____", "（ ）", "()", ";", "；", "|", "、", ",", "=1+1", "喆", "𠮷",
         "a.png", "../x.png", "\r\n", "\n", '"', " "]
cells = st.one_of(
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), max_size=4).map("".join),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)


def _csv_text(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


@SETTINGS
@given(
    st.lists(st.lists(cells, min_size=0, max_size=len(HEADER) + 2), min_size=0, max_size=8),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_any_text_under_our_header_gives_drafts_or_issues_with_rows(rows, encoding):
    try:
        data = _csv_text(rows).encode(encoding)
    except UnicodeEncodeError:
        return
    drafts, issues = _outcome(data)
    if issues and issues[0].row is None:  # only when every row below the header is blank
        assert issues == [Issue(issues[0].message)] and not drafts
        assert str(issues[0]) == "The file has a header row but no questions below it."
    else:
        assert all(issue.row is not None for issue in issues)  # every problem names its row
        assert all(issue.column for issue in issues if "\x00" not in data.decode(encoding))  # and its column
    assert {draft.row for draft in drafts}.isdisjoint({issue.row for issue in issues})


@SETTINGS
@given(st.lists(st.sampled_from(["题型", "type", "题干", "答案", "选项A", "选项I", "备注", "", " ANSWER ", "\ufeff题型"]),
                max_size=8))
def test_any_header_gives_drafts_or_issues(header):
    _outcome((",".join(header) + "\r\n单选,?,A,B,A\r\n").encode())


PARSERS = [parse_type, parse_letters, parse_truth, parse_blanks, parse_points, parse_difficulty, parse_topics,
           parse_image, count_blanks]


@SETTINGS
@given(st.sampled_from(PARSERS), st.one_of(cells, st.text(max_size=64)))
def test_answer_parsers_return_a_value_or_raise_answer_error(parser, text):
    try:
        parser(text)
    except AnswerError as error:
        assert str(error.message)
