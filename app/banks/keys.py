"""A draft's answer key as stored on a version, and back. Each type knows its own shape
(`QuestionKind.key_of` / `apply_key` in app/banks/types/); the built-in ones store:

    single / multiple  {"correct": [indexes], "weights": {"index": "0.5", ...}}   (weights optional)
    true_false         {"truth": true}
    fill_blank         {"blanks": [["30", "三十"], ["50"]]}
    short_answer       {"reference": "model answer for the grader"}
"""

from decimal import Decimal

from app.banks import registry
from app.banks.drafts import Draft

DEFAULT_DIFFICULTY = 3


def default_points(question_type: str) -> Decimal:
    """The points a question of the type gets when its file or form gives none."""
    return registry.get(question_type).default_points


def key_of(draft: Draft) -> dict:
    return registry.get(draft.type).key_of(draft)


def apply_key(draft: Draft, key: dict) -> Draft:
    """Fill `draft`'s answer fields from a stored key (for editing forms and exports)."""
    registry.get(draft.type).apply_key(draft, key)
    return draft
