"""The letter rule (app.banks.letters): which texts name options by letter or point at other options, what is
not a reference (codes, amounts, English articles), and the legend a review of an older shuffled paper gets."""

from types import SimpleNamespace

import pytest

from app.banks.letters import letter_legend, must_keep_order, option_references
from app.banks.registry import kind_of

OPTIONS = ["不放人情车", "不擅自放行", "不擅自关闭车道", "不在监控外收费", "可酌情免费"]


@pytest.mark.parametrize("explanation", [
    "都是纪律要求；E即放“人情车”，属于违纪。",  # the shipped explanations the issue names
    "A、B、C、E均与该解释一致。D错误。",
    "A–D均为第35条列明的禁止行为。",
    "选项D的说法不对。",
    "Ｅ是错的。",  # full-width
    "D is wrong: it is not a rule.",
    "Only option B holds.",
    "A and C are rules.",
])
def test_an_explanation_naming_an_option_letter_keeps_the_order(explanation):
    references = option_references("multiple", "收费纪律要求有（ ）。", OPTIONS, explanation)
    assert [r.field for r in references] == ["explanation"] and references[0].letters
    assert must_keep_order("multiple", "收费纪律要求有（ ）。", OPTIONS, explanation)


@pytest.mark.parametrize("explanation", [
    "ETC车道与MTC车道都应文明服务。",
    "依据GB 1589-2016和JT/T 489-2019。",
    "处10万元以上50万元以下罚款。",
    "A driver must stop at the barrier.",
    "使用A4纸打印票据。",
    "F类车辆不在此列。",  # F names no option of a five-option question
    "",
])
def test_codes_amounts_articles_and_letters_beyond_the_options_are_not_references(explanation):
    assert option_references("multiple", "收费纪律要求有（ ）。", OPTIONS, explanation) == []


@pytest.mark.parametrize(("option", "letters"), [
    ("以上都对", False), ("以上说法均不正确", False), ("上述各项都是", False), ("都不是", False),
    ("All of the above", False), ("none of the above", False), ("A和B", True), ("A、C都对", True),
])
def test_an_option_pointing_at_other_options_keeps_the_order(option, letters):
    references = option_references("single", "下列说法正确的是（ ）。", ["甲", "乙", "丙", option], "")
    assert [(r.field, r.letters) for r in references] == [("option_d", letters)]


def test_amounts_with_yishang_are_ordinary_options():
    options = ["1万元以上5万元以下", "5万元以上20万元以下", "10万元以上50万元以下", "违法所得2倍以上5倍以下"]
    assert option_references("single", "处（ ）的罚款。", options, "第五十一条。") == []


def test_a_stem_naming_an_option_letter_keeps_the_order_and_other_types_never_do():
    assert [r.field for r in option_references("single", "A项与B项哪个正确？", ["甲", "乙"], "")] == ["stem"]
    assert option_references("true_false", "E即放人情车。", [], "E即放人情车。") == []


def test_the_snippet_quotes_the_text_from_the_letter():
    references = option_references("multiple", "题", OPTIONS, "都是纪律要求；E即放“人情车”，属于违纪，应予处分。")
    assert references[0].snippet == "E即放“人情车”，属于违…"  # twelve characters


def test_the_legend_maps_written_letters_to_those_the_candidate_saw():
    assert letter_legend("E即放人情车。", [4, 0, 1, 2, 3]) == [("A", "B"), ("B", "C"), ("C", "D"), ("D", "E"),
                                                              ("E", "A")]
    assert letter_legend("E即放人情车。", [0, 1, 2, 3, 4]) == []  # the order written: nothing to say
    assert letter_legend("第三十条。", [4, 0, 1, 2, 3]) == []  # no letter in the explanation


def test_a_review_of_a_shuffled_paper_says_which_option_each_letter_is():
    version = SimpleNamespace(type="multiple", stem="收费纪律要求有（ ）。", options=OPTIONS, key={"correct": [0, 1, 2, 3]},
                              points=3, explanation="E即放人情车，属于违纪。")
    shuffled = kind_of("multiple").present_review(version, [4, 0, 1, 2, 3], {1, 2})
    assert "letter-legend" in shuffled.explanation_html and "E→A" in shuffled.explanation_html
    as_written = kind_of("multiple").present_review(version, [0, 1, 2, 3, 4], {1, 2})
    assert "letter-legend" not in as_written.explanation_html


def test_practice_shows_a_question_under_the_letter_rule_in_the_order_written(users):
    import random
    from datetime import UTC, datetime

    from app.banks.drafts import Draft, QuestionType
    from app.banks.services import add_questions, create_bank
    from app.core.roles import Role
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.practice import PracticeFilter, start_practice

    now = datetime(2026, 6, 1, tzinfo=UTC)
    ensure_courses()
    bank = create_bank(users[Role.TRAINER], find_course("integrity"), "纪律", now=now, ip="t")
    lettered = Draft(QuestionType.MULTIPLE, "收费纪律要求有（ ）。", options=OPTIONS, correct={0, 1, 2, 3},
                     explanation="E即放人情车，属于违纪。")
    plain = Draft(QuestionType.MULTIPLE, "收费员职责有（ ）。", options=OPTIONS, correct={0, 1})
    kept, shuffled = add_questions(users[Role.TRAINER], bank, [lettered, plain], now=now)
    assert (kept.current.keep_option_order, shuffled.current.keep_option_order) == (True, False)
    orders = {kept.id: set(), shuffled.id: set()}
    rng = random.Random(3)
    for _ in range(30):
        practice = start_practice(users[Role.COLLECTOR], PracticeFilter(course_id=bank.course_id), now=now, rng=rng)
        orders[practice.question_id].add(tuple(practice.option_order))
    assert orders[kept.id] == {(0, 1, 2, 3, 4)}
    assert len(orders[shuffled.id]) > 1
