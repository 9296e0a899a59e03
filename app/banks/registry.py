"""Question types as a registry: each type owns everything about its questions, so a new type is one module
(a `QuestionKind` subclass) and its template, registered with `register()`; nothing else is edited.

    kind = get(version.type)                      (kind_of is the same function)
    all()                                        → the registered kinds, built-in ones first
    parse_type(text)                              → the code for a type word in a file (单选题, "Single choice" …)
    kind.parse_answer(text) / kind.answer_text(draft) → the answer column (table formats, question form)
    kind.key_of(draft) / kind.apply_key(draft, key)    → the key as stored on a version
    kind.check_key(draft)                        → the rules of its key (app.banks.checks adds the shared ones)
    kind.gift_question(draft, head) / kind.export_formats → exports; kind.reads_gift/read_gift → GIFT import
    kind.template                                → its Jinja macros: inputs, key, given, review
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

import re
import unicodedata

from app.banks.answers import AnswerError, quote
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
from app.core.i18n import lazy_gettext as _l

__all__ = [
    "ALL_OR_NOTHING", "PARTIAL", "FillBlank", "Grade", "Multiple", "MultiplePolicy",
    "OptionView", "QuestionKind", "QuestionType", "QuestionView", "ReviewOption", "ReviewView", "ShortAnswer",
    "Single", "TrueFalse", "all", "codes", "get", "is_registered", "kind_of", "labels", "money", "normalise_blank",
    "parse_type", "register", "unregister",
]

_KINDS: dict[str, QuestionKind] = {}
_WORDS: dict[str, str] = {}  # a type word's key (_type_key) → the type's code


def _type_key(text: str) -> str:
    """单选题 → 单选, "Single_Choice" → "singlechoice": width and case folded, 题 suffix, spaces, _ - / ignored."""
    key = re.sub(r"[\s_\-/]+", "", unicodedata.normalize("NFKC", text or "").strip().casefold())
    return key.removesuffix("题")


def register(kind: QuestionKind) -> QuestionKind:
    """Make a type known: stored, imported (its code and aliases in a file's type column), exported, shown
    and graded. A code or word another type already uses is refused, so no file becomes ambiguous."""
    words = {_type_key(word) for word in (kind.type, *kind.aliases)}
    if kind.type in _KINDS or words & _WORDS.keys():
        raise ValueError(f"the question type {kind.type!r} or one of its words is registered already")
    _KINDS[str(kind.type)] = kind
    _WORDS.update(dict.fromkeys(words, str(kind.type)))
    return kind


def unregister(code: str) -> None:
    """Forget a type (tests register throw-away ones)."""
    kind = _KINDS.pop(code)
    for word in {_type_key(word) for word in (kind.type, *kind.aliases)}:
        _WORDS.pop(word, None)


def get(code: str) -> QuestionKind:
    """The kind for a stored type code ("single" …); ValueError for a code no type registered."""
    try:
        return _KINDS[str(code)]
    except KeyError:
        raise ValueError(f"{code!r} is not a registered question type") from None


kind_of = get


def all() -> tuple[QuestionKind, ...]:  # noqa: A001 - the registry's own all(), read as registry.all()
    return tuple(_KINDS.values())


def codes() -> tuple[str, ...]:
    return tuple(_KINDS)


def is_registered(code: str) -> bool:
    return str(code) in _KINDS


def labels() -> dict[str, object]:
    """Code → translated name, for menus."""
    return {code: kind.label for code, kind in _KINDS.items()}


def parse_type(text: str) -> str:
    """单选/single, 多选/multiple, 判断/true_false, 填空/fill_blank, 简答/short_answer (题 suffix allowed), or a
    registered type's code or alias → the type's code; AnswerError for anything else."""
    if not (text or "").strip():
        raise AnswerError(_l("The question type is empty."))
    code = _WORDS.get(_type_key(text))
    if code is None:
        raise AnswerError(_l(
            "'%(value)s' is not a question type; use 单选, 多选, 判断, 填空 or 简答 "
            "(single, multiple, true_false, fill_blank, short_answer).", value=quote(text)))
    return _KINDS[code].type  # the built-in types' codes are QuestionType members


for _builtin in (Single(), Multiple(), TrueFalse(), FillBlank(), ShortAnswer()):
    register(_builtin)
