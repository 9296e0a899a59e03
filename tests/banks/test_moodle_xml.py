"""Moodle XML import: supported types, weights, HTML kept, categories skipped, unsupported types
named, and hostile XML (billion laughs, external entities) refused fast."""

import time
import tracemalloc
from decimal import Decimal

import pytest

from app.banks.drafts import QuestionType
from app.banks.formats.moodle_xml import parse_moodle_xml

SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category><text>$course$/top/收费业务</text></category>
  </question>
  <question type="multichoice">
    <name><text>收费站职责</text></name>
    <questiontext format="html"><text><![CDATA[<p>收费站的<strong>主要</strong>职责是什么？</p>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>依据《收费公路管理条例》。</p>]]></text></generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html">
      <text><![CDATA[<p dir="ltr" style="text-align: left;">收取车辆通行费</p>]]></text>
      <feedback format="html"><text>正确</text></feedback>
    </answer>
    <answer fraction="0" format="html"><text>维修道路</text><feedback format="html"><text></text></feedback></answer>
    <answer fraction="0" format="html"><text><![CDATA[<p>发放<em>罚单</em></p>]]></text></answer>
    <tags><tag><text>收费业务</text></tag><tag><text>基础</text></tag></tags>
  </question>
  <question type="multichoice">
    <name><text>特情</text></name>
    <questiontext format="markdown"><text>下列哪些属于**特情**？</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>车辆冲卡</text></answer>
    <answer fraction="50"><text>车辆故障滞留</text></answer>
    <answer fraction="-100"><text>正常缴费通行</text></answer>
  </question>
  <question type="truefalse">
    <name><text>限速</text></name>
    <questiontext format="moodle_auto_format"><text>小型客车最高车速不得超过120公里/小时。</text></questiontext>
    <answer fraction="100"><text>true</text><feedback><text>对</text></feedback></answer>
    <answer fraction="0"><text>false</text><feedback><text>错</text></feedback></answer>
  </question>
  <question type="shortanswer">
    <name><text>首都</text></name>
    <questiontext format="html"><text>&lt;p&gt;中国的首都是哪座城市？&lt;/p&gt;</text></questiontext>
    <usecase>0</usecase>
    <answer fraction="100"><text>北京</text></answer>
    <answer fraction="100"><text>Beijing</text></answer>
    <answer fraction="0"><text>*</text><feedback><text>再想想</text></feedback></answer>
  </question>
  <question type="essay">
    <name><text>ETC</text></name>
    <questiontext format="html"><text>简述ETC的工作原理。</text></questiontext>
    <graderinfo format="html"><text>车载单元与路侧单元通过微波通信完成扣费。</text></graderinfo>
    <responsetemplate format="html"><text></text></responsetemplate>
  </question>
  <question type="description">
    <name><text>说明</text></name>
    <questiontext format="html"><text>以下为第二部分。</text></questiontext>
  </question>
</quiz>
"""


def messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


def quiz(*questions: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?>\n<quiz>\n" + "\n".join(questions) + "\n</quiz>\n").encode()


def question(kind: str, name: str = "题", body: str = "") -> str:
    return (f'<question type="{kind}"><name><text>{name}</text></name>'
            f"<questiontext format=\"html\"><text>题干</text></questiontext>{body}</question>")


def test_a_representative_file_gives_one_draft_per_question():
    drafts, issues = parse_moodle_xml(SAMPLE.encode())
    assert issues == []
    assert [(draft.row, draft.title, draft.type) for draft in drafts] == [
        (1, "收费站职责", QuestionType.SINGLE),
        (2, "特情", QuestionType.MULTIPLE),
        (3, "限速", QuestionType.TRUE_FALSE),
        (4, "首都", QuestionType.FILL_BLANK),
        (5, "ETC", QuestionType.SHORT_ANSWER),
    ]  # the category is not counted; the description (6) is skipped


def test_multichoice_single_keeps_html_and_reads_grade_feedback_and_tags():
    single = parse_moodle_xml(SAMPLE.encode())[0][0]
    assert single.stem == "<p>收费站的<strong>主要</strong>职责是什么？</p>"
    assert single.options == ["收取车辆通行费", "维修道路", "发放<em>罚单</em>"]  # one-paragraph wrapper removed
    assert single.correct == {0}
    assert single.points == Decimal(2)
    assert single.explanation == "<p>依据《收费公路管理条例》。</p>"
    assert single.topics == ["收费业务", "基础"]


def test_multichoice_with_several_answers_keeps_the_positive_fractions_as_weights():
    multiple = parse_moodle_xml(SAMPLE.encode())[0][1]
    assert multiple.stem == "下列哪些属于**特情**？"
    assert multiple.correct == {0, 1}
    assert multiple.weights == {0: Decimal(50), 1: Decimal(50)}


def test_truefalse_shortanswer_and_essay():
    _single, _multiple, truefalse, shortanswer, essay = parse_moodle_xml(SAMPLE.encode())[0]
    assert truefalse.truth is True
    assert shortanswer.stem == "<p>中国的首都是哪座城市？ ____</p>"  # blank inside the last paragraph
    assert shortanswer.blanks == [["北京", "Beijing"]]  # the 0% catch-all "*" is left out
    assert essay.reference == "车载单元与路侧单元通过微波通信完成扣费。"


def test_shortanswer_with_a_blank_in_its_text_keeps_it():
    body = '<answer fraction="100"><text>120</text></answer>'
    drafts, issues = parse_moodle_xml(quiz(question("shortanswer", body=body).replace("题干", "限速____公里")))
    assert issues == []
    assert drafts[0].stem == "限速____公里"


def test_multichoiceset_is_a_multiple_choice_without_weights():
    body = ('<answer fraction="100"><text>甲</text></answer><answer fraction="100"><text>乙</text></answer>'
            '<answer fraction="0"><text>丙</text></answer>')
    drafts, issues = parse_moodle_xml(quiz(question("multichoiceset", body=body)))
    assert issues == []
    assert (drafts[0].type, drafts[0].correct, drafts[0].weights) == (QuestionType.MULTIPLE, {0, 1}, {})


def test_essay_without_grader_information_uses_the_general_feedback():
    body = '<generalfeedback format="html"><text>参考要点</text></generalfeedback>'
    drafts, _issues = parse_moodle_xml(quiz(question("essay", body=body)))
    assert drafts[0].reference == "参考要点"


@pytest.mark.parametrize("kind, type_name", [
    ("match", "matching"), ("numerical", "numerical"), ("calculated", "calculated"),
    ("multianswer", "embedded answers (Cloze)"), ("ddwtos", "ddwtos"), ("gapselect", "gapselect"),
    ("randomsamatch", "randomsamatch"),
])
def test_unsupported_types_are_reported_by_number_name_and_type(kind, type_name):
    drafts, issues = parse_moodle_xml(quiz(
        question("truefalse", "一", '<answer fraction="100"><text>false</text></answer>'),
        question(kind, "不支持"),
    ))
    assert [draft.row for draft in drafts] == [1]
    assert messages(issues) == [f"Question 2 (不支持): {type_name} questions are not supported, so it cannot be imported."]


@pytest.mark.parametrize("body, message", [
    ('<single>true</single><answer fraction="100"><text>甲</text></answer>'
     '<answer fraction="100"><text>乙</text></answer>', "more than one answer is marked right"),
    ('<single>true</single><answer fraction="100"><text>甲</text></answer>'
     '<answer fraction="50"><text>乙</text></answer>', "an answer gives partial credit"),
    ('<single>false</single><answer fraction="0"><text>甲</text></answer>'
     '<answer fraction="-50"><text>乙</text></answer>', "no answer is marked right."),
    ('<answer fraction="abc"><text>甲</text></answer>', 'the answer fraction "abc" is not a number.'),
    ('<defaultgrade>一分</defaultgrade><answer fraction="100"><text>甲</text></answer>',
     'the grade "一分" is not a number.'),
])
def test_malformed_multichoice_questions_are_reported(body, message):
    drafts, issues = parse_moodle_xml(quiz(question("multichoice", "坏题", body)))
    assert drafts == []
    assert len(issues) == 1
    assert str(issues[0]).startswith(f"Question 1 (坏题): {message}")


def test_a_truefalse_question_needs_true_or_false_as_its_right_answer():
    body = '<answer fraction="100"><text>对</text></answer><answer fraction="0"><text>错</text></answer>'
    _drafts, issues = parse_moodle_xml(quiz(question("truefalse", "判断", body)))
    assert messages(issues) == [
        'Question 1 (判断): a true/false question needs exactly one right answer, "true" or "false".'
    ]


def test_shortanswer_partial_credit_is_reported():
    body = '<answer fraction="100"><text>北京</text></answer><answer fraction="50"><text>燕京</text></answer>'
    _drafts, issues = parse_moodle_xml(quiz(question("shortanswer", "首都", body)))
    assert messages(issues) == [
        'Question 1 (首都): the answer "燕京" gives partial credit (50%), which fill-in-the-blank questions '
        "do not support."
    ]


def test_embedded_images_are_reported_rather_than_left_broken():
    text = ('<questiontext format="html"><text><![CDATA[<p><img src="@@PLUGINFILE@@/a.png"></p>]]></text>'
            '<file name="a.png" path="/" encoding="base64">iVBORw0KGgo=</file></questiontext>')
    xml = ('<question type="essay"><name><text>带图</text></name>' + text
           + '<graderinfo><text>要点</text></graderinfo></question>')
    _drafts, issues = parse_moodle_xml(quiz(xml))
    assert len(issues) == 1 and str(issues[0]).startswith("Question 1 (带图): embedded files such as images")


def test_problems_found_by_the_shared_checks_name_the_question():
    body = '<answer fraction="100"><text>甲</text></answer><answer fraction="0"><text>甲</text></answer>'
    drafts, issues = parse_moodle_xml(quiz(question("multichoice", "重复", body)))
    assert drafts == []
    assert len(issues) == 1 and str(issues[0]).startswith("Question 1 (重复): ")


def test_a_question_without_a_name_is_named_by_its_first_words():
    xml = ('<question type="numerical"><name><text></text></name><questiontext format="html">'
           '<text><![CDATA[<p>收费站<b>入口</b>的车道数是多少？</p>]]></text></questiontext></question>')
    _drafts, issues = parse_moodle_xml(quiz(xml))
    assert messages(issues) == [
        "Question 1 (收费站 入口 的车道数是多少？): numerical questions are not supported, so it cannot be imported."
    ]


def test_billion_laughs_is_refused_fast_without_expanding_it():
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY lol0 "lol">' + entities + "]>\n"
            "<quiz><question type=\"essay\"><questiontext><text>&lol9;</text></questiontext></question></quiz>")
    tracemalloc.start()
    started = time.perf_counter()
    drafts, issues = parse_moodle_xml(bomb.encode())
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert drafts == []
    assert messages(issues) == [
        "The file declares a DTD or entities (<!DOCTYPE …>), which question files may not contain."
    ]
    assert elapsed < 1
    assert peak < 5 * 1024 * 1024


def test_external_entities_are_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>'
    drafts, issues = parse_moodle_xml(xxe)
    assert drafts == []
    assert "DTD" in str(issues[0])


@pytest.mark.parametrize("data, message", [
    (b"", "The file is not valid XML (line 1, column 1): no element found"),
    (b"<quiz>\n<question type='essay'>\n", "The file is not valid XML (line 3, column 1): no element found"),
    ("这不是XML".encode(), "The file is not valid XML (line 1, column 1): syntax error"),
    (b"<quiz>\n<question>\xff</question></quiz>",
     "The file is not valid XML (line 2, column 11): not well-formed (invalid token)"),
    (b"<questions><question/></questions>",
     "The file is not a Moodle XML question file: its root element is <questions>, not <quiz>."),
    (b'<?xml version="1.0" encoding="Shift_JIS"?><quiz/>',
     "The file's encoding (Shift_JIS) cannot be read. Save it again as UTF-8."),
])
def test_files_that_are_not_moodle_xml_are_refused_with_a_located_message(data, message):
    drafts, issues = parse_moodle_xml(data)
    assert drafts == []
    assert messages(issues) == [message]


def test_gbk_declared_files_are_decoded():
    xml = ('<?xml version="1.0" encoding="GBK"?><quiz><question type="essay"><name><text>喆</text></name>'
           "<questiontext><text>说明喆字。</text></questiontext><graderinfo><text>要点</text></graderinfo>"
           "</question></quiz>")
    drafts, issues = parse_moodle_xml(xml.encode("gb18030"))
    assert issues == []
    assert (drafts[0].title, drafts[0].stem) == ("喆", "说明喆字。")


def test_more_questions_than_the_limit_are_refused():
    body = '<answer fraction="100"><text>true</text></answer>'
    drafts, issues = parse_moodle_xml(quiz(*[question("truefalse", body=body)] * 4), max_questions=3)
    assert len(drafts) == 3
    assert messages(issues) == ["The file has more than 3 questions. Split it into smaller files."]
