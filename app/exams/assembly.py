"""Drawing one candidate's paper from a blueprint: seeded, no repeats, balanced difficulty, shuffled.

Pure functions over pools (no database), so the draw can be tested on its own:

    plan = draw_paper(rules, fixed, seed=…, exposed=…)

- Each rule draws `count` distinct questions from its pool, never one already on the paper. With
  exposure control the rule draws from questions no earlier exam used; when too few are left it takes
  all of them and as few used questions as the count needs.
- Difficulty: the blueprint's difficulty is the mean a uniform draw would give (the pools' means
  weighted by counts, fixed questions included). After the random draw, swaps within a rule's pool
  move the paper's mean towards it until it is within `TOLERANCE` (±0.3) or no swap helps.
- Question order and, for choice questions, option order are shuffled with the same seed and stored.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from app.exams.pools import PoolQuestion

TOLERANCE = 0.3
MAX_SWAPS = 500


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


def target_difficulty(rules: list[RuleDraw], fixed: list[tuple[PoolQuestion, Decimal | None]]) -> float:
    """The mean difficulty a uniform draw by this blueprint would have."""
    total = sum(question.difficulty for question, _points in fixed)
    count = len(fixed)
    for rule in rules:
        if rule.pool:
            total += rule.count * sum(q.difficulty for q in rule.pool) / len(rule.pool)
            count += rule.count
    return total / count if count else 0.0


def _draw(rule: RuleDraw, taken: set[int], exposed: set[int], rng: random.Random, index: int):
    """(picked, the questions swaps may use): unexposed questions only when there are enough; otherwise
    every unexposed question plus as few used ones as the count needs, and swaps stay among the used."""
    free = [q for q in rule.pool if q.question_id not in taken]
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
    taken = {question.question_id for question, _points in fixed}
    drawn: list[list[PoolQuestion]] = []
    allowed: list[list[PoolQuestion]] = []
    for index, rule in enumerate(rules):
        picked, swappable = _draw(rule, taken, set(exposed), rng, index)
        taken.update(q.question_id for q in picked)
        drawn.append(picked)
        allowed.append(swappable)

    _balance(drawn, allowed, fixed, target_difficulty(rules, fixed), tolerance, rng)

    entries: list[tuple[PoolQuestion, Decimal]] = [(q, points or q.points) for q, points in fixed]
    for rule, picked in zip(rules, drawn, strict=True):
        entries.extend((q, rule.points_each or q.points) for q in picked)
    rng.shuffle(entries)
    items = []
    for position, (question, points) in enumerate(entries, start=1):
        order = list(range(question.options))
        if question.type in ("single", "multiple"):
            rng.shuffle(order)
        items.append(PlannedItem(position, question.question_id, question.version_id, points,
                                 question.difficulty, order))
    return items


def _balance(drawn, allowed, fixed, target: float, tolerance: float, rng: random.Random) -> None:
    """Swap drawn questions for unused ones of the same rule while that brings the mean closer to target."""
    count = len(fixed) + sum(len(picked) for picked in drawn)
    if not count:
        return
    total = sum(q.difficulty for q, _p in fixed) + sum(q.difficulty for picked in drawn for q in picked)
    for _ in range(MAX_SWAPS):
        gap = total / count - target
        if abs(gap) <= tolerance:
            return
        best = None  # (new |gap|, rule index, position in drawn, replacement)
        for r, picked in enumerate(drawn):
            used = {q.question_id for p in drawn for q in p}
            spare = [q for q in allowed[r] if q.question_id not in used]
            if not spare:
                continue
            # Moving towards the target means taking out the most extreme swappable question on the wrong side.
            swappable = {q.question_id for q in allowed[r]}
            movable = [i for i in range(len(picked)) if picked[i].question_id in swappable]
            if not movable:
                continue
            out_index = max(movable, key=lambda i: picked[i].difficulty * (1 if gap > 0 else -1))
            out = picked[out_index]
            replacement = min(spare, key=lambda q: q.difficulty * (1 if gap > 0 else -1))
            new_gap = abs((total - out.difficulty + replacement.difficulty) / count - target)
            if new_gap < abs(gap) and (best is None or new_gap < best[0]):
                best = (new_gap, r, out_index, replacement)
        if best is None:
            return
        _gap, r, out_index, replacement = best
        same = [q for q in allowed[r] if q.difficulty == replacement.difficulty
                and q.question_id not in {x.question_id for p in drawn for x in p}]
        replacement = rng.choice(same)  # any question of that difficulty, so papers still differ
        total += replacement.difficulty - drawn[r][out_index].difficulty
        drawn[r][out_index] = replacement
