"""Item statistics against small examples worked out by hand (the arithmetic is in the comments)."""

import pytest

from app.reports.item_stats import (
    ALPHA,
    DISTRACTOR,
    FEW_ANSWERS,
    FEW_COMMON_ITEMS,
    KR20,
    LOW_DISCRIMINATION,
    NO_VARIANCE,
    TOO_EASY,
    TOO_HARD,
    ItemInfo,
    Responses,
    analyse_items,
    analyse_test,
    mask_of,
    reliability,
)

# Six candidates (attempts 1–6) × four one-point items (11–14):
#
#            11  12  13  14   total
#   A (1)     1   1   1   1     4
#   B (2)     1   1   1   0     3
#   C (3)     1   1   0   1     3
#   D (4)     1   0   1   0     2
#   E (5)     1   0   0   0     1
#   F (6)     0   0   0   0     0
MATRIX = {1: [1, 1, 1, 1], 2: [1, 1, 1, 0], 3: [1, 1, 0, 1], 4: [1, 0, 1, 0], 5: [1, 0, 0, 0], 6: [0, 0, 0, 0]}
ITEMS = [11, 12, 13, 14]


def matrix_responses(matrix=MATRIX, items=ITEMS, points=1):
    responses = Responses()
    for attempt, row in matrix.items():
        for item, right in zip(items, row, strict=True):
            if right is not None:
                responses.add(attempt, item, right * points, points)
    return responses


def by_item(analysis):
    return {stats.item: stats for stats in analysis.items}


def test_facility_is_the_mean_share_of_the_points():
    stats = by_item(analyse_test(matrix_responses(), {}, min_sample=5))
    # 5/6, 3/6, 3/6, 2/6
    assert [stats[i].facility for i in ITEMS] == pytest.approx([0.833333, 0.5, 0.5, 0.333333], abs=1e-6)
    assert all(stats[i].n == 6 and stats[i].dichotomous for i in ITEMS)


def test_discrimination_compares_the_top_and_bottom_27_percent():
    # 27% of 6 = 1.62 → groups of 2. By total: A 4, B 3, C 3 (B before C: lower attempt id), D 2, E 1, F 0;
    # upper = A, B; lower = E, F.
    # 11: upper 1, lower ½ → 0.5;  12: 1 − 0 = 1;  13: 1 − 0 = 1;  14: upper (1 + 0)/2 = ½, lower 0 → 0.5
    stats = by_item(analyse_test(matrix_responses(), {}, min_sample=5))
    assert [stats[i].discrimination for i in ITEMS] == pytest.approx([0.5, 1.0, 1.0, 0.5])
    assert stats[11].group_size == 2


def test_point_biserial_correlates_the_item_with_the_rest_of_the_paper():
    # Item 11: x = 1 1 1 1 1 0, rest = total − x = 3 2 2 1 0 0; means 5/6 and 4/3.
    #   Σdx·dy = 1/6·(5/3 + 2/3 + 2/3 − 1/3 − 4/3) + (−5/6)(−4/3) = 4/18 + 20/18 = 4/3
    #   Σdx² = 5/36·1 + 25/36 = 5/6;  Σdy² = (25 + 4 + 4 + 1 + 16 + 16)/9 = 22/3
    #   r = (4/3) / √(5/6 · 22/3) = 1.33333 / 2.47207 = 0.53936
    # Item 14: x = 1 0 1 0 0 0, rest = 3 3 2 2 1 0; means 1/3 and 11/6.
    #   Σdx·dy = (14 − 7 + 2 − 1 + 5 + 11)/18 = 4/3;  Σdx² = 4/3;  Σdy² = (49 + 49 + 1 + 1 + 25 + 121)/36 = 41/6
    #   r = (4/3) / √(4/3 · 41/6) = 1.33333 / 3.01846 = 0.44173
    stats = by_item(analyse_test(matrix_responses(), {}, min_sample=5))
    assert stats[11].point_biserial == pytest.approx(0.53936, abs=1e-5)
    assert stats[14].point_biserial == pytest.approx(0.44173, abs=1e-5)


def test_kr20_for_dichotomous_items():
    # p = 5/6, 1/2, 1/2, 1/3 → Σpq = (5 + 9 + 9 + 8)/36 = 31/36
    # totals 4 3 3 2 1 0: mean 13/6, Σx² = 39, variance = 39/6 − 169/36 = 65/36
    # KR-20 = 4/3 · (1 − 31/65) = 136/195 = 0.697436
    analysis = analyse_test(matrix_responses(), {}, min_sample=5)
    assert analysis.reliability.method == KR20
    assert analysis.reliability.value == pytest.approx(0.697436, abs=1e-6)
    assert (analysis.reliability.items, analysis.reliability.attempts) == (4, 6)


def test_cronbach_alpha_when_items_give_partial_credit():
    # Two-point items:   i1 i2 i3 | total
    #               A     2  2  1 |  5
    #               B     2  1  1 |  4
    #               C     1  1  0 |  2
    #               D     0  0  0 |  0
    # item variances: i1 2.25 − 1.5625 = 0.6875; i2 1.5 − 1 = 0.5; i3 0.5 − 0.25 = 0.25; sum 1.4375
    # totals: 11.25 − 2.75² = 3.6875;  alpha = 3/2 · (1 − 1.4375/3.6875) = 3/2 · 36/59 = 54/59 = 0.915254
    responses = Responses()
    for attempt, row in {1: [2, 2, 1], 2: [2, 1, 1], 3: [1, 1, 0], 4: [0, 0, 0]}.items():
        for item, score in zip([1, 2, 3], row, strict=True):
            responses.add(attempt, item, score, 2)
    result = reliability(responses)
    assert result.method == ALPHA
    assert result.value == pytest.approx(54 / 59)
    assert not by_item(analyse_test(responses, {}, min_sample=1))[1].dichotomous


def test_reliability_uses_only_the_items_every_paper_carried():
    # Item 15 is on two papers only (random draw): it stays out, the KR-20 of the four common items is unchanged.
    responses = matrix_responses()
    responses.add(1, 15, 1, 1)
    responses.add(6, 15, 0, 1)
    analysis = analyse_test(responses, {}, min_sample=1)
    assert analysis.reliability.items == 4
    assert analysis.reliability.value == pytest.approx(136 / 195)
    assert by_item(analysis)[15].n == 2


def test_reliability_needs_two_common_items_and_some_spread():
    responses = Responses()
    responses.add(1, 1, 1, 1)
    responses.add(2, 2, 1, 1)
    assert reliability(responses).reason == FEW_COMMON_ITEMS and reliability(responses).value is None
    same = matrix_responses({1: [1, 1], 2: [1, 1]}, [1, 2])
    assert reliability(same).reason == NO_VARIANCE


def test_voided_items_are_left_out_of_reliability_and_never_flagged():
    responses = matrix_responses()
    analysis = analyse_test(responses, {12: ItemInfo(voided=True)}, min_sample=1)
    assert analysis.reliability.items == 3
    assert by_item(analysis)[12].voided and by_item(analysis)[12].flags == ()


# A single-choice item 21 (options 0–3, key 1) answered by six candidates whose papers' totals are given:
#   attempt  total/max  chose     score
#   1        9/10       option 2  0
#   2        8/10       option 2  0
#   3        6/10       option 1  1
#   4        5/10       option 1  1
#   5        3/10       option 0  0
#   6        2/10       nothing   0
TOTALS = {1: (9, 10), 2: (8, 10), 3: (6, 10), 4: (5, 10), 5: (3, 10), 6: (2, 10)}
CHOSEN = {1: [2], 2: [2], 3: [1], 4: [1], 5: [0], 6: []}
SINGLE = {21: ItemInfo(options=4, key=frozenset({1}))}


def choice_item(chosen=CHOSEN, items=SINGLE, min_sample=5):
    responses = Responses()
    for attempt, picked in chosen.items():
        responses.add(attempt, 21, 1 if set(picked) == set(items[21].key) else 0, 1, picked)
    return analyse_items(responses, items, totals=TOTALS, min_sample=min_sample)[0]


def test_option_shares_overall_and_in_the_upper_and_lower_groups():
    stats = choice_item()
    assert [o.share for o in stats.options] == pytest.approx([1 / 6, 2 / 6, 2 / 6, 0])
    assert stats.unanswered == pytest.approx(1 / 6)
    # upper = attempts 1, 2 (both chose option 2); lower = 5, 6 (option 0, nothing)
    assert [o.upper for o in stats.options] == [0, 0, 1, 0]
    assert [o.lower for o in stats.options] == [0.5, 0, 0, 0]
    assert [o.key for o in stats.options] == [False, True, False, False]


def test_a_distractor_the_top_scorers_prefer_to_the_key_is_flagged():
    stats = choice_item()
    assert [o.preferred_by_upper for o in stats.options] == [False, False, True, False]
    # facility 2/6 = 0.33 (neither too easy nor too hard); D = 0 − 0 = 0
    assert stats.facility == pytest.approx(1 / 3)
    assert stats.discrimination == 0
    assert stats.flags == (LOW_DISCRIMINATION, DISTRACTOR)
    assert stats.flagged


def test_point_biserial_of_a_choice_item_uses_the_rest_share():
    # rest = (total − item)/(max − 1) = 9/9, 8/9, 5/9, 4/9, 3/9, 2/9 — as ninths 9 8 5 4 3 2 (mean 31/6);
    # x = 0 0 1 1 0 0 (mean 1/3).  Σdx·dy = −1/3·(23 + 17 − 13 − 19)/6 + 2/3·(−1 − 7)/6 = −8/18 − 16/18 = −4/3
    # Σdx² = 4/3;  Σdy² = (529 + 289 + 1 + 49 + 169 + 361)/36 = 1398/36;  r = −(4/3)/√(4/3 · 1398/36) = −0.18530
    assert choice_item().point_biserial == pytest.approx(-0.18530, abs=1e-5)


def test_multiple_choice_distractor_is_compared_with_the_least_chosen_key():
    # Key {0, 2}. Upper group (attempts 1, 2): option 0 both, option 2 one, option 1 both → option 1 beats
    # option 2 in the upper group, so it is flagged although option 0 is as popular.
    items = {21: ItemInfo(options=4, key=frozenset({0, 2}))}
    stats = choice_item({1: [0, 1, 2], 2: [0, 1], 3: [0, 2], 4: [0, 2], 5: [3], 6: []}, items)
    assert [o.upper for o in stats.options] == [1, 1, 0.5, 0]
    assert [o.preferred_by_upper for o in stats.options] == [False, True, False, False]


def test_easy_and_hard_items_are_flagged():
    everyone = analyse_test(matrix_responses({a: [1, 1] for a in range(1, 7)}, [1, 2]), {}, min_sample=5)
    assert by_item(everyone)[1].flags == (TOO_EASY, LOW_DISCRIMINATION)
    # one of six right: 1/6 = 0.17 < 0.2
    hard = analyse_test(matrix_responses({1: [1, 1], 2: [0, 1], 3: [0, 1], 4: [0, 0], 5: [0, 1], 6: [0, 0]},
                                         [1, 2]), {}, min_sample=5)
    assert TOO_HARD in by_item(hard)[1].flags


def test_a_small_sample_is_warned_about():
    analysis = analyse_test(matrix_responses(), {}, min_sample=30)
    assert analysis.small_sample
    assert all(FEW_ANSWERS in stats.flags for stats in analysis.items)
    assert not by_item(analysis)[12].flagged  # the sample alone does not make an item bad
    assert not analyse_test(matrix_responses(), {}, min_sample=6).small_sample


def test_items_keep_the_given_order_and_single_answers_have_no_spread():
    analysis = analyse_test(matrix_responses(), {14: ItemInfo(), 12: ItemInfo()}, min_sample=1)
    assert [stats.item for stats in analysis.items] == [14, 12, 11, 13]
    lone = Responses()
    lone.add(1, 1, 1, 1)
    stats = analyse_test(lone, {}, min_sample=1).items[0]
    assert stats.discrimination is None and stats.point_biserial is None and stats.group_size == 0


def test_mask_of_original_indexes():
    assert mask_of([0, 2]) == 0b101 and mask_of([]) == 0
