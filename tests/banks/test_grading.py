"""Grading each question type through the registry (pure, no app): scores are Decimal to 0.01,
positions map through the candidate's option order, and a forged or missing answer scores 0."""

from decimal import Decimal

import pytest

from app.banks.drafts import QuestionType
from app.banks.models import QuestionVersion
from app.banks.registry import ALL_OR_NOTHING, PARTIAL, Grade, MultiplePolicy, kind_of, normalise_blank


def version(type, *, stem="题干", options=(), key, points="2"):
    return QuestionVersion(type=QuestionType(type).value, stem=stem, options=list(options), key=key,
                           points=Decimal(points), difficulty=3, explanation="SECRET-EXPLANATION", source="test")


def grade(v, response, order=None, policy=ALL_OR_NOTHING) -> Grade:
    return kind_of(v.type).grade(v, response, order, policy)


FORGED = [-1, -4, 4, 99, 10**30, True, False, "0", "A", 0.0, None, [0], {0}]


# --- Single choice ------------------------------------------------------------------------------

SINGLE = version("single", options=["甲", "乙", "丙", "丁"], key={"correct": [2]})


def test_single_right_position_earns_full_points():
    assert grade(SINGLE, 2) == Grade(score=Decimal("2.00"), correct=True, max_points=Decimal("2.00"))


def test_single_wrong_position_earns_nothing():
    assert grade(SINGLE, 1) == Grade(score=Decimal("0.00"), correct=False, max_points=Decimal("2.00"))


def test_single_maps_displayed_positions_through_the_option_order():
    order = [3, 2, 0, 1]  # option C (index 2) is shown second
    assert grade(SINGLE, 1, order).correct is True
    assert grade(SINGLE, 2, order).score == Decimal("0.00")  # the natural position is now option A


@pytest.mark.parametrize("forged", FORGED)
def test_single_forged_or_malformed_position_scores_zero(forged):
    result = grade(SINGLE, forged, [3, 2, 0, 1])
    assert result.score == Decimal("0.00") and result.correct is False


def test_single_negative_position_does_not_wrap_to_the_last_option():
    last_is_correct = version("single", options=["甲", "乙", "丙"], key={"correct": [2]})
    assert grade(last_is_correct, -1).score == 0


def test_option_order_that_is_not_a_permutation_is_refused():
    with pytest.raises(ValueError):
        grade(SINGLE, 0, [0, 1, 2])
    with pytest.raises(ValueError):
        grade(SINGLE, 0, [0, 1, 2, 2])


# --- Multiple choice ----------------------------------------------------------------------------

MULTIPLE = version("multiple", options=["A", "B", "C", "D"], key={"correct": [0, 2, 3]}, points="3")


def test_multiple_exact_key_earns_full_points_under_both_policies():
    for policy in (ALL_OR_NOTHING, PARTIAL()):
        assert grade(MULTIPLE, {0, 2, 3}, policy=policy) == Grade(Decimal("3.00"), True, Decimal("3.00"))


def test_multiple_accepts_a_list_with_repeats():
    assert grade(MULTIPLE, [3, 0, 2, 0]).correct is True


def test_multiple_subset_earns_nothing_under_all_or_nothing():
    assert grade(MULTIPLE, {0, 2}).score == Decimal("0.00")


def test_multiple_subset_earns_the_share_under_partial():
    result = grade(MULTIPLE, {0, 2}, policy=PARTIAL())
    assert result.score == Decimal("1.50") and result.correct is False
    assert grade(MULTIPLE, {3}, policy=PARTIAL("0.3")).score == Decimal("0.90")


def test_multiple_partial_share_rounds_half_up_to_cents():
    v = version("multiple", options=["A", "B", "C"], key={"correct": [0, 1]}, points="1.25")
    assert grade(v, {0}, policy=PARTIAL()).score == Decimal("0.63")


@pytest.mark.parametrize("policy", [ALL_OR_NOTHING, PARTIAL()], ids=["all", "partial"])
def test_multiple_any_wrong_option_earns_nothing(policy):
    assert grade(MULTIPLE, {0, 1}, policy=policy).score == Decimal("0.00")
    assert grade(MULTIPLE, {0, 1, 2, 3}, policy=policy).score == Decimal("0.00")


@pytest.mark.parametrize("response", [set(), [], None, 0, "0,2,3", {0: True}])
def test_multiple_empty_or_malformed_answer_earns_nothing(response):
    assert grade(MULTIPLE, response, policy=PARTIAL()).score == Decimal("0.00")


@pytest.mark.parametrize("forged", [-1, 4, 99, True, "0", None, 1.0])
def test_multiple_a_forged_position_spoils_the_answer(forged):
    assert grade(MULTIPLE, {0, 2, 3, forged}, policy=PARTIAL()).score == Decimal("0.00")
    assert grade(MULTIPLE, {0, forged}, policy=PARTIAL()).score == Decimal("0.00")


def test_multiple_maps_positions_through_the_option_order():
    order = [1, 3, 0, 2]  # shown: B, D, A, C → correct A, C, D are positions 2, 3, 1
    assert grade(MULTIPLE, {1, 2, 3}, order).correct is True
    assert grade(MULTIPLE, {0, 2, 3}, order).score == 0
    assert grade(MULTIPLE, {2, 3}, order, PARTIAL()).score == Decimal("1.50")


def test_multiple_weights_from_gift_do_not_change_the_score():
    weighted = version("multiple", options=["A", "B", "C"], key={"correct": [0, 1], "weights": {"0": "0.7", "1": "0.3"}})
    assert grade(weighted, {0}, policy=PARTIAL()).score == Decimal("1.00")
    assert grade(weighted, {0}).score == Decimal("0.00")


def test_partial_share_must_be_between_zero_and_one():
    for bad in ("1.5", "-0.1", "NaN", "abc"):
        with pytest.raises(ValueError):
            PARTIAL(bad)
    with pytest.raises(TypeError):
        PARTIAL(0.5)
    assert PARTIAL(1) == MultiplePolicy(Decimal(1))


# --- True or false ------------------------------------------------------------------------------

TRUE = version("true_false", key={"truth": True}, points="1")
FALSE = version("true_false", key={"truth": False}, points="1")


def test_true_false_exact_match():
    assert grade(TRUE, True).score == Decimal("1.00")
    assert grade(TRUE, False).score == Decimal("0.00")
    assert grade(FALSE, False).correct is True
    assert grade(FALSE, True).correct is False


@pytest.mark.parametrize("response", [None, 0, 1, "true", "对", "", [True]])
def test_true_false_malformed_answer_earns_nothing(response):
    assert grade(TRUE, response).score == Decimal("0.00")
    assert grade(FALSE, response).score == Decimal("0.00")


# --- Fill in the blanks -------------------------------------------------------------------------

ONE_BLANK = version("fill_blank", stem="收费站限速____公里/小时", key={"blanks": [["30", "三十"]]})
THREE_BLANKS = version("fill_blank", stem="____、____和____", key={"blanks": [["ETC"], ["MTC", "人工收费"], ["Ｃ类"]]})


@pytest.mark.parametrize("answer", ["30", "３０", " 30 ", "\u300030\u3000", "三十", " 三十\t"])
def test_fill_blank_accepts_full_width_and_padding(answer):
    assert grade(ONE_BLANK, [answer]) == Grade(Decimal("2.00"), True, Decimal("2.00"))


@pytest.mark.parametrize("answer", ["etc", "Etc", "ＥＴＣ", "ｅｔｃ"])
def test_fill_blank_ignores_case_and_width(answer):
    assert grade(THREE_BLANKS, [answer, "mtc", "c类"]).correct is True


def test_fill_blank_collapses_inner_whitespace():
    v = version("fill_blank", stem="____", key={"blanks": [["Electronic  Toll Collection"]]})
    assert grade(v, ["electronic toll\u3000\u3000collection"]).correct is True
    assert grade(v, ["electronictollcollection"]).correct is False


def test_fill_blank_alternatives_and_stored_full_width_key():
    assert grade(THREE_BLANKS, ["ETC", "人工收费", "C类"]).correct is True


def test_fill_blank_partial_credit_is_points_times_share_of_right_blanks_rounded():
    assert grade(THREE_BLANKS, ["ETC", "x", "y"]) == Grade(Decimal("0.67"), False, Decimal("2.00"))
    assert grade(THREE_BLANKS, ["ETC", "MTC", "y"]).score == Decimal("1.33")
    assert grade(THREE_BLANKS, ["a", "b", "c"]).score == Decimal("0.00")


def test_fill_blank_answers_are_matched_per_blank_in_order():
    assert grade(THREE_BLANKS, ["MTC", "ETC", "C类"]).score == Decimal("0.67")


@pytest.mark.parametrize("response", [None, "30", 30, {"0": "30"}, [], [None], [""], ["   "], [30]])
def test_fill_blank_missing_or_malformed_answer_earns_nothing(response):
    assert grade(ONE_BLANK, response).score == Decimal("0.00")


def test_fill_blank_short_and_long_answer_lists():
    assert grade(THREE_BLANKS, ["ETC"]).score == Decimal("0.67")
    assert grade(THREE_BLANKS, ("ETC", "MTC", "C类", "extra")).correct is True


def test_normalise_blank():
    assert normalise_blank("  ＡＢＣ\u3000 １２３  ") == "abc 123"
    assert normalise_blank("Straße") == "strasse"


# --- Short answer -------------------------------------------------------------------------------

SHORT = version("short_answer", key={"reference": "REFERENCE-SECRET"}, points="10")


@pytest.mark.parametrize("response", ["REFERENCE-SECRET", "", None, 5])
def test_short_answer_always_waits_for_a_human(response):
    result = grade(SHORT, response)
    assert result == Grade(score=None, correct=None, max_points=Decimal("10.00"))
    assert result.needs_review


# --- Common -------------------------------------------------------------------------------------

def test_scores_are_decimals_with_two_places():
    for v, response in ((SINGLE, 2), (MULTIPLE, {0}), (TRUE, True), (ONE_BLANK, ["30"]), (THREE_BLANKS, ["ETC"])):
        result = grade(v, response, policy=PARTIAL())
        assert isinstance(result.score, Decimal) and result.score.as_tuple().exponent == -2
        assert result.max_points.as_tuple().exponent == -2


def test_only_short_answer_is_not_auto_graded():
    assert {t for t in QuestionType if not kind_of(t).auto_graded} == {QuestionType.SHORT_ANSWER}
