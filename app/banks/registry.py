"""Question types as a registry: each kind validates, presents and grades its own questions.

    kind = kind_of(version.type)
    kind.validate(draft)                         → list[Problem] (delegates to app.banks.checks.check_draft)
    kind.present(version, option_order)          → QuestionView: what a candidate may see, never the key
    kind.present_review(version, order, response) → ReviewView: after release, with key and explanation
    kind.read_response(form, name_prefix)        → the response the partial banks/_question.html submitted
    kind.grade(version, response, option_order, policy) → Grade

Option order. A paper stores, per candidate, `option_order`: displayed position → original option
index (`[2, 0, 1]` shows option C first). Candidates submit displayed positions; grading maps them back
through the stored order. A position outside the displayed range (forged, or negative) scores 0.

Responses, by type: single → int position; multiple → set (or list) of int positions; true_false → bool;
fill_blank → list of strings, one per blank; short_answer → str. A missing or malformed response scores 0
(never an exception); short answers always wait for a human (score None).

Decisions:
- Scores are Decimal, rounded half-up to 0.01 (`quantize(Decimal("0.01"), ROUND_HALF_UP)`).
- Fill in the blanks: each answer and each accepted alternative is normalised the same way (NFKC, so
  full-width ３０ equals 30; trimmed; inner whitespace collapsed to one space; casefolded). Score =
  points × right blanks / blanks, rounded as above (2 points, 1 of 3 right → 0.67).
- Multiple choice: ALL_OR_NOTHING (exactly the key → full points, else 0), or PARTIAL(share): a
  non-empty proper subset of the correct options and no wrong one earns share × points (少选得半分,
  share 0.5 by default); any wrong option or an empty answer → 0. GIFT percentage weights stored in
  key["weights"] are not used for scoring: the policy is set per exam.
- Single choice and true/false: exact match.
"""

from app.banks.drafts import QuestionType
from app.banks.types.base import QuestionKind
from app.banks.types.choice import Multiple, Single
from app.banks.types.text import FillBlank, ShortAnswer, TrueFalse, normalise_blank
from app.banks.types.views import (
    ALL_OR_NOTHING,
    PARTIAL,
    Grade,
    MultiplePolicy,
    OptionView,
    QuestionView,
    ReviewOption,
    ReviewView,
    money,
)

__all__ = [
    "ALL_OR_NOTHING", "PARTIAL", "QUESTION_TYPES", "FillBlank", "Grade", "Multiple", "MultiplePolicy",
    "OptionView", "QuestionKind", "QuestionType", "QuestionView", "ReviewOption", "ReviewView", "ShortAnswer",
    "Single", "TrueFalse", "kind_of", "money", "normalise_blank",
]

QUESTION_TYPES: dict[QuestionType, QuestionKind] = {
    kind.type: kind for kind in (Single(), Multiple(), TrueFalse(), FillBlank(), ShortAnswer())
}


def kind_of(question_type: QuestionType | str) -> QuestionKind:
    """The kind for a type or its stored value ("single" …); ValueError for an unknown type."""
    return QUESTION_TYPES[QuestionType(question_type)]
