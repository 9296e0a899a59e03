"""Item statistics of an exam: plain data in, frozen dataclasses out (no Flask, no database).

Vocabulary. An *item* is one question version as candidates saw it (its options and key); a *response* is
one item on one candidate's paper with its score, the item's points and, for choice items, the options the
candidate chose as a bit mask of ORIGINAL option indexes (bit i = option i; true/false: bit 0 = true, bit 1 =
false; 0 = no answer). The caller maps displayed positions back through each paper's stored option order.

Per item, over the attempts whose paper carried it (papers are drawn at random, so each item has its own
sample):

- facility index p = mean of score / points (0 … 1);
- discrimination D = p(upper) − p(lower), the groups being the top and bottom 27% of those candidates by
  their paper's total share (score / max score), at least one candidate each, ties broken by attempt id;
- point-biserial r = Pearson correlation of the item share with the share the candidate got on the *other*
  items of the paper (corrected item–rest correlation, so the item does not correlate with itself); for
  items with partial credit this is the same formula (item–rest Pearson correlation);
- for choice items, the share of candidates choosing each option, overall and in the upper and lower
  groups (multiple choice: each option's share of candidates who ticked it, so shares add up to more than 1);
- flags, as codes the pages put into words: TOO_EASY (p > 0.9), TOO_HARD (p < 0.2), LOW_DISCRIMINATION
  (D < 0.2), DISTRACTOR (a wrong option the upper group chooses more often than the key — for multiple choice,
  more often than the least-chosen correct option), FEW_ANSWERS (fewer responses than the minimum sample).
  A voided item (everyone got full points) gets no flag.

Totals. `analyse_test` sums each attempt's responses; `analyse_items` takes the totals (score, max score) of
each attempt from the caller, so one question can be analysed without loading every other item of the papers.

Test reliability: see `reliability`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

GROUP_SHARE = 0.27
EASY_ABOVE = 0.9
HARD_BELOW = 0.2
LOW_DISCRIMINATION_BELOW = 0.2

TOO_EASY = "too_easy"
TOO_HARD = "too_hard"
LOW_DISCRIMINATION = "low_discrimination"
DISTRACTOR = "distractor"
FEW_ANSWERS = "few_answers"

KR20 = "kr20"
ALPHA = "alpha"
FEW_COMMON_ITEMS = "few_common_items"
NO_VARIANCE = "no_variance"

_EPSILON = 1e-9


@dataclass(frozen=True)
class ItemInfo:
    """What the analysis needs to know about an item besides its responses."""

    options: int = 0  # choice options (true/false: 2, true then false); 0 = not a choice item
    key: frozenset[int] = frozenset()  # original indexes of the correct options
    voided: bool = False  # a regrade gave everyone full points


@dataclass
class Responses:
    """Responses in columns (fast to build for half a million rows): one entry per item on a paper."""

    attempt: list[int] = field(default_factory=list)
    item: list[int] = field(default_factory=list)
    score: list[float] = field(default_factory=list)
    points: list[float] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)  # bit mask of original option indexes; 0 = none

    def add(self, attempt: int, item: int, score: float, points: float, chosen: Iterable[int] = ()) -> None:
        self.attempt.append(attempt)
        self.item.append(item)
        self.score.append(float(score))
        self.points.append(float(points))
        self.chosen.append(mask_of(chosen))

    def __len__(self) -> int:
        return len(self.attempt)


def mask_of(indexes: Iterable[int]) -> int:
    """{0, 2} → 0b101."""
    mask = 0
    for index in indexes:
        mask |= 1 << index
    return mask


@dataclass(frozen=True)
class OptionStats:
    index: int  # original option index (true/false: 0 = true, 1 = false)
    key: bool
    share: float  # of all candidates who had the item
    upper: float | None  # of the upper group (None: no groups)
    lower: float | None
    preferred_by_upper: bool  # a distractor the upper group chooses more often than the key


@dataclass(frozen=True)
class ItemStats:
    item: int
    n: int  # responses (attempts whose paper carried the item)
    facility: float | None
    discrimination: float | None  # upper − lower 27%
    point_biserial: float | None  # item vs. rest of the paper
    group_size: int  # candidates in each of the upper and lower groups
    options: tuple[OptionStats, ...]
    unanswered: float | None  # choice items: share who chose nothing
    dichotomous: bool  # every score was 0 or full points
    voided: bool
    flags: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return any(flag != FEW_ANSWERS for flag in self.flags)


@dataclass(frozen=True)
class Reliability:
    method: str | None  # KR20, ALPHA, or None when it cannot be computed
    value: float | None
    items: int  # items common to every paper (and not voided) it was computed over
    attempts: int
    reason: str | None = None  # FEW_COMMON_ITEMS or NO_VARIANCE when value is None


@dataclass(frozen=True)
class TestAnalysis:
    attempts: int
    items: tuple[ItemStats, ...]
    reliability: Reliability
    min_sample: int

    @property
    def small_sample(self) -> bool:
        return self.attempts < self.min_sample

    @property
    def flagged(self) -> int:
        return sum(item.flagged for item in self.items)


# --- Entry points -------------------------------------------------------------------------------

def analyse_test(responses: Responses, items: Mapping[int, ItemInfo], *, min_sample: int) -> TestAnalysis:
    """Every item of one exam, each attempt's total summed from its responses, and the test's reliability.

    Items come out in the order of `items`, then any other item met in the responses (by id)."""
    columns = _Columns.of(responses)
    totals_score = np.bincount(columns.attempt, weights=columns.score, minlength=columns.attempts)
    totals_points = np.bincount(columns.attempt, weights=columns.points, minlength=columns.attempts)
    rows = _rows_by_item(columns)
    stats = _all_items(columns, rows, items, totals_score, totals_points, min_sample)
    return TestAnalysis(attempts=columns.attempts, items=stats, reliability=_reliability(columns, rows, items),
                        min_sample=min_sample)


def analyse_items(responses: Responses, items: Mapping[int, ItemInfo], *,
                  totals: Mapping[int, tuple[float, float]], min_sample: int) -> tuple[ItemStats, ...]:
    """Item statistics with each attempt's (score, max score) given by the caller (every attempt in the
    responses must have one); shares make attempts of different exams comparable when pooling."""
    columns = _Columns.of(responses)
    totals_score = np.array([float(totals[a][0]) for a in columns.attempt_ids], dtype=float)
    totals_points = np.array([float(totals[a][1]) for a in columns.attempt_ids], dtype=float)
    return _all_items(columns, _rows_by_item(columns), items, totals_score, totals_points, min_sample)


def reliability(responses: Responses, items: Mapping[int, ItemInfo] | None = None) -> Reliability:
    """KR-20 when every item scored is dichotomous (0 or full points), else Cronbach's alpha.

    Both need the same items for every candidate, but papers are drawn at random, so the statistic is
    computed over the items common to every paper (fixed questions, or rules that draw a whole pool),
    leaving voided items out. Filling the gaps (treating an item a candidate never saw as wrong, or
    imputing a score) would invent answers and bias the figure; computing one coefficient per distinct
    paper would leave samples of one. With fewer than two common items the value is None (reason
    FEW_COMMON_ITEMS), and the page says so, together with how many items it covered.

    KR-20 = k/(k−1) · (1 − Σ p·q / σ²), with item scores 0/1 and σ² the variance of the number right;
    alpha = k/(k−1) · (1 − Σ σ²ᵢ / σ²), with item scores in points and σ² the variance of their total;
    population variances (divided by N) throughout; with dichotomous items the two agree.
    """
    columns = _Columns.of(responses)
    return _reliability(columns, _rows_by_item(columns), items or {})


# --- The work -----------------------------------------------------------------------------------

@dataclass
class _Columns:
    attempt: np.ndarray  # index into attempt_ids
    attempt_ids: np.ndarray
    item: np.ndarray  # item id
    score: np.ndarray
    points: np.ndarray
    chosen: np.ndarray

    @property
    def attempts(self) -> int:
        return len(self.attempt_ids)

    @classmethod
    def of(cls, responses: Responses) -> "_Columns":
        attempt_ids, attempt = np.unique(np.asarray(responses.attempt, dtype=np.int64), return_inverse=True)
        return cls(attempt=attempt.reshape(-1), attempt_ids=attempt_ids,
                   item=np.asarray(responses.item, dtype=np.int64),
                   score=np.asarray(responses.score, dtype=float), points=np.asarray(responses.points, dtype=float),
                   chosen=np.asarray(responses.chosen, dtype=np.int64))


def _rows_by_item(columns: _Columns) -> dict[int, np.ndarray]:
    """Row numbers of each item's responses."""
    if not len(columns.item):
        return {}
    order = np.argsort(columns.item, kind="stable")
    ids, starts = np.unique(columns.item[order], return_index=True)
    return {int(item): rows for item, rows in zip(ids, np.split(order, starts[1:]), strict=True)}


def _all_items(columns, rows, items, totals_score, totals_points, min_sample) -> tuple[ItemStats, ...]:
    ordered = [item for item in items if item in rows] + sorted(item for item in rows if item not in items)
    return tuple(_item(columns, item, rows[item], items.get(item, ItemInfo()), totals_score, totals_points,
                       min_sample) for item in ordered)


def _share(scores: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.divide(scores, points, out=np.zeros_like(scores), where=points > 0)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx < _EPSILON or syy < _EPSILON:
        return None
    return float(dx @ dy) / (sxx * syy) ** 0.5


def _item(columns, item, rows, info, totals_score, totals_points, min_sample) -> ItemStats:
    n = len(rows)
    score, points, attempt = columns.score[rows], columns.points[rows], columns.attempt[rows]
    share = _share(score, points)
    dichotomous = bool(np.all((np.abs(share) < _EPSILON) | (np.abs(share - 1) < _EPSILON)))
    facility = float(share.mean())

    # Item–rest correlation: the share of the other items of the same paper.
    rest_points = totals_points[attempt] - points
    has_rest = rest_points > _EPSILON
    rest = (totals_score[attempt][has_rest] - score[has_rest]) / rest_points[has_rest]
    point_biserial = _pearson(share[has_rest], rest)

    # Upper and lower 27% by the paper's total share; ties broken by attempt id.
    total_share = _share(totals_score[attempt], totals_points[attempt])
    ranked = np.lexsort((columns.attempt_ids[attempt], -total_share))
    size = max(1, int(GROUP_SHARE * n + 0.5)) if n >= 2 else 0
    upper, lower = ranked[:size], ranked[n - size:]
    discrimination = float(share[upper].mean() - share[lower].mean()) if size else None

    options, unanswered, distractor = (), None, False
    if info.options:
        chosen = columns.chosen[rows]
        unanswered = float(np.mean(chosen == 0))
        picked = [(chosen >> index) & 1 for index in range(info.options)]
        upper_shares = [float(p[upper].mean()) if size else None for p in picked]
        key_upper = [upper_shares[k] for k in info.key if 0 <= k < info.options]
        weakest_key = min(key_upper) if key_upper and size else None
        options = tuple(
            OptionStats(index=index, key=index in info.key, share=float(p.mean()), upper=upper_shares[index],
                        lower=float(p[lower].mean()) if size else None,
                        preferred_by_upper=(weakest_key is not None and index not in info.key
                                            and upper_shares[index] > weakest_key + _EPSILON))
            for index, p in enumerate(picked))
        distractor = any(option.preferred_by_upper for option in options)

    flags = []
    if not info.voided:
        if facility > EASY_ABOVE:
            flags.append(TOO_EASY)
        if facility < HARD_BELOW:
            flags.append(TOO_HARD)
        if discrimination is not None and discrimination < LOW_DISCRIMINATION_BELOW:
            flags.append(LOW_DISCRIMINATION)
        if distractor:
            flags.append(DISTRACTOR)
    if n < min_sample:
        flags.append(FEW_ANSWERS)
    return ItemStats(item=item, n=n, facility=facility, discrimination=discrimination,
                     point_biserial=point_biserial, group_size=size, options=options, unanswered=unanswered,
                     dichotomous=dichotomous, voided=info.voided, flags=tuple(flags))


def _reliability(columns: _Columns, rows: dict[int, np.ndarray], items: Mapping[int, ItemInfo]) -> Reliability:
    attempts = columns.attempts
    common = sorted(item for item, item_rows in rows.items()
                    if len(item_rows) >= attempts and len(np.unique(columns.attempt[item_rows])) == attempts
                    and not items.get(item, ItemInfo()).voided)
    if len(common) < 2 or attempts < 2:
        return Reliability(None, None, len(common), attempts, FEW_COMMON_ITEMS)
    scores = np.zeros((attempts, len(common)))
    shares = np.zeros((attempts, len(common)))
    for column, item in enumerate(common):
        item_rows = rows[item]
        scores[columns.attempt[item_rows], column] = columns.score[item_rows]
        shares[columns.attempt[item_rows], column] = _share(columns.score[item_rows], columns.points[item_rows])
    dichotomous = bool(np.all((np.abs(shares) < _EPSILON) | (np.abs(shares - 1) < _EPSILON)))
    matrix = np.rint(shares) if dichotomous else scores
    k = len(common)
    total_variance = float(matrix.sum(axis=1).var())
    if total_variance < _EPSILON:
        return Reliability(KR20 if dichotomous else ALPHA, None, k, attempts, NO_VARIANCE)
    value = k / (k - 1) * (1 - float(matrix.var(axis=0).sum()) / total_variance)
    return Reliability(KR20 if dichotomous else ALPHA, value, k, attempts)
