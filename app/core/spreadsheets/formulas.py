"""Cells a spreadsheet would read as a formula (docs/security.md §27), and how each export format defuses them.

- CSV: the text gets a leading apostrophe (`neutralise`). A CSV has no types and no styles, so this is its
  only defence; the apostrophe shows when the file is opened, and readers of our own CSV exports take
  exactly one off again (`unneutralise`), so a round trip is exact.
- XLSX: the text is written as it is, as a string cell with Excel's quote-prefix style (`quotePrefix="1"`,
  what Excel stores when someone types `'=1+1`): a string cell is never a formula, the style keeps Excel from
  turning it into one when the cell is edited, and nothing shows an apostrophe that was not typed
  (app/reports/xlsx_stream.py `Quoted`, app/banks/exporting.py). Readers of XLSX take the text as it is.

What starts a formula: `=`, and `+ - @` (Excel turns `+1+1`, `-1+1` and `@SUM(…)` into formulas), also after
tab, CR or LF, which Excel drops in front of a formula. A Chinese or Japanese keyboard in full-width mode types
`＝ ＋ － ＠`, and Excel with such an input method turns a full-width `＝` typed at the start of a cell into `=`, so
a cell someone re-enters becomes a formula: the full-width forms count too, and so does every other character
whose compatibility form (NFKC) begins with one of the four — the small forms `﹦ ﹢ ﹣ ﹫`, the super- and
subscript `⁼ ⁺ ₌ ₊`, `⩵ ⩶` and `﬩`. LibreOffice (7.4, tested by tests/security/test_export_formulas.py) is
stricter: opening a CSV it evaluates only cells that begin with the ASCII `=`.
"""

import re

FORMULA_STARTS = "=+-@\t\r\n" "＝＋－＠" "﹦﹢﹣﹫" "⁼⁺₌₊" "⩵⩶﬩"
# First characters after which `neutralise` may act: a cheap test before the regular expression.
MAYBE_DANGEROUS = frozenset(FORMULA_STARTS + "'")

_CLASS = "[" + re.escape(FORMULA_STARTS) + "]"
_DANGEROUS = re.compile("'*" + _CLASS)
_NEUTRALISED = re.compile("'+" + _CLASS)


def is_dangerous(text: str) -> bool:
    """Would a spreadsheet read this cell as a formula (or does it look like one already neutralised)?"""
    return bool(_DANGEROUS.match(text or ""))


def neutralise(text: str) -> str:
    """`=1+1` → `'=1+1` (and `'=1` → `''=1`, so that `unneutralise` is its exact inverse)."""
    return "'" + text if is_dangerous(text) else text


def unneutralise(text: str) -> str:
    """The inverse of `neutralise`: one apostrophe off when apostrophes precede a formula start."""
    return text[1:] if _NEUTRALISED.match(text or "") else text
