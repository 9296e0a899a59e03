"""Moodle XML (`<quiz><question type="…">…</question></quiz>`) → drafts.

Parsed with defusedxml, DTDs forbidden: a DOCTYPE (billion laughs, external entities) is refused at
once. The file's own encoding declaration is honoured; GB2312/GBK/GB18030 ones, which the XML parser
cannot read, are decoded strictly first.

- multichoice: `<single>true</single>` → single (one answer worth 100%); `false` → multiple, the
  answers' fractions (percent) kept as weights; multichoiceset (all-or-nothing) → multiple;
- truefalse → true_false; shortanswer → fill_blank (one blank, full-credit answers as alternatives);
  essay → short_answer (graderinfo, else the general feedback → reference; without either it is
  imported all the same and the grading page says there is no reference answer);
- a type registered beside the built-in ones reads the Moodle type it names (`QuestionKind.moodle_type`,
  `read_moodle`), so a new type brings its Moodle reading with it;
- category and description are not questions and are skipped; any other type → an `Unsupported`
  issue naming it, which the trainer may skip to import the others.
Texts keep their HTML (the import service sanitises it); `<idnumber>` → the question's stable ID
(`external_id`, as the table format's 编号 column); `<name>` → title, `<defaultgrade>` → points,
`<generalfeedback>` → explanation, `<tags>` → topics. Questions are numbered in file order, categories
not counted.
"""

import re
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from app.banks import registry
from app.banks.answers import parse_id
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.text import (
    BLANK,
    BLANK_MARKER,
    accepted_answers,
    check,
    choice_key,
    normalise_number,
    too_many_questions,
    unsupported,
    where,
    with_blank,
)
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import limits
from app.core.spreadsheets.table import Issue

_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_GB_ENCODINGS = {"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn"}
_ONE_PARAGRAPH = re.compile(r"\s*<p(?:\s[^>]*)?>(?P<inner>(?:(?!</?p[\s>]).)*)</p>\s*", re.DOTALL | re.IGNORECASE)
_LAST_PARAGRAPH_END = re.compile(r"</p>\s*$", re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,9}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})")
_CDATA = re.compile(r"<!\[CDATA\[(.*)\]\]>", re.DOTALL)
_SKIPPED = {"category", "description"}
_TYPE_NAMES = {
    "match": _l("matching"),
    "numerical": _l("numerical"),
    "calculated": _l("calculated"),
    "calculatedsimple": _l("calculated"),
    "calculatedmulti": _l("calculated"),
    "multianswer": _l("embedded answers (Cloze)"),
}


class _Refused(Exception):
    def __init__(self, issue: Issue):
        self.issue = issue


def parse_moodle_xml(data: bytes, *, max_questions: int = limits.MAX_ROWS) -> tuple[list[Draft], list[Issue]]:
    """(drafts of the questions without problems, every problem found), like the table format; a
    draft's row is the question's number in the file. The shared checks (app.banks.checks) are applied."""
    try:
        root = _parse(data)
    except _Refused as refused:
        return [], [refused.issue]
    if root.tag != "quiz":
        return [], [Issue(_l("The file is not a Moodle XML question file: its root element is <%(root)s>, not <quiz>.",
                             root=str(root.tag)[:40]))]
    drafts: list[Draft] = []
    issues: list[Issue] = []
    number = 0
    for element in root.iterfind("question"):
        kind = (element.get("type") or "").strip().lower()
        if kind == "category":
            continue
        number += 1
        if number > max_questions:
            issues.append(too_many_questions(max_questions))
            break
        if kind in _SKIPPED:
            continue
        result = _question(element, kind, number)
        problems = [result] if isinstance(result, Issue) else check(result)
        issues.extend(problems)
        if not problems:
            drafts.append(result)
        if len(issues) >= limits.MAX_ISSUES:
            break
    return drafts, issues


def _parse(data: bytes) -> Element:
    source: bytes | str = data
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).decode("ascii").lower() in _GB_ENCODINGS:
        try:
            source = data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise _Refused(Issue(_l(
                "The file is not UTF-8 or GB18030 text: line %(line)d holds bytes that cannot be read. "
                "Save the file again as UTF-8 text and upload it.",
                line=data.count(b"\n", 0, error.start) + 1,
            ))) from None
    try:
        return defusedxml.ElementTree.fromstring(source, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise _Refused(Issue(_l(
            "The file declares a DTD or entities (<!DOCTYPE …>), which question files may not contain."
        ))) from None
    except ParseError as error:
        line, column = getattr(error, "position", (1, 0))
        raise _Refused(Issue(_l(
            "The file is not valid XML (line %(line)s, column %(column)s): %(error)s",
            line=line, column=column + 1, error=str(error).split(":")[0],
        ))) from None
    except (ValueError, LookupError):
        raise _Refused(Issue(_l(
            "The file's encoding (%(encoding)s) cannot be read. Save it again as UTF-8.",
            encoding=declared.group(1).decode("ascii") if declared else "?",
        ))) from None


def _text(element: Element | None, path: str = "text") -> str:
    """The text of `path` below `element`, without CDATA wrappers (Moodle escapes HTML or wraps it in
    CDATA; markup written as XML elements instead is reduced to its text)."""
    found = None if element is None else element.find(path)
    if found is None:
        return ""
    text = "".join(found.itertext()).strip()
    return _CDATA.sub(lambda match: match.group(1), text) if "<![CDATA[" in text else text


def _option(element: Element) -> str:
    """An answer's text; the one `<p>` an HTML editor wraps around a short answer is unwrapped."""
    text = _text(element)
    match = _ONE_PARAGRAPH.fullmatch(text)
    return match.group("inner").strip() if match else text


def _number(text: str) -> Decimal | None:
    """A plain decimal such as Moodle writes ("100", "-33.33333", "1.0000000"); None otherwise."""
    text = text.strip()
    return normalise_number(Decimal(text)) if _DECIMAL.fullmatch(text) else None


def _question(element: Element, kind: str, number: int) -> Draft | Issue:
    title = _text(element, "name/text")
    stem = _text(element, "questiontext/text")
    place = where(number, title, stem)
    registered = next((k for k in registry.all() if k.moodle_type and k.moodle_type == kind), None)
    if kind not in _KINDS and registered is None:
        return unsupported(number, title, stem, _TYPE_NAMES.get(kind, kind[:40] or "?"))
    draft = Draft(
        type=QuestionType.SHORT_ANSWER, stem=stem, row=number, title=title,
        explanation=_text(element, "generalfeedback/text"), external_id=parse_id(_text(element, "idnumber")),
        topics=list(dict.fromkeys(tag for tag in (_text(tag) for tag in element.iterfind("tags/tag")) if tag)),
    )
    grade = _text(element, "defaultgrade")
    if grade:
        draft.points = _number(grade)
        if draft.points is None:
            return Issue(_l("Question %(number)s (%(title)s): the grade \"%(value)s\" is not a number.",
                            value=grade[:40], **place))
    answers = []
    for answer in element.iterfind("answer"):
        fraction = _number(answer.get("fraction", "0"))
        if fraction is None:
            return Issue(_l("Question %(number)s (%(title)s): the answer fraction \"%(value)s\" is not a number.",
                            value=answer.get("fraction", "")[:40], **place))
        answers.append((fraction, answer))
    if registered is not None:
        result = registered.read_moodle(draft, [(fraction, _option(answer)) for fraction, answer in answers],
                                        element, place)
    else:
        result = _KINDS[kind](draft, answers, element, place)
    if isinstance(result, Issue):
        return result
    texts = [result.stem, result.explanation, result.reference, *result.options]
    if any("@@PLUGINFILE@@" in text for text in texts):
        return Issue(_l(
            "Question %(number)s (%(title)s): embedded files such as images are not imported from Moodle XML; "
            "remove them from the question, and add the image after importing.",
            **place,
        ))
    return result


def _multichoice(draft: Draft, answers: list, element: Element, place: dict) -> Draft | Issue:
    single = (_text(element, "single") or element.get("single") or "true").strip().lower() not in {"false", "0"}
    draft.options = [_option(answer) for _fraction, answer in answers]
    key = choice_key([fraction for fraction, _answer in answers], single, place)
    if isinstance(key, Issue):
        return key
    draft.type, draft.correct, draft.weights = key.type, key.correct, key.weights
    return draft


def _multichoiceset(draft: Draft, answers: list, element: Element, place: dict) -> Draft | Issue:
    """All-or-nothing multiple answers: the right ones are simply those with a positive fraction."""
    draft.options = [_option(answer) for _fraction, answer in answers]
    draft.correct = {index for index, (fraction, _answer) in enumerate(answers) if fraction > 0}
    if not draft.correct:
        return Issue(_l("Question %(number)s (%(title)s): no answer is marked right.", **place))
    draft.type = QuestionType.MULTIPLE if len(draft.correct) > 1 else QuestionType.SINGLE
    return draft


def _truefalse(draft: Draft, answers: list, element: Element, place: dict) -> Draft | Issue:
    right = [_text(answer).lower() for fraction, answer in answers if fraction > 0]
    if len(right) != 1 or right[0] not in {"true", "false"}:
        return Issue(_l(
            "Question %(number)s (%(title)s): a true/false question needs exactly one right answer, "
            "\"true\" or \"false\".",
            **place,
        ))
    draft.type, draft.truth = QuestionType.TRUE_FALSE, right[0] == "true"
    return draft


def _shortanswer(draft: Draft, answers: list, element: Element, place: dict) -> Draft | Issue:
    alternatives = accepted_answers([(fraction, _text(answer)) for fraction, answer in answers], place)
    if isinstance(alternatives, Issue):
        return alternatives
    draft.type, draft.blanks = QuestionType.FILL_BLANK, [alternatives]
    if BLANK_MARKER.search(draft.stem) or not _LAST_PARAGRAPH_END.search(draft.stem):
        draft.stem = with_blank(draft.stem)
    else:  # inside the last paragraph of an HTML text
        end = _LAST_PARAGRAPH_END.search(draft.stem).start()
        draft.stem = f"{draft.stem[:end].rstrip()} {BLANK}{draft.stem[end:]}"
    return draft


def _essay(draft: Draft, answers: list, element: Element, place: dict) -> Draft | Issue:
    draft.reference = _text(element, "graderinfo/text") or draft.explanation
    return draft


_KINDS = {
    "multichoice": _multichoice,
    "multichoiceset": _multichoiceset,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "essay": _essay,
}
