"""What changed between two versions of a question, field by field, for the version history.

A diff is a list of segments `(op, text)` with op "equal", "insert" or "delete". Templates show
insertions in <ins> and deletions in <del> and let Jinja escape the text: no markup is built here,
so a stem holding `<script>` is shown as text (docs/security.md §24).

Text is compared character by character (Chinese has no spaces between words); options are compared
as lines `A. …`; the key is compared in the answer column's syntax of the upload format (`ABD`, `对`,
`甲|A;乙`), so trainers read it as they write it.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

from app.banks.answers import letter
from app.banks.exporting import answer_text, number_text
from app.banks.services import draft_of
from app.core.i18n import lazy_gettext as _l

FIELD_LABELS = {
    "type": _l("Type"),
    "stem": _l("Question text"),
    "options": _l("Options"),
    "answer": _l("Answer"),
    "points": _l("Points"),
    "difficulty": _l("Difficulty"),
    "explanation": _l("Explanation"),
    "source": _l("Source"),
    "image": _l("Image"),
    "option_order": _l("Option order"),
}
ORDER_LABELS = {True: _l("As written (the letter rule)"), False: _l("Shuffled for each candidate")}


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: object  # lazy translation
    segments: tuple[tuple[str, str], ...]

    @property
    def changed(self) -> bool:
        return any(op != "equal" for op, _text in self.segments)


def diff_text(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Segments turning `old` into `new`; a replacement is a deletion followed by an insertion."""
    old, new = old or "", new or ""
    segments: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "delete", "replace") and i2 > i1:
            segments.append(("equal" if tag == "equal" else "delete", old[i1:i2]))
        if tag in ("insert", "replace") and j2 > j1:
            segments.append(("insert", new[j1:j2]))
    return tuple(_merge(segments))


def _merge(segments):
    """Neighbouring segments of the same kind as one."""
    merged: list[tuple[str, str]] = []
    for op, text in segments:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def fields_of(version, type_labels: dict | None = None) -> dict[str, str]:
    """A version's content as texts to compare (None → every field empty: the first version)."""
    if version is None:
        return dict.fromkeys(FIELD_LABELS, "")
    draft = draft_of(version, topics=[])
    options = "\n".join(f"{letter(index)}. {option}" for index, option in enumerate(draft.options))
    return {
        "type": str((type_labels or {}).get(version.type, version.type)),
        "stem": draft.stem,
        "options": options,
        "answer": answer_text(draft),
        "points": number_text(draft.points),
        "difficulty": number_text(draft.difficulty),
        "explanation": draft.explanation,
        "source": draft.source,
        "image": version.image.sha256[:12] if version.image is not None else "",
        "option_order": str(ORDER_LABELS[bool(version.keep_option_order)]) if version.options else "",
    }


def version_diff(old, new, type_labels: dict | None = None, *, only_changed: bool = True) -> list[FieldDiff]:
    """Field by field, `old` (None for the first version) → `new`; unchanged fields left out unless asked."""
    before, after = fields_of(old, type_labels), fields_of(new, type_labels)
    diffs = []
    for field, label in FIELD_LABELS.items():
        if only_changed and before[field] == after[field]:
            continue
        if not before[field] and not after[field]:
            continue
        diffs.append(FieldDiff(field, label, diff_text(before[field], after[field])))
    return diffs
