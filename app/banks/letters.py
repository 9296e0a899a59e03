"""The letter rule: a choice question whose text points at its options by letter or position keeps the
order written, so every letter a candidate reads names the option they see.

Options are shuffled per candidate. That breaks an explanation saying "E即放人情车" (the candidate's E is
another option), an option "以上都对" (above what?) or "A和B" — so such a version is stored with
`keep_option_order`, and papers and practice show its options as written. `option_references` finds the
places that need it: in the explanation and the stem, a capital A–H standing for one of the question's
options ("E即", "A、B、C", "选项D", "D is wrong"); in an option, such a letter or words about the other
options ("以上都对", "上述说法均不正确", "都不是", "all of the above"). Amounts such as "10万元以上"
are not references.

The rule is set on import and by the question editor (where the trainer sees it and may set it for
other reasons too); it only decides the order of papers drawn from then on. A paper drawn before keeps its
stored order: its review adds `letter_legend`, which says which option each letter of the explanation is.
"""

import re
from dataclasses import dataclass

from app.banks.answers import LETTERS

# A letter A–H (or Ａ–Ｈ) that is not part of a Latin word or a code (ETC, GB1589, JT/T, A4, B2).
_LETTER = re.compile(r"(?<![A-Za-zＡ-Ｚａ-ｚ0-9０-９/_\-.])([A-HＡ-Ｈ])(?![A-Za-zＡ-Ｚａ-ｚ0-9０-９'’_\-])")
# After the letter: the next word, when it is Latin ("A driver" is an article, "A is wrong" a reference).
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z]+)")
_ENGLISH_LINKS = frozenset({"is", "are", "was", "were", "and", "or", "to", "nor", "both", "only", "also"})
_OPTION_WORD = re.compile(r"(?:选项|option|options|answer|answers)\s*$", re.IGNORECASE)
# Words about the other options.
_OTHER_OPTIONS = re.compile(
    r"(?:以上|上述|前述|前面|上面)(?:各项|各选项|选项|说法|答案|几项|[两三四五六七]项|[两三四五六七]个)?"
    r"(?:都|均|皆|全)"
    r"|(?:all|none|both|neither|any)\s+of\s+(?:the\s+)?(?:above|these|those|options)"
    r"|all\s+the\s+above",
    re.IGNORECASE,
)
_WHOLE_OPTION = re.compile(r"(?:都|均|全部?|皆)(?:对|不对|正确|不正确|错|错误|是|不是|非)")
_PUNCTUATION = re.compile(r"[\s。.!！?？,，;；、\"'“”‘’()（）]+")
_SNIPPET = 12


@dataclass(frozen=True)
class Reference:
    field: str  # "explanation", "stem" or "option_a" … "option_h" (the table format's column keys)
    snippet: str  # the text around the reference, to quote in a message
    letters: bool  # True: a letter; False: words about the other options


def _snippet(text: str, start: int) -> str:
    piece = " ".join(text[start:start + _SNIPPET].split())
    return piece + ("…" if start + _SNIPPET < len(text) else "")


def _letter_index(char: str) -> int:
    return LETTERS.index(chr(ord(char) - 0xFEE0) if "Ａ" <= char <= "Ｈ" else char)


def letter_positions(text: str, options: int) -> list[int]:
    """Where `text` names one of the first `options` option letters."""
    found = []
    for match in _LETTER.finditer(text or ""):
        if _letter_index(match.group(1)) >= options:
            continue
        following = _NEXT_WORD.match(text, match.end())
        named = _OPTION_WORD.search(text, 0, match.start()) is not None
        if following and following.group(1).islower() and following.group(1) not in _ENGLISH_LINKS and not named:
            continue  # "A driver …": an English article
        found.append(match.start())
    return found


def option_references(question_type: str, stem: str, options: list[str], explanation: str) -> list[Reference]:
    """Every place that names options by letter or position; empty for types without options."""
    from app.banks.registry import get  # the choice types use this module: imported when first needed

    if not get(question_type).has_options:
        return []
    count = len(options)
    found = []
    for field, text in (("stem", stem), ("explanation", explanation)):
        found += [Reference(field, _snippet(text, start), True) for start in letter_positions(text, count)[:1]]
    for index, option in enumerate(options):
        field = f"option_{LETTERS[index].lower()}" if index < len(LETTERS) else "options"
        positions = letter_positions(option, count)
        words = _OTHER_OPTIONS.search(option or "")
        if positions:
            found.append(Reference(field, _snippet(option, positions[0]), True))
        elif words:
            found.append(Reference(field, _snippet(option, words.start()), False))
        elif _WHOLE_OPTION.fullmatch(_PUNCTUATION.sub("", option or "")):
            found.append(Reference(field, _snippet(option, 0), False))
    return found


def must_keep_order(question_type: str, stem: str, options: list[str], explanation: str) -> bool:
    return bool(option_references(question_type, stem, options, explanation))


def letter_legend(explanation: str, order: list[int]) -> list[tuple[str, str]]:
    """(letter as written, letter the candidate saw) for each option, when the explanation names letters
    and the candidate saw the options in another order; empty otherwise."""
    if not order or order == sorted(order) or not letter_positions(explanation, len(order)):
        return []
    shown = {index: position for position, index in enumerate(order)}
    return [(LETTERS[index], LETTERS[shown[index]]) for index in range(len(order)) if index < len(LETTERS)]
