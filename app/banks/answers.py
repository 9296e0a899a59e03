"""Reading the words trainers write in a question bank: answer keys, blanks in a stem, points, difficulty,
topics and image names (the type column's words belong to the types: app.banks.registry.parse_type).

Pure functions shared by every import format. Each `parse_*` function returns the value or raises
`AnswerError`, whose `message` is a lazy translation quoting what was written; where the text came
from (row, column, question number) is the caller's business.
"""

import re
import unicodedata
from decimal import Decimal

from app.core.i18n import lazy_gettext as _l

LETTERS = "ABCDEFGH"  # option letters; a question has at most len(LETTERS) options
MAX_OPTIONS = len(LETTERS)
DIFFICULTY_LEVELS = range(1, 6)
MAX_POINTS = Decimal(100)
POINTS_PLACES = 2  # decimal places kept for points
MAX_TOPIC_CHARS = 50
MAX_IMAGE_NAME_CHARS = 200
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class AnswerError(ValueError):
    """A cell's text cannot be read as what its column holds; `message` is translated (lazy)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _key(text: str) -> str:
    """Compatibility forms folded (full-width letters, digits and punctuation), case ignored, trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def quote(text: str, limit: int = 20) -> str:
    """A cell's text shortened for quoting in a message."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


# --- IDs ---------------------------------------------------------------------------------------

def parse_id(text: str) -> str:
    """A question's stable ID as written (编号/ID column, Moodle idnumber): full-width forms folded, trimmed;
    case kept ("LAW-001" and "law-001" are two IDs). Empty: no ID."""
    return unicodedata.normalize("NFKC", text or "").strip()


# --- Choice answers -----------------------------------------------------------------------------

_LETTER_SEPARATORS = re.compile(r"[\s,;、]+")


def letter(index: int) -> str:
    """0 → A, 7 → H; beyond H (only other formats' data) #9, #10 …"""
    return LETTERS[index] if 0 <= index < len(LETTERS) else f"#{index + 1}"


def parse_letters(text: str) -> list[int]:
    """`ABD`, `A,B,D`, `A、B、D`, `A B D`, full-width or lower-case letters → option indexes [0, 1, 3].

    Whether the letters fit the question (one for single choice, options that exist) is for the
    draft checks; here a letter may appear only once and must be one of A–H.
    """
    key = _key(text).upper()
    if not key:
        raise AnswerError(_l("The answer is empty."))
    letters = "".join(_LETTER_SEPARATORS.split(key))
    if not letters or any(character not in LETTERS for character in letters):
        raise AnswerError(_l(
            "'%(value)s' is not a choice answer; write the letters of the correct options (A to H), "
            "e.g. B or ABD.", value=quote(text)))
    indexes = []
    for character in letters:
        index = LETTERS.index(character)
        if index in indexes:
            raise AnswerError(_l("The answer names option %(letter)s twice.", letter=character))
        indexes.append(index)
    return indexes


# --- True/false answers -------------------------------------------------------------------------

_TRUE_WORDS = frozenset({"对", "正确", "√", "✓", "✔", "t", "true", "是"})
_FALSE_WORDS = frozenset({"错", "错误", "×", "✗", "✘", "f", "false", "否"})


def parse_truth(text: str) -> bool:
    """对/错, 正确/错误, √/×, T/F, true/false, 是/否 (any case)."""
    key = _key(text)
    if not key:
        raise AnswerError(_l("The answer is empty."))
    if key in _TRUE_WORDS:
        return True
    if key in _FALSE_WORDS:
        return False
    raise AnswerError(_l(
        "'%(value)s' is not a true/false answer; use 对 or 错 (also 正确/错误, √/×, T/F, true/false, 是/否).",
        value=quote(text)))


# --- Fill-in-the-blank --------------------------------------------------------------------------

# Four or more underscores (half or full width), or empty brackets: （ ）, ( ), （）, full or half width.
BLANK = re.compile(r"[_＿]{4,}|[(（][ \t\u3000\u00a0]*[)）]")
_BLANK_SEPARATORS = re.compile(r"[;；]")
_ALTERNATIVE_SEPARATORS = re.compile(r"[|｜]")


def count_blanks(stem: str) -> int:
    """How many blanks a fill-in-the-blank stem has: `____` (4+ underscores) or `（ ）`."""
    return len(BLANK.findall(stem or ""))


def parse_blanks(text: str) -> list[list[str]]:
    """`甲|A;乙` → [["甲", "A"], ["乙"]]: blanks separated by ; or ；, alternatives by | or ｜.

    Alternatives are trimmed and de-duplicated; empty trailing blanks are ignored (a `;` at the end),
    an empty blank before a filled one is an error.
    """
    if not (text or "").strip():
        raise AnswerError(_l("The answer is empty."))
    blanks = []
    for part in _BLANK_SEPARATORS.split(text):
        alternatives = []
        for alternative in _ALTERNATIVE_SEPARATORS.split(part):
            alternative = alternative.strip()
            if alternative and alternative not in alternatives:
                alternatives.append(alternative)
        blanks.append(alternatives)
    while blanks and not blanks[-1]:
        blanks.pop()
    for number, alternatives in enumerate(blanks, start=1):
        if not alternatives:
            raise AnswerError(_l("The answer for blank %(number)d is empty (blanks are separated by ;).",
                                 number=number))
    return blanks


# --- Points, difficulty, topics, image ----------------------------------------------------------


def points_problem(points: Decimal):
    """Why a points value is not allowed (a lazy message), or None if it is."""
    if not points.is_finite() or points <= 0:
        return _l("The points must be a number greater than 0.")
    if points > MAX_POINTS:
        return _l("The points may not be more than %(max)s.", max=str(MAX_POINTS))
    if points != points.quantize(Decimal(1).scaleb(-POINTS_PLACES)):  # exact: points ≤ MAX_POINTS here
        return _l("The points may have at most %(places)d decimal places.", places=POINTS_PLACES)
    return None


_POINTS = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")  # signed, so -1 gets the "greater than 0" message


def parse_points(text: str) -> Decimal | None:
    """Optional positive number (`2`, `1.5`, full-width digits too); None when empty."""
    key = _key(text)
    if not key:
        return None
    if not _POINTS.fullmatch(key):
        raise AnswerError(_l("'%(value)s' is not a number of points (write e.g. 2 or 1.5).", value=quote(text)))
    points = Decimal(key)
    problem = points_problem(points)
    if problem is not None:
        raise AnswerError(problem)
    return points


_DIFFICULTY_WORDS = {"易": 1, "较易": 2, "中": 3, "中等": 3, "较难": 4, "难": 5}


_DIFFICULTY_NUMBER = re.compile(r"0*([1-5])(?:\.0*)?")


def parse_difficulty(text: str) -> int | None:
    """Optional 1–5 or 易/较易/中/较难/难 (→ 1..5); None when empty."""
    key = _key(text)
    if not key:
        return None
    if key in _DIFFICULTY_WORDS:
        return _DIFFICULTY_WORDS[key]
    match = _DIFFICULTY_NUMBER.fullmatch(key)
    if match:
        return int(match.group(1))
    raise AnswerError(_l("'%(value)s' is not a difficulty; use 1 to 5, or 易, 较易, 中, 较难, 难.",
                         value=quote(text)))


_TOPIC_SEPARATORS = re.compile(r"[;；,，、]")


def parse_topics(text: str) -> list[str]:
    """Tags separated by ; ； , ， or 、: trimmed, empty ones dropped, repeats (ignoring case) dropped."""
    topics: list[str] = []
    seen = set()
    for part in _TOPIC_SEPARATORS.split(text or ""):
        topic = " ".join(part.split())
        if not topic or _key(topic) in seen:
            continue
        if len(topic) > MAX_TOPIC_CHARS:
            raise AnswerError(_l("The topic '%(value)s' is longer than %(max)d characters.",
                                 value=quote(topic), max=MAX_TOPIC_CHARS))
        seen.add(_key(topic))
        topics.append(topic)
    return topics


def image_problem(name: str):
    """Why an image file name is not allowed (a lazy message), or None: a plain name, no folders."""
    if (
        len(name) > MAX_IMAGE_NAME_CHARS
        or any(character in name for character in '/\\:*?"<>|')
        or any(unicodedata.category(character).startswith("C") for character in name)
        or name.startswith(".")
    ):
        return _l("'%(value)s' is not a plain file name; write only the image's file name, e.g. sign.png.",
                  value=quote(name))
    if not name.lower().endswith(IMAGE_EXTENSIONS):
        return _l("'%(value)s' is not an image file; use a .png, .jpg, .gif or .webp file.", value=quote(name))
    return None


def parse_image(text: str) -> str | None:
    """Optional image file name, recorded as written (trimmed); None when empty."""
    name = (text or "").strip()
    if not name:
        return None
    problem = image_problem(name)
    if problem is not None:
        raise AnswerError(problem)
    return name
