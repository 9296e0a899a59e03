"""Paper assembly (app.exams.assembly.draw_paper) on synthetic pools, without the app: no repeats, counts
per rule, seeded reproducibility, option shuffling, balanced difficulty, exposure control — and one test
on the shipped law bank that 30 papers of a 50-question exam stay within ±0.3 of the target."""

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.exams.assembly import TOLERANCE, PoolTooSmall, RuleDraw, draw_paper, target_difficulty
from app.exams.pools import PoolQuestion

LAW = Path(__file__).resolve().parents[2] / "question_banks" / "law" / "law.csv"
TYPES = ("single", "multiple", "true_false", "fill_blank", "short_answer")
OPTIONS = {"single": 4, "multiple": 5, "true_false": 0, "fill_blank": 0, "short_answer": 0}


def make_pool(size: int, *, start: int = 1, type_: str = "single", difficulties=None, rng=None) -> list[PoolQuestion]:
    """`size` questions with ids from `start`; difficulties given, or random 1–5."""
    rng = rng or random.Random(size * 7 + start)
    levels = difficulties or [rng.randint(1, 5) for _ in range(size)]
    return [PoolQuestion(question_id=start + n, version_id=10_000 + start + n, type=type_, difficulty=levels[n],
                         points=Decimal(2), options=OPTIONS[type_]) for n in range(size)]


def realistic_rules(rng: random.Random) -> list[RuleDraw]:
    """50 questions from five pools of 100–300 questions with difficulties 1–5 (skewed like a real bank)."""
    counts = (20, 10, 10, 6, 4)
    rules, start = [], 1
    for type_, count in zip(TYPES, counts, strict=True):
        size = rng.randint(100, 300)
        levels = rng.choices([1, 2, 3, 4, 5], weights=rng.choice([(1, 3, 4, 2, 1), (2, 2, 2, 2, 2), (1, 1, 2, 4, 3)]),
                             k=size)
        rules.append(RuleDraw(make_pool(size, start=start, type_=type_, difficulties=levels), count))
        start += size
    return rules


def mean_difficulty(items) -> float:
    return sum(item.difficulty for item in items) / len(items)


# --- The draw ----------------------------------------------------------------------------------

def test_each_rule_draws_its_count_and_no_question_twice():
    shared = make_pool(30)  # two rules over the same pool must not pick the same question
    rules = [RuleDraw(shared, 10, Decimal(3)), RuleDraw(shared, 15), RuleDraw(make_pool(8, start=100), 8)]
    items = draw_paper(rules, [], seed=1)
    ids = [item.question_id for item in items]
    assert len(ids) == len(set(ids)) == 33
    assert sorted(item.position for item in items) == list(range(1, 34))
    from_last = [i for i in items if i.question_id >= 100]
    assert len(from_last) == 8
    assert Counter(item.points for item in items) == {Decimal(3): 10, Decimal(2): 23}


def test_fixed_questions_are_on_every_paper_with_their_points_and_never_drawn_again():
    pool = make_pool(12)
    fixed = [(pool[0], Decimal(5)), (pool[1], None)]
    for seed in range(20):
        items = draw_paper([RuleDraw(pool, 10)], fixed, seed=seed)
        by_id = {item.question_id: item for item in items}
        assert len(by_id) == 12
        assert by_id[pool[0].question_id].points == Decimal(5) and by_id[pool[1].question_id].points == Decimal(2)


def test_the_same_seed_draws_the_same_paper_and_other_seeds_differ():
    rules = realistic_rules(random.Random(3))
    first = draw_paper(rules, [], seed=42)
    assert draw_paper(rules, [], seed=42) == first
    papers = {tuple((i.question_id, tuple(i.option_order)) for i in draw_paper(rules, [], seed=s)) for s in range(10)}
    assert len(papers) == 10


def test_only_choice_questions_have_their_options_shuffled():
    rules = [RuleDraw(make_pool(40, type_=t, start=100 * n), 10) for n, t in enumerate(TYPES)]
    shuffled = 0
    for seed in range(5):
        for item in draw_paper(rules, [], seed=seed):
            options = 4 if item.question_id < 100 else (5 if item.question_id < 200 else 0)
            assert sorted(item.option_order) == list(range(options))
            if options == 0:
                assert item.option_order == []
            shuffled += item.option_order != sorted(item.option_order)
    assert shuffled > 0


def test_a_pool_too_small_names_the_rule():
    rules = [RuleDraw(make_pool(10), 5), RuleDraw(make_pool(3, start=50), 4)]
    with pytest.raises(PoolTooSmall) as raised:
        draw_paper(rules, [], seed=1)
    assert (raised.value.rule_index, raised.value.needed, raised.value.available) == (1, 4, 3)
    assert "rule 2" in str(raised.value)


def test_questions_taken_by_an_earlier_rule_shrink_a_later_rules_pool():
    shared = make_pool(10)
    with pytest.raises(PoolTooSmall) as raised:
        draw_paper([RuleDraw(shared, 6), RuleDraw(shared, 5)], [], seed=1)
    assert raised.value.rule_index == 1 and raised.value.available == 4


# --- Exposure control --------------------------------------------------------------------------

def test_exposure_control_draws_only_unexposed_questions_when_enough_remain():
    pool = make_pool(40)
    exposed = {q.question_id for q in pool[:25]}
    for seed in range(30):
        items = draw_paper([RuleDraw(pool, 15)], [], seed=seed, exposed=exposed)
        assert not {i.question_id for i in items} & exposed


def test_exposure_control_falls_back_to_the_whole_pool_when_too_few_are_unexposed():
    pool = make_pool(20)
    exposed = {q.question_id for q in pool[:15]}
    for seed in range(20):
        items = draw_paper([RuleDraw(pool, 8)], [], seed=seed, exposed=exposed)
        drawn = {i.question_id for i in items}
        assert len(drawn) == 8
        # every unexposed question first, then only as many used ones as the count needs
        assert {q.question_id for q in pool[15:]} <= drawn and len(drawn & exposed) == 3
    with pytest.raises(PoolTooSmall):
        draw_paper([RuleDraw(pool, 21)], [], seed=5, exposed=exposed)


# --- Balanced difficulty -----------------------------------------------------------------------

def test_target_difficulty_is_the_count_weighted_mean_of_the_pools():
    easy, hard = make_pool(10, difficulties=[1] * 10), make_pool(10, start=20, difficulties=[5] * 10)
    fixed = [(make_pool(1, start=50, difficulties=[3])[0], None)]
    assert target_difficulty([RuleDraw(easy, 3), RuleDraw(hard, 1)], fixed) == pytest.approx((3 + 5 + 3) / 5)
    assert target_difficulty([], []) == 0.0


@pytest.mark.parametrize("pool_seed", range(8))
def test_papers_of_a_realistic_blueprint_stay_within_tolerance_of_the_target(pool_seed):
    rules = realistic_rules(random.Random(pool_seed))
    aim = target_difficulty(rules, [])
    for seed in range(40):
        items = draw_paper(rules, [], seed=seed)
        assert len(items) == 50
        assert abs(mean_difficulty(items) - aim) <= TOLERANCE + 1e-9, (pool_seed, seed)


@settings(max_examples=60, deadline=None)
@given(levels=st.lists(st.integers(1, 5), min_size=100, max_size=300), count=st.integers(20, 50),
       seed=st.integers(0, 2**31 - 1))
def test_any_pool_of_100_to_300_questions_gives_a_balanced_paper(levels, count, seed):
    rules = [RuleDraw(make_pool(len(levels), difficulties=levels), count)]
    items = draw_paper(rules, [], seed=seed)
    assert len({i.question_id for i in items}) == count
    assert abs(mean_difficulty(items) - target_difficulty(rules, [])) <= TOLERANCE + 1e-9


def test_an_unbalanced_random_draw_is_moved_towards_the_target():
    # Half the pool is 1, half is 5: a paper of 10 must end close to 3, whatever the seed.
    pool = make_pool(40, difficulties=[1] * 20 + [5] * 20)
    for seed in range(100):
        assert abs(mean_difficulty(draw_paper([RuleDraw(pool, 10)], [], seed=seed)) - 3) <= TOLERANCE + 1e-9


# --- The shipped bank ------------------------------------------------------------------------

def test_thirty_papers_of_a_fifty_question_exam_from_the_law_bank_are_balanced(users):
    from app.accounts.roles import Role
    from app.banks.formats.table import parse_table
    from app.banks.services import add_questions, create_bank
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.pools import RuleFilter, pool

    drafts, issues = parse_table(LAW.read_bytes(), LAW.name)
    assert not issues
    ensure_courses()
    bank = create_bank(users[Role.TRAINER], find_course("law"), "法规", now=utcnow(), ip="t")
    add_questions(users[Role.TRAINER], bank, drafts, now=utcnow())
    blueprint = {"single": 20, "true_false": 15, "multiple": 8, "fill_blank": 5, "short_answer": 2}
    rules = [RuleDraw(pool(bank.course_id, RuleFilter(bank_id=bank.id, type=type_)), count)
             for type_, count in blueprint.items()]
    aim = target_difficulty(rules, [])
    means = [mean_difficulty(draw_paper(rules, [], seed=seed)) for seed in range(30)]
    assert all(abs(mean - aim) <= TOLERANCE + 1e-9 for mean in means), (aim, min(means), max(means))
