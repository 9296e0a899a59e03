"""No two shipped questions, in one bank or across the banks of all courses, test the same fact the same way.

Each question is reduced to the fact it asks for: the stem with every blank filled by its first accepted answer
(fill-in), the stem followed by the text of the keyed options (single and multiple choice), or the stem alone
(true/false, short answer). The text is normalised — NFKC, case folded, blanks such as （ ） and ____ removed,
punctuation and whitespace removed — and every pair is compared with difflib.SequenceMatcher(autojunk=False).ratio().

Why 0.72: measured on the banks as shipped before issue 15 (305 questions, 46,360 pairs), where every pair
scoring 0.60 or more (108 pairs) was read and labelled by hand:
- 58 pairs scored 0.72 or more: 50 asked the same fact (政府还贷公路票据 in integrity and procedures, 1.00; the
  487 省界收费站 as a fill-in and as a single choice, 0.86), 7 asked the two halves of one rule (政府还贷→财政 next
  to 经营性→税务, 0.83), 1 asked different facts in one template (3万 and 300万 thresholds, 0.80).
- 50 pairs scored 0.60–0.72: 24 same fact, 6 halves of one rule, 20 different facts (the security threads of
  the 2019 50-yuan and the 2020 5-yuan notes, 0.70; 3类货车 next to the new 专项作业车 class, 0.70). Below 0.72
  a flag is wrong as often as right, so those pairs are left to the writer's review.
- The stem alone separates worse: generic stems (“关于…，下列说法正确的有”) put different facts at up to 0.87
  (客车 classes next to 货车 classes), while a multiple choice and a fill-in on the same list shared so little
  stem text that they scored 0.24; the keyed text tells both cases apart.
A pair at or above 0.72 fails: drop one of the two questions, or ask the fact another way.
"""

import difflib
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from app.banks.answers import BLANK
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.table import parse_table

BANKS = Path(__file__).resolve().parents[2] / "question_banks"
THRESHOLD = 0.72
CHOICE = (QuestionType.SINGLE, QuestionType.MULTIPLE)
_NOT_WORD = re.compile(r"[\W_]+")

def fact_text(draft: Draft) -> str:
    """The fact a question asks for, normalised for comparison."""
    if draft.type in CHOICE:
        text = draft.stem + "".join(draft.options[index] for index in sorted(draft.correct))
    elif draft.type is QuestionType.FILL_BLANK:
        pieces = BLANK.split(draft.stem)  # a fill-in has as many blanks as answers (app.banks.checks)
        text = pieces[0] + "".join(alternatives[0] + piece
                                   for alternatives, piece in zip(draft.blanks, pieces[1:], strict=True))
    else:
        text = draft.stem
    text = unicodedata.normalize("NFKC", BLANK.sub("", text)).casefold()
    return _NOT_WORD.sub("", text)


@cache
def shipped() -> tuple:
    """(course, row, draft, fact text) for every shipped question."""
    questions = []
    for path in sorted(BANKS.glob("*/*.csv")):
        drafts, _issues = parse_table(path.read_bytes(), path.name)  # problems fail test_shipped_banks.py
        questions += [(path.parent.name, draft.row, draft, fact_text(draft)) for draft in drafts]
    return tuple(questions)


def similar_pairs(questions, threshold: float = THRESHOLD) -> list:
    """(score, first, second) for every pair at or above the threshold. The length bound and quick_ratio() are
    upper bounds of ratio(), so most pairs are skipped without the full comparison."""
    found = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for j, second in enumerate(questions):
        matcher.set_seq2(second[3])
        for first in questions[:j]:
            total = len(first[3]) + len(second[3])
            if not total or 2 * min(len(first[3]), len(second[3])) / total < threshold:
                continue
            matcher.set_seq1(first[3])
            if matcher.quick_ratio() >= threshold and (score := matcher.ratio()) >= threshold:
                found.append((score, first, second))
    return found


def _describe(score, first, second) -> str:
    return (f"{score:.2f}  {first[0]}.csv row {first[1]}: {first[2].stem[:50]}\n"
            f"      {second[0]}.csv row {second[1]}: {second[2].stem[:50]}")


def test_no_two_shipped_questions_ask_the_same_fact_the_same_way():
    repeats = [_describe(*pair) for pair in similar_pairs(shipped())]
    assert not repeats, "near-identical questions (drop one or ask the fact another way):\n" + "\n".join(repeats)


@pytest.mark.parametrize(("first", "second", "alike"), [
    (Draft(type=QuestionType.TRUE_FALSE, stem="收费公路经营管理者收取车辆通行费，必须向收费公路使用者开具收费票据。", truth=True),
     Draft(type=QuestionType.FILL_BLANK, stem="收费公路经营管理者收取车辆通行费，必须向收费公路使用者开具____。",
           blanks=[["收费票据", "票据"]]), True),
    (Draft(type=QuestionType.SINGLE, stem="按照JT/T 489-2019，1类客车的核定载人数不大于（ ）。", options=["7人", "9人", "19人", "39人"],
           correct={1}),
     Draft(type=QuestionType.SINGLE, stem="按照JT/T 489-2019，1类货车的最大允许总质量小于（ ）。",
           options=["4.5t", "6t", "10t", "18t"], correct={0}), False),
], ids=["same fact as true/false and fill-in", "same template, different facts"])
def test_the_measure_tells_a_repeated_fact_from_a_different_one(first, second, alike):
    pairs = similar_pairs((("x", 1, first, fact_text(first)), ("x", 2, second, fact_text(second))))
    assert bool(pairs) is alike
