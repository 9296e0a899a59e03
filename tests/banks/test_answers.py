"""Reading answer words, types, blanks, points, difficulty, topics and image names (pure, no app)."""

from decimal import Decimal

import pytest

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
from app.banks.drafts import QuestionType
from app.banks.registry import parse_type


def message_of(parser, text) -> str:
    with pytest.raises(AnswerError) as caught:
        parser(text)
    return str(caught.value.message)


# --- Types --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("单选", QuestionType.SINGLE), ("单选题", QuestionType.SINGLE), (" 单项选择题 ", QuestionType.SINGLE),
        ("single", QuestionType.SINGLE), ("SINGLE", QuestionType.SINGLE), ("Single Choice", QuestionType.SINGLE),
        ("多选", QuestionType.MULTIPLE), ("多选题", QuestionType.MULTIPLE), ("Multiple", QuestionType.MULTIPLE),
        ("multiple_choice", QuestionType.MULTIPLE),
        ("判断", QuestionType.TRUE_FALSE), ("判断题", QuestionType.TRUE_FALSE), ("true_false", QuestionType.TRUE_FALSE),
        ("True/False", QuestionType.TRUE_FALSE), ("TRUE-FALSE", QuestionType.TRUE_FALSE),
        ("填空", QuestionType.FILL_BLANK), ("填空题", QuestionType.FILL_BLANK), ("fill_blank", QuestionType.FILL_BLANK),
        ("Fill in the blank", QuestionType.FILL_BLANK),
        ("简答", QuestionType.SHORT_ANSWER), ("简答题", QuestionType.SHORT_ANSWER), ("问答题", QuestionType.SHORT_ANSWER),
        ("short_answer", QuestionType.SHORT_ANSWER), ("Short Answer", QuestionType.SHORT_ANSWER),
        ("ｓｉｎｇｌｅ", QuestionType.SINGLE),
    ],
)
def test_type_words(text, expected):
    assert parse_type(text) is expected


@pytest.mark.parametrize("text", ["单", "选择", "论述题", "题", "singles", "essay", "1"])
def test_unknown_type_names_the_accepted_words(text):
    message = message_of(parse_type, text)
    assert f"'{text}' is not a question type" in message and "单选" in message and "fill_blank" in message


def test_empty_type_is_refused():
    assert message_of(parse_type, "  ") == "The question type is empty."


# --- Choice letters -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A", [0]), ("h", [7]), (" b ", [1]),
        ("ABD", [0, 1, 3]), ("A,B,D", [0, 1, 3]), ("A，B，D", [0, 1, 3]), ("A、B、D", [0, 1, 3]),
        ("A B D", [0, 1, 3]), ("A, B , D", [0, 1, 3]), ("ＡＢＤ", [0, 1, 3]), ("Ａ、Ｂ", [0, 1]), ("abd", [0, 1, 3]),
        ("DBA", [3, 1, 0]), ("A；B", [0, 1]),
    ],
)
def test_choice_letter_spellings(text, expected):
    assert parse_letters(text) == expected


@pytest.mark.parametrize("text", ["I", "AZ", "1", "A.", "(A)", "A-B", "对", "A+B", ",", "、"])
def test_text_that_is_not_letters_a_to_h_is_refused(text):
    assert "is not a choice answer" in message_of(parse_letters, text)


def test_a_letter_named_twice_is_refused():
    assert message_of(parse_letters, "A,B,a") == "The answer names option A twice."


def test_empty_choice_answer_is_refused():
    assert message_of(parse_letters, " ") == "The answer is empty."


# --- True/false ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["对", "正确", "√", "✓", "T", "t", "true", "TRUE", "True", "是", " 对 "])
def test_true_spellings(text):
    assert parse_truth(text) is True


@pytest.mark.parametrize("text", ["错", "错误", "×", "✗", "F", "f", "false", "FALSE", "否"])
def test_false_spellings(text):
    assert parse_truth(text) is False


@pytest.mark.parametrize("text", ["A", "yes", "no", "1", "0", "对错", "不对", "x"])
def test_other_true_false_answers_are_refused(text):
    message = message_of(parse_truth, text)
    assert "is not a true/false answer" in message and "对" in message


def test_empty_true_false_answer_is_refused():
    assert message_of(parse_truth, "") == "The answer is empty."


# --- Blanks -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("stem", "blanks"),
    [
        ("收费站应公示____。", 1),
        ("收费站应公示__________和______。", 2),
        ("三个下划线___不算。", 0),
        ("全角下划线＿＿＿＿也算。", 1),
        ("括号（ ）和( )都算。", 2),
        ("全角空格（\u3000）、空括号（）和混合(　）也算。", 3),
        ("括号里有字（例如）不算。", 0),
        ("", 0),
    ],
)
def test_blank_count(stem, blanks):
    assert count_blanks(stem) == blanks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50", [["50"]]),
        ("50;60", [["50"], ["60"]]),
        ("50；60", [["50"], ["60"]]),
        ("五十|50; 六十 | 60 ", [["五十", "50"], ["六十", "60"]]),
        ("甲｜乙", [["甲", "乙"]]),
        ("甲|甲|乙", [["甲", "乙"]]),
        ("甲||乙", [["甲", "乙"]]),
        ("甲;乙;", [["甲"], ["乙"]]),
        ("=1+1", [["=1+1"]]),
    ],
)
def test_blank_answers(text, expected):
    assert parse_blanks(text) == expected


def test_an_empty_blank_before_a_filled_one_is_refused():
    assert "blank 2 is empty" in message_of(parse_blanks, "甲;;丙")
    assert "blank 1 is empty" in message_of(parse_blanks, "| ;乙")


def test_empty_blank_answer_is_refused():
    assert message_of(parse_blanks, " ") == "The answer is empty."


# --- Points -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), (" ", None), ("2", Decimal(2)), ("1.5", Decimal("1.5")), ("０.５", Decimal("0.5")),
     (".25", Decimal("0.25")), ("100", Decimal(100)), ("2.50", Decimal("2.50"))],
)
def test_points(text, expected):
    assert parse_points(text) == expected


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "Infinity", "-inf", "1e2", "2分", "two", "1,5", "1_0", "١٢"])
def test_points_that_are_not_numbers_are_refused(text):
    assert "is not a number of points" in message_of(parse_points, text)


@pytest.mark.parametrize("text", ["0", "0.00", "-1", "-0.5"])
def test_points_must_be_positive(text):
    assert message_of(parse_points, text) == "The points must be a number greater than 0."


def test_points_have_a_ceiling_and_two_decimal_places():
    assert "not be more than 100" in message_of(parse_points, "100.5")
    assert "at most 2 decimal places" in message_of(parse_points, "1.125")


# --- Difficulty ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), ("1", 1), ("5", 5), ("３", 3), ("3.0", 3), ("易", 1), ("较易", 2), ("中", 3), ("中等", 3),
     ("较难", 4), ("难", 5), (" 难 ", 5)],
)
def test_difficulty(text, expected):
    assert parse_difficulty(text) == expected


@pytest.mark.parametrize("text", ["0", "6", "-1", "2.5", "easy", "很难", "1" * 5000])
def test_other_difficulties_are_refused(text):
    assert "is not a difficulty" in message_of(parse_difficulty, text)


# --- Topics -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("收费公路", ["收费公路"]),
        ("收费公路;免费通行；绿色通道,假币、礼仪，服务", ["收费公路", "免费通行", "绿色通道", "假币", "礼仪", "服务"]),
        (" a ;; A ;b;、", ["a", "b"]),
        ("收费 公路  条例", ["收费 公路 条例"]),
    ],
)
def test_topics_are_split_trimmed_and_deduplicated(text, expected):
    assert parse_topics(text) == expected


def test_an_overlong_topic_is_refused():
    assert "longer than 50 characters" in message_of(parse_topics, "好" * 51)


# --- Image names --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [("", None), (" sign.png ", "sign.png"), ("假币 水印.JPG", "假币 水印.JPG")])
def test_image_names(text, expected):
    assert parse_image(text) == expected


@pytest.mark.parametrize("text", ["../etc/passwd.png", "img/sign.png", "C:sign.png", "a\\b.png", ".png", "a\x00.png"])
def test_image_names_with_folders_are_refused(text):
    assert "is not a plain file name" in message_of(parse_image, text)


@pytest.mark.parametrize("text", ["sign.svg", "sign.html", "sign"])
def test_image_names_must_be_images(text):
    assert "is not an image file" in message_of(parse_image, text)
