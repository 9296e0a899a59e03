"""Cells a spreadsheet would read as a formula (SECURITY 27): exports prefix them with an apostrophe,
and readers of our own exports take exactly one apostrophe off again, so a round trip is exact."""

import re

_DANGEROUS = re.compile(r"'*[=+\-@\t\r\n]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r\n]")


def is_dangerous(text: str) -> bool:
    """Would a spreadsheet read this cell as a formula (or does it look like one already neutralised)?"""
    return bool(_DANGEROUS.match(text or ""))


def neutralise(text: str) -> str:
    """`=1+1` → `'=1+1` (and `'=1` → `''=1`, so that `unneutralise` is its exact inverse)."""
    return "'" + text if is_dangerous(text) else text


def unneutralise(text: str) -> str:
    """The inverse of `neutralise`: one apostrophe off when apostrophes precede `= + - @`, tab, CR or LF."""
    return text[1:] if _NEUTRALISED.match(text or "") else text
