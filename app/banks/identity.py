"""A question's identity: when two questions are the same question for a candidate, whatever bank holds them.

Two questions are the same when their text, their options (in any order) and their picture read the same
once normalised: HTML tags and entities, full-width forms, case, spaces, punctuation and the way a blank
is written (`____`, `（ ）`) do not count. Type, answer, points, explanation and bank do not count either:
two such questions on one paper would show a candidate the same question twice, and one would give the
other's answer away.

`content_identity` is stored on every version (`QuestionVersion.fingerprint`). Paper assembly never puts
two questions with the same identity on one paper (app.exams.assembly), and imports skip or flag a
question whose identity is already in the bank, the file or another bank of the course
(app.banks.importing).
"""

import hashlib
import html
import re
import unicodedata

from app.banks.answers import BLANK

_TAGS = re.compile(r"<[^>]*>")
_NOT_WORD = re.compile(r"[\W_]+")


def text_key(text: str) -> str:
    """A text reduced for comparing: tags and entities, blanks, width, case, spaces and punctuation gone
    (so "下列说法（ ）正确。", "<p>下列说法____正确</p>" and "下列说法正确" compare equal)."""
    text = html.unescape(_TAGS.sub(" ", text or ""))
    text = unicodedata.normalize("NFKC", BLANK.sub(" ", text)).casefold()
    return _NOT_WORD.sub("", text)


def content_identity(stem: str, options: list[str], image_sha256: str | None = None) -> str:
    """The SHA-256 (hex) of the normalised text, the normalised options sorted, and the picture's hash."""
    parts = [text_key(stem), *sorted(text_key(option) for option in options), image_sha256 or ""]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def answer_signature(question_type: str, options: list[str], key: dict) -> tuple:
    """What the answer says, independent of option order: two questions of the same identity and the same
    signature ask the same and expect the same."""
    from app.banks.registry import get  # the registry's types come later in the import order

    question_type = str(question_type)
    return question_type, get(question_type).signature(options, key, text_key)
