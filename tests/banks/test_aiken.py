"""Aiken import: single-choice questions, Chinese input forms, and every malformed question
reported with its number and line."""

import pytest

from app.banks.drafts import QuestionType
from app.banks.formats.aiken import parse_aiken

SAMPLE = """收费站入口称重检测的主要目的是什么？
A. 计算通行费
B. 治理超限超载
C. 统计车流量
ANSWER: B

ETC车道的通行车辆应当：
（多行题干的第二行）
A) 停车取卡
B) 减速通过
ANSWER: B
下列哪项不属于绿色通道的运输品种？
Ａ．新鲜蔬菜
B）鲜活水产品
C、 冷冻肉类
ANSWER：c
"""


def parse(text: str):
    return parse_aiken(text.encode("utf-8"))


def messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


def test_a_representative_file_gives_single_choice_drafts():
    drafts, issues = parse(SAMPLE)
    assert issues == []
    assert [draft.type for draft in drafts] == [QuestionType.SINGLE] * 3
    assert [draft.row for draft in drafts] == [1, 2, 3]
    first, second, third = drafts
    assert first.stem == "收费站入口称重检测的主要目的是什么？"
    assert first.options == ["计算通行费", "治理超限超载", "统计车流量"]
    assert first.correct == {1}
    assert second.stem == "ETC车道的通行车辆应当：\n（多行题干的第二行）"
    assert (second.options, second.correct) == (["停车取卡", "减速通过"], {1})
    assert (third.options, third.correct) == (["新鲜蔬菜", "鲜活水产品", "冷冻肉类"], {2})


def test_a_blank_line_between_the_question_and_its_options_is_allowed():
    drafts, issues = parse("题干\n\nA. 甲\n\nB. 乙\nANSWER: A\n")
    assert issues == []
    assert drafts[0].options == ["甲", "乙"]


def test_a_stem_line_that_looks_like_a_later_option_stays_in_the_stem():
    drafts, issues = parse("C. Ronaldo 是哪国球员？\nA. 葡萄牙\nB. 巴西\nANSWER: A")
    assert issues == []
    assert drafts[0].stem == "C. Ronaldo 是哪国球员？"


def test_crlf_gb18030_and_bom_files_are_read():
    text = SAMPLE.replace("\n", "\r\n")
    for data in (text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        drafts, issues = parse_aiken(data)
        assert issues == []
        assert len(drafts) == 3


@pytest.mark.parametrize("text, message", [
    ("题干\nA. 甲\nB. 乙\nANSWER: E", "Question 1, line 4 (题干): the answer E is not one of the options."),
    ("题干\nA. 甲\nB. 乙\nANSWER: A, B",
     "Question 1, line 4 (题干): the ANSWER: line must give one option letter (Aiken questions have exactly "
     "one right answer)."),
    ("题干\nA. 甲\nB. 乙\nANSWER:",
     "Question 1, line 4 (题干): the ANSWER: line must give one option letter (Aiken questions have exactly "
     "one right answer)."),
    ("题干\nA. 甲\nC. 乙\nANSWER: A", "Question 1, line 3 (题干): option C comes where option B was expected."),
    ("题干\nA. 甲\n乙\nANSWER: A",
     "Question 1, line 3 (题干): expected the next option (B. …) or the ANSWER: line."),
    ("题干\nANSWER: A",
     "Question 1, line 2 (题干): the question has no options (A. …, B. …) before its ANSWER: line."),
    ("题干\nA. 甲\nB. 乙", "Question 1, line 1 (题干): the question has no ANSWER: line."),
    ("A. 甲\nB. 乙\nANSWER: A", "Question 1, line 1: the options start before any question text."),
    ("ANSWER: A", "Line 1: an ANSWER: line with no question before it."),
])
def test_malformed_questions_are_reported_with_number_and_line(text, message):
    drafts, issues = parse(text)
    assert drafts == []
    assert messages(issues) == [message]


def test_reading_resumes_after_a_malformed_question():
    text = "第一题\nA. 甲\nC. 乙\nD. 丙\nANSWER: A\n第二题\nA. 甲\nB. 乙\nANSWER: B\n"
    drafts, issues = parse(text)
    assert [(draft.row, draft.stem) for draft in drafts] == [(2, "第二题")]
    assert messages(issues) == ["Question 1, line 3 (第一题): option C comes where option B was expected."]


def test_text_without_options_before_a_blank_line_is_reported_and_the_next_question_read():
    drafts, issues = parse("孤立的一段文字\n\n第二题\nA. 甲\nB. 乙\nANSWER: A\n")
    assert [(draft.row, draft.stem) for draft in drafts] == [(2, "第二题")]
    assert messages(issues) == [
        "Question 1, line 1 (孤立的一段文字): the question has no options (A. …, B. …) and no ANSWER: line."
    ]


def test_problems_found_by_the_shared_checks_name_the_question_and_line():
    drafts, issues = parse("第一题\nA. 甲\nB. 乙\nANSWER: A\n\n重复选项\nA. 甲\nB. 甲\nANSWER: A\n")
    assert [draft.row for draft in drafts] == [1]
    assert len(issues) == 1
    assert str(issues[0]).startswith("Question 2, line 6 (重复选项): ")


def test_undecodable_bytes_are_reported_with_their_line():
    _drafts, issues = parse_aiken("题干\nA. 甲\n".encode() + b"B. \x81\x20\n")
    assert messages(issues) == [
        "The file is not UTF-8 or GB18030 text: line 3 holds bytes that cannot be read. "
        "Save the file again as UTF-8 text and upload it."
    ]


def test_more_questions_than_the_limit_are_refused():
    text = "\n".join(f"第{number}题\nA. 甲\nB. 乙\nANSWER: A" for number in range(1, 5))
    drafts, issues = parse_aiken(text.encode(), max_questions=2)
    assert len(drafts) == 2
    assert messages(issues) == ["The file has more than 2 questions. Split it into smaller files."]


def test_an_empty_file_gives_nothing():
    assert parse_aiken(b"\n \n") == ([], [])
