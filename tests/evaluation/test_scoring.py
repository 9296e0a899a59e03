"""The scheme's rules against hand-worked examples (no app, no database)."""

from decimal import Decimal as D

import pytest

from app.evaluation.scoring import Rules, Sitting, course_result, evaluate, percent, rating_of

RULES = Rules(weights={"law": D(40), "integrity": D(20), "etiquette": D(20), "procedures": D(20)})


def sat(pct, passed=None, pass_pct=60, makeup=False):
    pct = None if pct is None else D(pct)
    return Sitting(percent=pct, passed=(pct >= pass_pct) if passed is None and pct is not None else passed,
                   pass_percent=D(pass_pct), makeup=makeup)


def all_courses(law, integrity, etiquette, procedures):
    return {"law": [sat(law)], "integrity": [sat(integrity)], "etiquette": [sat(etiquette)],
            "procedures": [sat(procedures)]}


def test_percent_rounds_half_up_to_the_cent():
    assert percent(D("2"), D("3")) == D("66.67")
    assert percent(D("1"), D("8")) == D("12.50")
    assert percent(D("5"), D("0")) == D("0")


def test_weighted_total_law_forty_others_twenty():
    # 0.4*95 + 0.2*(90 + 85 + 80) = 38 + 51 = 89.00 → 良好
    result = evaluate(RULES, all_courses(95, 90, 85, 80), attendance=None, failed_before=0)
    assert result.total == D("89.00")
    assert result.rating == "good"
    assert result.outcome == "none"


def test_ratings_at_each_threshold_boundary():
    assert rating_of(D("90.00"), RULES) == "excellent"
    assert rating_of(D("89.99"), RULES) == "good"
    assert rating_of(D("80.00"), RULES) == "good"
    assert rating_of(D("60.00"), RULES) == "pass"
    assert rating_of(D("59.99"), RULES) == "fail"


def test_award_needs_total_every_course_first_time_and_attendance():
    # 0.4*92 + 0.2*(95+90+88) = 36.8 + 54.6 = 91.40
    result = evaluate(RULES, all_courses(92, 95, 90, 88), attendance=D(100), failed_before=0)
    assert (result.total, result.outcome) == (D("91.40"), "award")
    short = evaluate(RULES, all_courses(92, 95, 90, 88), attendance=D("75.00"), failed_before=0)
    assert not short.attendance_met and short.outcome == "none"


def test_failed_course_requires_a_makeup():
    result = evaluate(RULES, all_courses(55, 90, 90, 90), attendance=None, failed_before=0)
    # 0.4*55 + 0.2*270 = 22 + 54 = 76.00
    assert result.total == D("76.00")
    assert result.courses["law"].status == "failed"
    assert result.outcome == "makeup_required"


def test_missing_course_counts_zero_and_requires_a_makeup():
    sittings = all_courses(90, 90, 90, 90)
    del sittings["procedures"]
    result = evaluate(RULES, sittings, attendance=None, failed_before=0)
    assert result.courses["procedures"].status == "missing"
    assert result.total == D("72.00")  # 0.4*90 + 0.2*(90+90+0)
    assert result.outcome == "makeup_required"


def test_makeup_score_is_capped_at_the_pass_mark():
    law = [sat(40), sat(95, makeup=True)]
    result = course_result("law", law, "cap")
    assert (result.status, result.counted, result.makeup) == ("passed_makeup", D(60), D(95))


def test_makeup_score_counts_in_full_under_the_full_rule():
    result = course_result("law", [sat(40), sat(95, makeup=True)], "full")
    assert (result.status, result.counted) == ("passed_makeup", D(95))


def test_a_failed_makeup_keeps_the_better_figure_and_calls_for_a_position_review():
    result = course_result("law", [sat(50), sat(45, makeup=True)], "cap")
    assert (result.status, result.counted) == ("failed_makeup", D(50))
    outcome = evaluate(RULES, {**all_courses(50, 90, 90, 90), "law": [sat(50), sat(45, makeup=True)]},
                       attendance=None, failed_before=0)
    assert outcome.failed and outcome.outcome == "position_review"


def test_passed_makeup_is_not_award_eligible_even_with_a_high_total():
    rules = Rules(weights={"law": D(100)}, makeup_rule="full", award_min=D(90))
    result = evaluate(rules, {"law": [sat(30), sat(98, makeup=True)]}, attendance=None, failed_before=0)
    assert result.total == D("98.00") and result.outcome == "none"


def test_second_failed_period_in_a_row_calls_for_an_employment_review():
    fail = all_courses(40, 50, 50, 50)  # 16 + 30 = 46 → 不合格
    first = evaluate(RULES, fail, attendance=None, failed_before=0)
    second = evaluate(RULES, fail, attendance=None, failed_before=1)
    assert first.failed and first.outcome == "makeup_required"
    assert second.outcome == "employment_review"
    assert second.reasons[:2] == ["employment_review", "makeup_required"]


def test_review_periods_setting_changes_how_many_failures_it_takes():
    rules = Rules(weights=RULES.weights, review_periods=3)
    fail = all_courses(40, 50, 50, 50)
    assert evaluate(rules, fail, attendance=None, failed_before=1).outcome == "makeup_required"
    assert evaluate(rules, fail, attendance=None, failed_before=2).outcome == "employment_review"


def test_attendance_as_a_weight_enters_the_total():
    rules = Rules(weights={"law": D(40), "integrity": D(15), "etiquette": D(15), "procedures": D(15)},
                  attendance_mode="weight", attendance_weight=D(15))
    # (40*80 + 15*(80+80+80) + 15*60) / 100 = (3200 + 3600 + 900) / 100 = 77.00
    result = evaluate(rules, all_courses(80, 80, 80, 80), attendance=D(60), failed_before=0)
    assert result.total == D("77.00")
    # nobody held a session for this person: judged on the courses alone (80.00)
    assert evaluate(rules, all_courses(80, 80, 80, 80), attendance=None, failed_before=0).total == D("80.00")


def test_an_ungraded_answer_keeps_the_outcome_pending():
    sittings = all_courses(90, 90, 90, 90)
    sittings["etiquette"] = [sat(None, passed=None)]
    result = evaluate(RULES, sittings, attendance=None, failed_before=0)
    assert result.courses["etiquette"].status == "pending"
    assert result.outcome == "pending"


@pytest.mark.parametrize("scores", [(100, 100, 100, 100), (0, 0, 0, 0), (61, 59, 100, 0)])
def test_total_stays_between_zero_and_one_hundred(scores):
    total = evaluate(RULES, all_courses(*scores), attendance=None, failed_before=0).total
    assert D(0) <= total <= D(100)
