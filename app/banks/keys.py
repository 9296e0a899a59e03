"""A draft's answer key as stored on a version, and back: the one place that knows the shapes.

    single / multiple  {"correct": [indexes], "weights": {"index": "0.5", ...}}   (weights optional)
    true_false         {"truth": true}
    fill_blank         {"blanks": [["30", "三十"], ["50"]]}
    short_answer       {"reference": "model answer for the grader"}
"""

from decimal import Decimal

from app.banks.drafts import Draft, QuestionType

DEFAULT_POINTS = {
    QuestionType.SINGLE: Decimal(2),
    QuestionType.MULTIPLE: Decimal(3),
    QuestionType.TRUE_FALSE: Decimal(1),
    QuestionType.FILL_BLANK: Decimal(2),
    QuestionType.SHORT_ANSWER: Decimal(10),
}
DEFAULT_DIFFICULTY = 3


def key_of(draft: Draft) -> dict:
    kind = QuestionType(draft.type)
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        key = {"correct": sorted(draft.correct)}
        if draft.weights:
            key["weights"] = {str(index): str(weight) for index, weight in sorted(draft.weights.items())}
        return key
    if kind is QuestionType.TRUE_FALSE:
        return {"truth": bool(draft.truth)}
    if kind is QuestionType.FILL_BLANK:
        return {"blanks": [list(alternatives) for alternatives in draft.blanks]}
    return {"reference": draft.reference}


def apply_key(draft: Draft, key: dict) -> Draft:
    """Fill `draft`'s answer fields from a stored key (for editing forms and exports)."""
    kind = QuestionType(draft.type)
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        draft.correct = set(key.get("correct", []))
        draft.weights = {int(index): Decimal(weight) for index, weight in key.get("weights", {}).items()}
    elif kind is QuestionType.TRUE_FALSE:
        draft.truth = bool(key.get("truth"))
    elif kind is QuestionType.FILL_BLANK:
        draft.blanks = [list(alternatives) for alternatives in key.get("blanks", [])]
    else:
        draft.reference = key.get("reference", "")
    return draft
