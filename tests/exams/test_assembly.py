"""Paper assembly (app.exams.assembly.draw_paper) on synthetic pools, without the app: no repeats (by
question and by content across banks, a property over 1,000 papers), counts per rule, seeded
reproducibility, option shuffling and the letter rule, balanced difficulty, exposure control — and, with
the app, the shipped law bank: 30 papers of a 50-question exam stay within ±0.3 of the target, and a
course holding the bank twice never gives a paper the same question twice."""

import csv
import io
import random
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.banks.identity import text_key
from app.banks.models import QuestionVersion
from app.core.roles import Role
from app.exams.assembly import TOLERANCE, PoolTooSmall, RuleDraw, draw_paper, option_order, target_difficulty
from app.exams.pools import PoolQuestion
from app.extensions import db
from tests import factories

LAW = Path(__file__).resolve().parents[2] / "question_banks" / "law" / "law.csv"
TYPES = ("single", "multiple", "true_false", "fill_blank", "short_answer")
TYPE_WORDS = ("单选题", "多选题", "判断题", "填空题", "简答题")  # the stems of factories.exam_drafts
OPTIONS = {"single": 4, "multiple": 5, "true_false": 0, "fill_blank": 0, "short_answer": 0}


def make_pool(size: int, *, start: int = 1, type_: str = "single", difficulties=None, rng=None) -> list[PoolQuestion]:
    """`size` questions with ids from `start`, each its own content; difficulties given, or random 1–5."""
    rng = rng or random.Random(size * 7 + start)
    levels = difficulties or [rng.randint(1, 5) for _ in range(size)]
    return [PoolQuestion(question_id=start + n, version_id=10_000 + start + n, type=type_, difficulty=levels[n],
                         points=Decimal(2), options=OPTIONS[type_], identity=f"content-{start + n}")
            for n in range(size)]


def copy_of(question: PoolQuestion, question_id: int, **changes) -> PoolQuestion:
    """The same content as `question` under another question id (as in another bank)."""
    return replace(question, question_id=question_id, version_id=20_000 + question_id, **changes)


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


# --- The same question in several banks ---------------------------------------------------------

def overlapping_banks():
    """Bank A: 30 questions; bank B: copies of A's first 20 (other ids) and 5 of its own."""
    bank_a = make_pool(30, start=1)
    bank_b = [copy_of(q, 101 + n) for n, q in enumerate(bank_a[:20])] + make_pool(5, start=200)
    return bank_a, bank_b


def identities(items, pools) -> list[str]:
    by_id = {q.question_id: q.identity for pool in pools for q in pool}
    return [by_id[item.question_id] for item in items]


def test_a_paper_never_holds_a_question_and_its_copy_from_another_bank():
    bank_a, bank_b = overlapping_banks()
    course = sorted(bank_a + bank_b, key=lambda q: q.question_id)
    rules = [RuleDraw(bank_a, 10), RuleDraw(bank_b, 10), RuleDraw(course, 15)]  # 35 distinct contents in all
    for seed in range(100):
        items = draw_paper(rules, [], seed=seed)
        assert len(items) == 35
        assert len(set(identities(items, [course]))) == 35, seed


def test_copies_count_once_in_what_a_rule_may_draw():
    bank_a, bank_b = overlapping_banks()
    course = sorted(bank_a + bank_b, key=lambda q: q.question_id)
    assert len(draw_paper([RuleDraw(course, 35)], [], seed=1)) == 35
    with pytest.raises(PoolTooSmall) as raised:
        draw_paper([RuleDraw(course, 36)], [], seed=1)
    assert (raised.value.needed, raised.value.available) == (36, 35)


def test_a_copy_of_a_fixed_question_is_never_drawn_and_a_repeated_fixed_question_is_left_off():
    bank_a, bank_b = overlapping_banks()
    fixed = [(bank_a[0], Decimal(5)), (bank_b[0], None)]  # bank_b[0] is a copy of bank_a[0]
    for seed in range(30):
        items = draw_paper([RuleDraw(bank_b, 24)], fixed, seed=seed)  # bank B minus the copy: 24 contents
        ids = {item.question_id for item in items}
        assert bank_a[0].question_id in ids and bank_b[0].question_id not in ids and len(items) == 25


def test_the_swaps_that_balance_difficulty_never_bring_in_a_copy():
    easy = make_pool(20, start=1, difficulties=[1] * 20)
    hard = make_pool(20, start=100, difficulties=[5] * 20)
    copies = [copy_of(q, 300 + n) for n, q in enumerate(easy + hard)]
    course = easy + hard + copies
    for seed in range(100):
        items = draw_paper([RuleDraw(hard, 8), RuleDraw(course, 12)], [], seed=seed)
        assert len(set(identities(items, [course]))) == 20
        assert abs(mean_difficulty(items) - target_difficulty([RuleDraw(hard, 8), RuleDraw(course, 12)], [])) \
            <= TOLERANCE + 1e-9


def test_exposure_control_takes_the_unused_copy_of_a_question():
    used = make_pool(10, start=1)
    fresh_copies = [copy_of(q, 50 + n) for n, q in enumerate(used)]
    pool = sorted(used + fresh_copies, key=lambda q: q.question_id)
    for seed in range(20):
        items = draw_paper([RuleDraw(pool, 10)], [], seed=seed, exposed={q.question_id for q in used})
        assert {item.question_id for item in items} == {q.question_id for q in fresh_copies}


# --- The letter rule ---------------------------------------------------------------------------

def test_questions_under_the_letter_rule_keep_their_options_in_the_order_written():
    kept = [replace(q, keep_order=True) for q in make_pool(20, start=1, type_="multiple")]
    shuffled = make_pool(20, start=100, type_="multiple")
    moved = 0
    for seed in range(20):
        for item in draw_paper([RuleDraw(kept, 10), RuleDraw(shuffled, 10)], [], seed=seed):
            if item.question_id < 100:
                assert item.option_order == [0, 1, 2, 3, 4]
            else:
                moved += item.option_order != [0, 1, 2, 3, 4]
    assert moved > 100


def test_option_order_shuffles_only_choice_questions_not_kept_in_order():
    rng = random.Random(5)
    assert option_order("true_false", 0, False, rng) == []
    assert option_order("single", 6, True, rng) == list(range(6))
    assert sorted(option_order("single", 6, False, rng)) == list(range(6))
    assert any(option_order("multiple", 6, False, rng) != list(range(6)) for _ in range(5))


# --- Property: 1,000 papers from course-wide rules over overlapping banks ------------------------

class Course:
    """A generated course (a plain class, so Hypothesis prints it with the compact repr below)."""

    def __init__(self, questions: list[PoolQuestion], rules: list[RuleDraw], fixed: list, exposed: set[int]):
        self.questions, self.rules, self.fixed, self.exposed = questions, rules, fixed, exposed

    def __repr__(self) -> str:  # compact, so a counterexample can be read
        questions = " ".join(f"{q.question_id}:{q.identity[8:]}{q.type[0]}{q.difficulty}{'k' if q.keep_order else ''}"
                             for q in self.questions)
        rules = [(sorted(q.question_id for q in rule.pool), rule.count) for rule in self.rules]
        fixed = [q.question_id for q, _points in self.fixed]
        return f"Course(questions={questions!r}, rules={rules}, fixed={fixed}, exposed={sorted(self.exposed)})"


@st.composite
def overlapping_course(draw):
    """Up to 60 contents spread over 2–4 banks (a content may sit in several banks, or twice in one), rules by
    bank or over the whole course, by type or not, up to two fixed questions and some used questions."""
    size = draw(st.integers(10, 60))
    banks = draw(st.integers(2, 4))
    questions, bank_of = [], {}
    for content in range(size):
        kind = draw(st.sampled_from(("single", "multiple", "true_false")))
        level = draw(st.integers(1, 5))
        keep = draw(st.booleans())
        for bank in draw(st.lists(st.integers(0, banks - 1), min_size=1, max_size=banks + 1)):
            question_id = len(questions) + 1
            questions.append(PoolQuestion(question_id, 10_000 + question_id, kind, level, Decimal(2), OPTIONS[kind],
                                          f"content-{content}", keep))
            bank_of[question_id] = bank
    rules = []
    for _ in range(draw(st.integers(1, 4))):
        bank = draw(st.none() | st.integers(0, banks - 1))
        kind = draw(st.none() | st.sampled_from(("single", "multiple", "true_false")))
        pool = [q for q in questions if (bank is None or bank_of[q.question_id] == bank) and kind in (None, q.type)]
        distinct = len({q.identity for q in pool})
        rules.append(RuleDraw(pool, draw(st.integers(0, distinct))))
    fixed = [(q, None) for q in draw(st.lists(st.sampled_from(questions), max_size=2))]
    exposed = set(draw(st.lists(st.sampled_from([q.question_id for q in questions]), max_size=size)))
    return Course(questions, rules, fixed, exposed)


PAPERS_PER_COURSE = 10


@settings(max_examples=100, deadline=None)  # 100 courses × 10 seeds = 1,000 papers
@given(course=overlapping_course(), first_seed=st.integers(0, 2**31 - 1))
def test_no_paper_of_a_thousand_holds_the_same_question_twice(course, first_seed):
    questions, rules, fixed, exposed = course.questions, course.rules, course.fixed, course.exposed
    by_id = {q.question_id: q for q in questions}
    fixed_contents = len({q.identity for q, _points in fixed})
    for seed in range(first_seed, first_seed + PAPERS_PER_COURSE):
        try:
            items = draw_paper(rules, fixed, seed=seed, exposed=exposed)
        except PoolTooSmall as too_small:
            # Only when fixed questions and earlier rules really left the rule too few contents.
            rule = rules[too_small.rule_index]
            earlier = sum(r.count for r in rules[:too_small.rule_index])
            distinct = len({q.identity for q in rule.pool})
            assert too_small.available < too_small.needed == rule.count
            assert too_small.available >= distinct - fixed_contents - earlier
            continue
        contents = [by_id[item.question_id].identity for item in items]
        assert len(contents) == len(set(contents)) == fixed_contents + sum(rule.count for rule in rules)
        assert draw_paper(rules, fixed, seed=seed, exposed=exposed) == items  # reproducible by seed
        for item in items:
            question = by_id[item.question_id]
            assert sorted(item.option_order) == list(range(question.options))
            if question.keep_order:
                assert item.option_order == list(range(question.options))


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


def test_a_course_holding_the_law_bank_twice_never_gives_a_paper_the_same_question_twice(users):
    """The issue's case: law.csv imported again as a second bank (a copy without the file's IDs: an ID names
    one question of the course); a rule drawing 30 from the whole course."""
    from app.banks.importing import import_bank, read_bank_file
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.pools import RuleFilter, pool

    ensure_courses()
    law = find_course("law")
    rows = list(csv.reader(io.StringIO(LAW.read_text(encoding="utf-8"), newline="")))
    assert rows[0][0] == "编号"
    copy = io.StringIO()
    csv.writer(copy).writerows(row[1:] for row in rows)
    for name, data in (("law", LAW.read_bytes()), ("law (again)", copy.getvalue().encode())):
        import_bank(users[Role.TRAINER], law, name, read_bank_file(data, LAW.name), now=utcnow(), ip="t")
    course_wide = pool(law.id, RuleFilter())
    contents = {q.identity for q in course_wide}
    assert len(course_wide) == 2 * len(contents)  # every question is there twice
    stems = {q.version_id: v.stem for q in course_wide
             for v in [db.session.get(QuestionVersion, q.version_id)]}
    for seed in range(50):
        items = draw_paper([RuleDraw(course_wide, 30)], [], seed=seed)
        assert len({item.question_id for item in items}) == 30
        assert len({text_key(stems[item.version_id]) for item in items}) == 30, seed


def test_a_copy_in_another_bank_of_a_question_an_earlier_exam_used_counts_as_used(users):
    from datetime import UTC, datetime, timedelta

    from app.exams.attempts import start_attempt
    from app.exams.pools import RuleFilter, exposed_question_ids, rule_report

    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    now = datetime.now(UTC)
    first = factories.make_exam_bank(trainer, per_type=1)
    second = factories.make_exam_bank(trainer, per_type=2)  # the first bank's five contents, and five more
    earlier = factories.make_exam(trainer, first.bank, audience=[collector], now=now)
    later = factories.make_exam(trainer, second.bank, now=now, opens_at=now + timedelta(hours=1),
                                closes_at=now + timedelta(hours=5), status="draft")
    start_attempt(collector, earlier, now=now, ip="t")
    exposed = exposed_question_ids(later)
    assert {q.id for q in first.questions} <= exposed
    copies = {q.id for q in second.questions if q.current.stem.startswith(tuple(f"{t}0" for t in TYPE_WORDS))}
    assert len(copies) == 5 and copies <= exposed
    assert not {q.id for q in second.questions} - copies & exposed
    report = rule_report(later, RuleFilter(), 10, exposed)  # the course: 10 contents, 15 questions
    assert (report.size, report.unexposed) == (10, 5)
