"""GIFT import: every supported question type, escapes, comments and categories, and every
unsupported or malformed question reported by its number and title."""

from decimal import Decimal

import pytest

from app.banks.drafts import QuestionType
from app.banks.formats.gift import parse_gift

SAMPLE = r"""// question: 101  name: 收费站职责
// [tag:收费业务] [tag:基础]
::收费站职责::收费站的主要职责是什么？{
    =收取车辆通行费#正确
    ~维修道路#不对，这是养护部门的工作
    ~%-50%发放罚单
    ####依据《收费公路管理条例》。
}

$CATEGORY: $course$/top/特情处理

::特情::[markdown]下列哪些属于**特情**？{
    ~%50%车辆冲卡
    ~%50%车辆故障滞留
    ~%-100%正常缴费通行
}

::限速::高速公路小型客车最高车速不得超过120公里/小时。{T}

::首都::中国的首都是{=北京 =Beijing}。

::ETC::简述ETC不停车收费的工作原理。{####车载单元与路侧单元通过微波通信完成扣费。}
"""


def parse(text: str):
    return parse_gift(text.encode("utf-8"))


def messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


def only(text: str):
    drafts, issues = parse(text)
    assert messages(issues) == []
    assert len(drafts) == 1
    return drafts[0]


def test_a_representative_file_gives_one_draft_per_question_in_order():
    drafts, issues = parse(SAMPLE)
    assert issues == []
    assert [draft.type for draft in drafts] == [
        QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.FILL_BLANK,
        QuestionType.SHORT_ANSWER,
    ]
    assert [draft.row for draft in drafts] == [1, 2, 3, 4, 5]
    assert [draft.title for draft in drafts] == ["收费站职责", "特情", "限速", "首都", "ETC"]


def test_single_choice_keeps_options_in_order_and_general_feedback_as_explanation():
    single = parse(SAMPLE)[0][0]
    assert single.stem == "收费站的主要职责是什么？"
    assert single.options == ["收取车辆通行费", "维修道路", "发放罚单"]  # per-answer feedback left out
    assert single.correct == {0}
    assert single.weights == {}
    assert single.explanation == "依据《收费公路管理条例》。"
    assert single.topics == ["收费业务", "基础"]


def test_percentage_weights_on_two_options_make_a_multiple_choice_with_weights():
    multiple = parse(SAMPLE)[0][1]
    assert multiple.stem == "下列哪些属于**特情**？"  # [markdown] dropped, Markdown kept
    assert multiple.options == ["车辆冲卡", "车辆故障滞留", "正常缴费通行"]
    assert multiple.correct == {0, 1}
    assert multiple.weights == {0: Decimal(50), 1: Decimal(50)}  # the negative one is simply wrong


def test_fractional_weights_are_kept_exactly():
    draft = only("三选二{~%33.33333%甲 ~%66.66667%乙 ~%-100%丙}")
    assert draft.weights == {0: Decimal("33.33333"), 1: Decimal("66.66667")}


def test_a_single_positive_weight_of_100_is_a_single_choice():
    draft = only("题干{~%100%对 ~错 ~也错}")
    assert (draft.type, draft.correct) == (QuestionType.SINGLE, {0})


@pytest.mark.parametrize("block, truth", [
    ("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False), ("{true}", True),
    ("{F#错误时的反馈#正确时的反馈}", False), ("{T####一般反馈}", True),
])
def test_true_false_forms(block, truth):
    draft = only("收费站可以拒收现金。" + block)
    assert (draft.type, draft.truth, draft.options) == (QuestionType.TRUE_FALSE, truth, [])
    assert draft.stem == "收费站可以拒收现金。"


def test_short_answer_becomes_a_fill_blank_with_a_blank_at_the_end():
    draft = only("::首都::中国的首都是哪座城市？{=北京 =Beijing =北京}")
    assert draft.type is QuestionType.FILL_BLANK
    assert draft.stem == "中国的首都是哪座城市？ ____"
    assert draft.blanks == [["北京", "Beijing"]]


def test_an_answer_block_inside_the_text_becomes_the_blank_where_it_stood():
    draft = parse(SAMPLE)[0][3]
    assert draft.stem == "中国的首都是____。"
    assert draft.blanks == [["北京", "Beijing"]]


def test_a_blank_already_in_the_text_is_not_doubled():
    draft = only("ETC的全称是____。{=电子不停车收费}")
    assert draft.stem == "ETC的全称是____。"


def test_missing_word_with_choices_is_a_single_choice_with_the_blank_in_the_text():
    draft = only("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert draft.type is QuestionType.SINGLE
    assert draft.stem == "Grant is ____ in Grant's tomb."
    assert (draft.options, draft.correct) == (["buried", "entombed", "living"], {1})


def test_wrong_short_answers_listed_for_feedback_are_left_out():
    draft = only("限速是多少？{=%100%120#对 =%0%100#不对}")
    assert draft.blanks == [["120"]]


def test_essay_becomes_a_short_answer_with_the_general_feedback_as_reference():
    draft = parse(SAMPLE)[0][4]
    assert draft.type is QuestionType.SHORT_ANSWER
    assert draft.stem == "简述ETC不停车收费的工作原理。"
    assert draft.reference == "车载单元与路侧单元通过微波通信完成扣费。"


def test_an_essay_without_a_model_answer_is_a_short_answer_without_a_reference():
    draft = only("::论述::谈谈文明服务。{}")
    assert (draft.type, draft.stem, draft.reference, draft.title) == (QuestionType.SHORT_ANSWER, "谈谈文明服务。", "", "论述")


def test_escaped_special_characters_are_plain_text():
    draft = only(r"::a\:b::集合 \{1, 2\} 中 1 \= 1 \~ 约 \# 号 a\:b {=x\=y\{z\} \#1 ~other}")
    assert draft.title == "a:b"
    assert draft.stem == "集合 {1, 2} 中 1 = 1 ~ 约 # 号 a:b"
    assert draft.options == ["x=y{z} #1", "other"]


def test_backslash_n_is_a_line_break_and_a_double_backslash_a_backslash():
    draft = only(r"第一行\n第二行 C:\\temp\\new {T}")
    assert draft.stem == "第一行\n第二行 C:\\temp\\new"


def test_html_format_tag_is_dropped_and_the_html_kept_for_later_sanitising():
    draft = only("::h::[html]<p>收费<b>标准</b></p>{=[html]<i>甲</i> ~乙}")
    assert draft.stem == "<p>收费<b>标准</b></p>"
    assert draft.options == ["<i>甲</i>", "乙"]


def test_comments_and_categories_are_skipped_and_not_numbered():
    text = "// 只有注释的块\n// 第二行注释\n\n$CATEGORY: 收费/基础\n\n// 注释\n题一{T}\n\n$CATEGORY: 其他\n题二{F}\n"
    drafts, issues = parse(text)
    assert issues == []
    assert [(draft.stem, draft.row) for draft in drafts] == [("题一", 1), ("题二", 2)]


def test_a_comment_inside_the_answer_block_is_skipped():
    draft = only("题干{\n=甲\n// 注释: 乙 暂不启用\n~丙\n}")
    assert draft.options == ["甲", "丙"]


def test_questions_are_separated_by_blank_lines_with_any_line_ending():
    drafts, issues = parse("题一{T}\r\n \t\u3000\r\n题二{F}\r\r题三\r{=甲 ~乙}\n")
    assert issues == []
    assert [(draft.row, draft.stem) for draft in drafts] == [(1, "题一"), (2, "题二"), (3, "题三")]


@pytest.mark.parametrize("block, type_name", [
    ("{#120:5}", "numerical"),
    ("{=中国 -> 北京 =日本 -> 东京 =法国 -> 巴黎}", "matching"),
])
def test_unsupported_types_are_reported_by_number_and_title(block, type_name):
    drafts, issues = parse(f"第一题{{T}}\n\n::不支持::题干{block}\n\n第三题{{F}}")
    assert [draft.row for draft in drafts] == [1, 3]
    assert messages(issues) == [
        f"Question 2 (不支持): {type_name} questions are not supported, so it cannot be imported."
    ]


def test_a_question_without_title_is_named_by_its_first_words():
    _drafts, issues = parse("收费站 入口   称重检测的数值一般精确到多少公斤，才能算作合格的检测结果呢？{#10}")
    assert messages(issues) == [
        "Question 1 (收费站 入口 称重检测的数值一般精确到多少公斤，才能算作合格…): numerical questions are not supported, "
        "so it cannot be imported."
    ]


@pytest.mark.parametrize("text, message", [
    ("::说明::这只是一段说明文字。", "no answer block in braces { } was found."),
    ("::缺括号::题干{=甲 ~乙", "the braces { } around the answers do not match."),
    ("::反括号::题干}=甲 ~乙{", "the braces { } around the answers do not match."),
    ("::嵌套::题干{=甲 {~乙}", "the braces { } around the answers do not match."),
    ("::两空::{=甲}和{=乙}", "a question can have only one answer block { }."),
    ("::两个等号::题干{=甲 =乙 ~丙}", "more than one answer is marked right"),
    ("::部分分::题干{=甲 ~%50%乙 ~丙}", "an answer gives partial credit"),
    ("::只有部分分::题干{~%50%甲 ~乙}", "an answer gives partial credit"),
    ("::无正确::题干{~甲 ~乙}", "no answer is marked right."),
    ("::填空部分分::题干{=甲 =%50%乙}", 'the answer "乙" gives partial credit (50%)'),
    ("::通配::题干{=收费*}", 'the answer "收费*" uses the * wildcard'),
    ("::空答案::题干{=%0%甲}", "no accepted answer is given."),
])
def test_malformed_questions_are_reported_by_number_and_title(text, message):
    drafts, issues = parse("第一题{T}\n\n" + text)
    assert [draft.row for draft in drafts] == [1]
    assert len(issues) == 1
    title = text[2:text.index("::", 2)]
    assert str(issues[0]).startswith(f"Question 2 ({title}): {message}")


def test_an_unclosed_title_is_reported():
    _drafts, issues = parse("::标题没有结束 题干{T}")
    assert messages(issues) == ["Question 1 (标题没有结束 题干{T}): the title is not closed with ::."]


def test_an_escaped_wildcard_is_a_literal_star():
    assert only(r"题干{=5\*3}").blanks == [["5*3"]]


def test_problems_found_by_the_shared_checks_name_the_question():
    drafts, issues = parse("::一个选项::题干{=甲}\n\n::重复::题干{=甲 ~甲}")
    assert drafts[0].type is QuestionType.FILL_BLANK  # {=甲} alone is a short answer in GIFT
    assert [str(issue).split(":")[0] for issue in issues] == ["Question 2 (重复)"]


def test_gb18030_and_bom_marked_utf8_files_are_decoded():
    text = "::喆::𠮷野家的“喆”字是生僻字。{T}"
    for data in (text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        drafts, issues = parse_gift(data)
        assert issues == []
        assert (drafts[0].title, drafts[0].stem) == ("喆", "𠮷野家的“喆”字是生僻字。")


def test_undecodable_bytes_are_reported_with_their_line():
    data = "题一{T}\n\n题二{F}\n".encode() + b"\xff\xfe\xfd bad {T}\n"
    drafts, issues = parse_gift(data)
    assert drafts == []
    assert messages(issues) == [
        "The file is not UTF-8 or GB18030 text: line 4 holds bytes that cannot be read. "
        "Save the file again as UTF-8 text and upload it."
    ]


def test_nul_bytes_mean_it_is_not_a_text_file():
    _drafts, issues = parse_gift(b"\xe9\xa2\x98{T}\n\nx\x00y{F}")
    assert messages(issues) == ["The file contains NUL characters (line 3), so it is not a text file."]


def test_an_empty_file_gives_nothing():
    assert parse_gift(b"") == ([], [])


def test_a_file_exported_by_moodle_is_read():
    exported = (
        "// question: 0  name: Switch category to $course$/top/默认\n"
        "$CATEGORY: $course$/top/默认\n\n\n"
        "// question: 12  name: 首都\n"
        "::首都::[html]<p>中国的首都是？</p>{\n"
        "\t=%100%北京#\n"
        "\t=%100%Beijing#\n"
        "}\n\n\n"
        "// question: 13  name: 多选\n"
        "::多选::[html]<p>选两个</p>{\n"
        "\t~%50%甲\n"
        "\t~%50%乙\n"
        "\t~%-100%丙\n"
        "\t####[html]<p>解析</p>\n"
        "}\n"
    )
    drafts, issues = parse(exported)
    assert issues == []
    assert [(draft.row, draft.title, draft.type) for draft in drafts] == [
        (1, "首都", QuestionType.FILL_BLANK), (2, "多选", QuestionType.MULTIPLE),
    ]
    assert drafts[0].stem == "<p>中国的首都是？</p> ____"
    assert drafts[0].blanks == [["北京", "Beijing"]]
    assert drafts[1].explanation == "<p>解析</p>"


def test_more_questions_than_the_limit_are_refused():
    text = "\n\n".join(f"题{number}{{T}}" for number in range(1, 5))
    drafts, issues = parse_gift(text.encode(), max_questions=3)
    assert len(drafts) == 3
    assert messages(issues) == ["The file has more than 3 questions. Split it into smaller files."]


def test_noncharacters_in_the_text_cannot_pose_as_escapes():
    draft = only("题\ufdd0干\ufdd2{T}")
    assert draft.stem == "题\ufffd干\ufffd"
