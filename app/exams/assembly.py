"""Drawing one candidate's paper from a blueprint: seeded, no repeats, balanced difficulty, shuffled.

Pure functions over pools (no database), so the draw can be tested on its own:

    plan = draw_paper(rules, fixed, seed=…, exposed=…)

- A paper never holds the same question twice: not the same question id, and not two questions with the
  same identity (app.banks.identity: the same text, options and picture, in whatever bank). Copies of a
  question in several banks of the course count as one question: a rule draws `count` distinct
  identities, never one already on the paper (fixed questions first, then the rules in order), taking
  one copy of each (the first in question-id order; with exposure control, the first unused one). A
  fixed question repeating an earlier fixed one is left off (publishing refuses such a blueprint).
- With exposure control the rule draws from questions no earlier exam used; when too few are left it
  takes all of them and as few used questions as the count needs.
- Difficulty: the blueprint's difficulty is the mean a uniform draw would give (the pools' means
  weighted by counts, fixed questions included). After the random draw, swaps within a rule's pool
  move the paper's mean towards it until it is within `TOLERANCE` (±0.3) or no swap helps.
- Question order and, for choice questions, option order are shuffled with the same seed and stored —
  except the options of a question under the letter rule (`keep_order`, app.banks.letters), which stay
  in the order written. The same blueprint, pools and seed always give the same paper.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from app.banks import registry
from app.exams.pools import PoolQuestion

TOLERANCE = 0.3
MAX_SWAPS = 500
LEVELS = range(1, 6)


@dataclass(frozen=True)
class RuleDraw:
    pool: list[PoolQuestion]
    count: int
    points_each: Decimal | None = None


@dataclass(frozen=True)
class PlannedItem:
    position: int
    question_id: int
    version_id: int
    points: Decimal
    difficulty: int
    option_order: list[int]


class PoolTooSmall(Exception):
    """A rule cannot draw its count of distinct questions; `rule_index` says which (0-based)."""

    def __init__(self, rule_index: int, needed: int, available: int):
        super().__init__(f"rule {rule_index + 1} needs {needed} questions, {available} available")
        self.rule_index = rule_index
        self.needed = needed
        self.available = available


def option_order(question_type: str, options: int, keep_order: bool, rng: random.Random) -> list[int]:
    """Displayed position → option index: shuffled for choice questions, unless the letter rule keeps them."""
    order = list(range(options))
    if registry.get(question_type).has_options and not keep_order:
        rng.shuffle(order)
    return order


def target_difficulty(rules: list[RuleDraw], fixed: list[tuple[PoolQuestion, Decimal | None]]) -> float:
    """The mean difficulty a uniform draw by this blueprint would have."""
    total = sum(question.difficulty for question, _points in fixed)
    count = len(fixed)
    for rule in rules:
        if rule.pool:
            total += rule.count * sum(q.difficulty for q in rule.pool) / len(rule.pool)
            count += rule.count
    return total / count if count else 0.0


def _distinct(pool: list[PoolQuestion], taken: set[str], exposed) -> list[PoolQuestion]:
    """One question per identity not on the paper yet, in pool order: the first copy not exposed, else the first."""
    if exposed:
        chosen: dict[str, PoolQuestion] = {}
        for question in pool:
            if question.identity in taken:
                continue
            first = chosen.get(question.identity)
            if first is None or (first.question_id in exposed and question.question_id not in exposed):
                chosen[question.identity] = question
        return list(chosen.values())
    seen = set(taken)
    distinct = []
    for question in pool:
        if question.identity not in seen:
            seen.add(question.identity)
            distinct.append(question)
    return distinct


def _draw(rule: RuleDraw, taken: set[str], exposed, rng: random.Random, index: int):
    """(picked, the questions swaps may use): unexposed questions only when there are enough; otherwise
    every unexposed question plus as few used ones as the count needs, and swaps stay among the used."""
    free = _distinct(rule.pool, taken, exposed)
    if len(free) < rule.count:
        raise PoolTooSmall(index, rule.count, len(free))
    fresh = [q for q in free if q.question_id not in exposed]
    if len(fresh) >= rule.count:
        return rng.sample(fresh, rule.count), fresh
    used = [q for q in free if q.question_id in exposed]
    return fresh + rng.sample(used, rule.count - len(fresh)), used


def draw_paper(rules: list[RuleDraw], fixed: list[tuple[PoolQuestion, Decimal | None]], *, seed: int,
               exposed: set[int] | frozenset[int] = frozenset(), tolerance: float = TOLERANCE) -> list[PlannedItem]:
    rng = random.Random(seed)
    exposed = exposed if isinstance(exposed, (set, frozenset)) else set(exposed)
    taken: set[str] = set()
    distinct_fixed = []
    for question, points in fixed:
        if question.identity not in taken:
            taken.add(question.identity)
            distinct_fixed.append((question, points))
    drawn: list[list[PoolQuestion]] = []
    allowed: list[list[PoolQuestion]] = []
    for index, rule in enumerate(rules):
        picked, swappable = _draw(rule, taken, exposed, rng, index)
        taken.update(q.identity for q in picked)
        drawn.append(picked)
        allowed.append(swappable)

    _balance(drawn, allowed, distinct_fixed, taken, target_difficulty(rules, fixed), tolerance, rng)

    entries: list[tuple[PoolQuestion, Decimal]] = [(q, points or q.points) for q, points in distinct_fixed]
    for rule, picked in zip(rules, drawn, strict=True):
        entries.extend((q, rule.points_each or q.points) for q in picked)
    rng.shuffle(entries)
    return [PlannedItem(position, question.question_id, question.version_id, points, question.difficulty,
                        option_order(question.type, question.options, question.keep_order, rng))
            for position, (question, points) in enumerate(entries, start=1)]


def _by_level(questions: list[PoolQuestion]) -> dict[int, list[PoolQuestion]]:
    levels: dict[int, list[PoolQuestion]] = {level: [] for level in LEVELS}
    for question in questions:
        levels.setdefault(question.difficulty, []).append(question)
    return levels


def _balance(drawn, allowed, fixed, on_paper: set[str], target: float, tolerance: float,
             rng: random.Random) -> None:
    """Swap drawn questions for unused ones of the same rule while that brings the mean closer to target.

    `on_paper` holds the identities on the paper and is kept up to date, so a swap never brings in a
    question (or a copy of one) the paper already has."""
    count = len(fixed) + sum(len(picked) for picked in drawn)
    if not count:
        return
    total = sum(q.difficulty for q, _p in fixed) + sum(q.difficulty for picked in drawn for q in picked)
    if abs(total / count - target) <= tolerance:
        return  # most papers: nothing to swap, nothing to prepare
    # Per rule: its swappable questions by difficulty, so the best replacement is found without a scan.
    levels = [_by_level(questions) for questions in allowed]
    swappable = [{q.question_id for q in questions} for questions in allowed]
    for _ in range(MAX_SWAPS):
        gap = total / count - target
        if abs(gap) <= tolerance:
            return
        sign = 1 if gap > 0 else -1
        best = None  # (new |gap|, rule index, position in drawn, replacement level)
        for r, picked in enumerate(drawn):
            movable = [i for i in range(len(picked)) if picked[i].question_id in swappable[r]]
            if not movable:
                continue
            # Moving towards the target means taking out the most extreme swappable question on the wrong side
            # and bringing in the spare one furthest on the other side.
            out_index = max(movable, key=lambda i: picked[i].difficulty * sign)
            level = next((level for level in sorted(LEVELS, key=lambda v: v * sign)
                          if any(q.identity not in on_paper for q in levels[r][level])), None)
            if level is None:
                continue
            new_gap = abs((total - picked[out_index].difficulty + level) / count - target)
            if new_gap < abs(gap) and (best is None or new_gap < best[0]):
                best = (new_gap, r, out_index, level)
        if best is None:
            return
        _gap, r, out_index, level = best
        spare = [q for q in levels[r][level] if q.identity not in on_paper]
        replacement = rng.choice(spare)  # any question of that difficulty, so papers still differ
        out = drawn[r][out_index]
        on_paper.discard(out.identity)
        on_paper.add(replacement.identity)
        total += replacement.difficulty - out.difficulty
        drawn[r][out_index] = replacement
