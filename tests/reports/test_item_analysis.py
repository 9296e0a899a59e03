"""The item-analysis services on a small exam made with the factories (see items_support for the scores)."""

import pytest

from app.core.roles import Role
from app.exams import regrades
from app.extensions import db
from app.reports import item_stats
from app.reports.item_analysis import analyse_exam, analyse_question, exams_using
from tests.exams.marking_support import LATER, item_of, revise, sit
from tests.reports.items_support import candidates, objective_exam, sit_all


@pytest.fixture
def graded(users, org):
    trainer = users[Role.TRAINER]
    people = candidates(org, 5)
    exam, bank, questions = objective_exam(trainer, people)
    attempts = sit_all(exam, people[:4])
    sit(people[4], exam, {"single": 1}, submit=False)  # still writing: not analysed
    return trainer, exam, bank, questions, attempts


def rows_by_type(result):
    return {row.version.type: row for row in result.rows}


def test_exam_analysis_reads_graded_attempts_only(graded):
    _trainer, exam, *_ = graded
    result = analyse_exam(exam, min_sample=4)
    assert result.analysis.attempts == 4 and not result.analysis.small_sample
    rows = rows_by_type(result)
    assert list(rows) == ["single", "multiple", "true_false", "fill_blank"]  # by question id
    # facility: single 2/4, multiple 2/4, true/false 2/4, fill (1 + ½)/4 = 0.375
    assert [rows[t].stats.facility for t in rows] == pytest.approx([0.5, 0.5, 0.5, 0.375])
    # groups of 1 (27% of 4 = 1.08): upper c1 (8), lower c4 (0) → every question D = 1
    assert [rows[t].stats.discrimination for t in rows] == pytest.approx([1, 1, 1, 1])


def test_option_shares_are_in_the_original_order_whatever_the_papers_showed(graded):
    # Each paper stores its own shuffled order; tests.exams.marking_support.sit answered by original option.
    _trainer, exam, _bank, _questions, attempts = graded
    assert all(sorted(item_of(a, "single").option_order) == [0, 1, 2, 3] for a in attempts)
    rows = rows_by_type(analyse_exam(exam, min_sample=1))
    single = rows["single"].stats
    # chosen (original): B, B, C, D → A 0, B ½, C ¼, D ¼; key B
    assert [o.share for o in single.options] == pytest.approx([0, 0.5, 0.25, 0.25])
    assert [o.key for o in single.options] == [False, True, False, False]
    multiple = rows["multiple"].stats
    # A C, A, A C, B → A ¾, B ¼, C ½, D 0
    assert [o.share for o in multiple.options] == pytest.approx([0.75, 0.25, 0.5, 0])
    true_false = rows["true_false"].stats
    assert [(o.share, o.key) for o in true_false.options] == [(0.5, True), (0.5, False)]
    assert rows["fill_blank"].stats.options == ()


def test_reliability_is_alpha_when_a_question_gives_partial_credit(graded):
    # item variances 1, 1, 1, 0.6875 (fill: 2 1 0 0); totals 8 5 2 0 → variance 23.25 − 3.75² = 9.1875
    # alpha = 4/3 · (1 − 3.6875/9.1875) = 0.798186
    _trainer, exam, *_ = graded
    reliability = analyse_exam(exam, min_sample=1).analysis.reliability
    assert reliability.method == item_stats.ALPHA
    assert reliability.value == pytest.approx(0.798186, abs=1e-6)
    assert reliability.items == 4


def test_a_small_sample_is_warned_about(graded, app):
    _trainer, exam, *_ = graded
    assert app.config["ITEM_ANALYSIS_MIN_SAMPLE"] == 30
    result = analyse_exam(exam, min_sample=30)
    assert result.analysis.small_sample
    assert all(item_stats.FEW_ANSWERS in row.stats.flags for row in result.rows)


def test_a_voided_question_counts_full_points_and_leaves_the_reliability(graded):
    trainer, exam, _bank, _questions, attempts = graded
    version = item_of(attempts[0], "true_false").version
    regrades.apply_regrade(trainer, exam, version, "void", reason="题目有歧义", now=LATER, ip="t")
    db.session.commit()
    result = analyse_exam(exam, min_sample=1)
    row = rows_by_type(result)["true_false"]
    assert row.regrade.action == "void" and row.stats.voided and row.stats.facility == 1
    assert row.stats.flags == ()
    assert result.analysis.reliability.items == 3


def test_a_rekeyed_question_is_analysed_with_the_corrected_key(graded):
    trainer, exam, _bank, questions, attempts = graded
    version = item_of(attempts[0], "single").version
    revise(trainer, questions["single"], correct={2})
    regrades.apply_regrade(trainer, exam, version, "rekey", reason="答案录错", now=LATER, ip="t")
    db.session.commit()
    single = rows_by_type(analyse_exam(exam, min_sample=1))["single"]
    assert [o.key for o in single.stats.options] == [False, False, True, False]
    assert single.stats.facility == pytest.approx(0.25)  # only c3 chose C
    # the top candidate (c1: now 6 of 8) chose B, a distractor now
    assert item_stats.DISTRACTOR in single.stats.flags


def test_an_exam_without_graded_attempts_has_nothing_to_analyse(users, org):
    exam, *_ = objective_exam(users[Role.TRAINER], candidates(org, 1))
    result = analyse_exam(exam, min_sample=30)
    assert result.rows == () and result.analysis.attempts == 0
    assert result.analysis.reliability.value is None


def test_a_question_across_exams_per_exam_and_pooled(graded, org):
    trainer, first, bank, questions, _attempts = graded
    people = candidates(org, 2)
    second, *_ = objective_exam(trainer, people, bank=bank, title="第二次考试")
    sit(people[0], second, {"single": 1})
    sit(people[1], second, {"single": 0})
    question = questions["single"]
    exams = exams_using(question)
    assert {e.id for e in exams} == {first.id, second.id}
    result = analyse_question(question, exams, min_sample=1)
    by_exam = {use.exam.id: use for use in result.uses}
    assert by_exam[first.id].row.stats.facility == pytest.approx(0.5)
    assert by_exam[second.id].row.stats.facility == pytest.approx(0.5)
    assert by_exam[second.id].attempts == 2
    (pooled,) = result.pooled
    assert pooled.stats.n == 6 and pooled.stats.facility == pytest.approx(0.5)
    # pooled option shares: B 3/6, A 1/6, C 1/6, D 1/6
    assert [o.share for o in pooled.stats.options] == pytest.approx([1 / 6, 3 / 6, 1 / 6, 1 / 6])
    only_second = analyse_question(question, [second], min_sample=1)
    assert [use.exam.id for use in only_second.uses] == [second.id]


def test_point_biserial_uses_the_rest_of_each_paper(graded):
    # single: x = 1 1 0 0 (shares), rest = (8−2)/6, (5−2)/6, 2/6, 0/6 → ×6: 6 3 2 0 (mean 11/4)
    # dx = ½ ½ −½ −½; dy = 13/4 1/4 −3/4 −11/4; Σdx·dy = ½·(13/4 + 1/4 + 3/4 + 11/4) = ½ · 7 = 3.5
    # Σdx² = 1; Σdy² = (169 + 1 + 9 + 121)/16 = 18.75; r = 3.5/√18.75 = 0.808290
    _trainer, exam, *_ = graded
    single = rows_by_type(analyse_exam(exam, min_sample=1))["single"]
    assert single.stats.point_biserial == pytest.approx(0.808290, abs=1e-6)


def test_stored_responses_map_back_to_original_options_and_forged_positions_count_for_nothing():
    from app.reports.item_analysis import _mask

    single, multiple, true_false = ("single", 4), ("multiple", 4), ("true_false", 2)
    assert _mask(single, 0, [2, 0, 1, 3]) == 0b0100  # shown first: original C
    assert _mask(single, 1, []) == 0b0010  # no stored order: as written
    assert _mask(multiple, [0, 3], [2, 0, 1, 3]) == 0b1100  # C and D
    assert _mask(single, 9, [2, 0, 1, 3]) == 0 and _mask(single, -1, [2, 0, 1, 3]) == 0
    assert _mask(single, True, [0, 1, 2, 3]) == 0 and _mask(multiple, "0", [0, 1, 2, 3]) == 0
    assert (_mask(true_false, True, None), _mask(true_false, False, None), _mask(true_false, None, None)) == (1, 2, 0)
