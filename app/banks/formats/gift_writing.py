"""Writing GIFT (Moodle): escaping and the answer syntax each question type writes its block with.

Pure functions, no database: the types (app/banks/types/) build their own answer block from them, and
app.banks.exporting puts the questions together (docs/question-banks.md, "Export").
"""

import re
from decimal import Decimal

_GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")
_GIFT_WEIGHT = re.compile(r"%-?\d{1,3}(?:\.\d+)?%")
_GIFT_FORMAT_TAG = re.compile(r"\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
HUNDRED = Decimal(100)


def number_text(value: Decimal | int | None) -> str:
    """2.00 → "2", 1.50 → "1.5" (never an exponent)."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def gift_escape(text: str) -> str:
    """`~ = # { } :` and the backslash escaped with a backslash; line breaks as `\\n` (one line)."""
    text = _GIFT_SPECIAL.sub(r"\\\1", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\n", "\\n")


def gift_text(text: str) -> str:
    """A piece of text that must come back as written: a leading format tag is protected by one
    of our own (the reader drops only the first)."""
    escaped = gift_escape(text)
    return "[markdown]" + escaped if _GIFT_FORMAT_TAG.match(escaped) else escaped


def gift_answer(marker: str, text: str, weight: Decimal | None = None) -> str:
    """One answer: `=text`, `~text`, `~%50%text`. An explicit weight is written when the text itself
    begins like a weight, so it is not read as one."""
    body = gift_text(text)
    if weight is None and _GIFT_WEIGHT.match(body):
        weight = HUNDRED if marker == "=" else Decimal(0)
    if weight is not None:
        return f"{marker}%{number_text(weight)}%{body}"
    return f"{marker}{body}"


def percent(value: Decimal) -> Decimal:
    """A share of 100 with at most 5 decimals, as Moodle writes them (33.33333)."""
    return value.quantize(Decimal("0.00001")).normalize() if value != value.to_integral_value() else value
