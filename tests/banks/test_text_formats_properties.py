"""Property tests: whatever arrives, the GIFT, Aiken and Moodle XML readers return drafts and/or
Issues with readable messages, never another exception; and what a writer escapes comes back."""

from xml.sax.saxutils import escape

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.banks.drafts import Draft, QuestionType
from app.banks.formats.aiken import parse_aiken
from app.banks.formats.gift import parse_gift
from app.banks.formats.moodle_xml import parse_moodle_xml
from app.core.spreadsheets.table import Issue

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = (parse_gift, parse_aiken, parse_moodle_xml)


def _check_outcome(outcome) -> None:
    drafts, issues = outcome
    assert all(isinstance(draft, Draft) for draft in drafts)
    assert all(isinstance(issue, Issue) and str(issue) for issue in issues)
    assert all(isinstance(draft.row, int) and draft.row >= 1 for draft in drafts)


@SETTINGS
@given(st.binary(max_size=4096))
def test_any_bytes_give_drafts_or_issues(data):
    for parse in PARSERS:
        _check_outcome(parse(data))


# Text built from the characters that carry meaning in these formats, plus Chinese and rare ones.
gift_alphabet = st.sampled_from(list("{}=~#:%\\->/$[]*_ \t\nTFAB.)01-5n") + [
    "::", "//", "####", "$CATEGORY:", "[html]", "[markdown]", "~%50%", "~%-100%", "=%100%", "{T}", "{#1:2}",
    "->", "收费", "喆", "𠮷", "（ ）", "____", "\ufdd0", "\r\n", "\r", "ANSWER: ", "ANSWER：", "Ａ．", "\n\n",
])
format_text = st.lists(gift_alphabet, max_size=60).map("".join)


@SETTINGS
@given(format_text, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_gift_like_and_aiken_like_text_gives_drafts_or_issues(text, encoding):
    data = text.encode(encoding)
    _check_outcome(parse_gift(data))
    _check_outcome(parse_aiken(data))


question_types = st.sampled_from(["multichoice", "multichoiceset", "truefalse", "shortanswer", "essay", "category",
                                  "description", "match", "numerical", "", "多选"])
xml_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)
fractions = st.sampled_from(["100", "0", "50", "-50", "33.33333", "abc", "", "NaN", "1e400", "-0"])


@st.composite
def moodle_question(draw) -> str:
    answers = "".join(
        f'<answer fraction="{draw(fractions)}"><text>{escape(draw(xml_text))}</text></answer>'
        for _ in range(draw(st.integers(0, 4)))
    )
    optional = draw(st.sampled_from([
        "", "<single>false</single>", "<single>true</single>", "<defaultgrade>2.5</defaultgrade>",
        "<defaultgrade>x</defaultgrade>", "<tags><tag><text>t</text></tag></tags>",
        "<graderinfo><text>ref</text></graderinfo>",
    ]))
    stem = draw(st.sampled_from(["", "<![CDATA[<p>题干</p>]]>", escape(draw(xml_text)), "@@PLUGINFILE@@/a.png"]))
    return (f'<question type="{draw(question_types)}"><name><text>{escape(draw(xml_text))}</text></name>'
            f"<questiontext format=\"html\"><text>{stem}</text></questiontext>{optional}{answers}</question>")


@SETTINGS
@given(st.lists(moodle_question(), max_size=5))
def test_moodle_like_xml_gives_drafts_or_issues(questions):
    _check_outcome(parse_moodle_xml(("<quiz>" + "".join(questions) + "</quiz>").encode()))


@SETTINGS
@given(st.lists(moodle_question(), max_size=3), st.integers(0, 400), st.binary(max_size=8))
def test_truncated_or_corrupted_xml_gives_drafts_or_issues(questions, cut, noise):
    data = ("<quiz>" + "".join(questions) + "</quiz>").encode()
    _check_outcome(parse_moodle_xml(data[:cut] + noise + data[cut:]))


# --- Round trips: text escaped as a writer would comes back unchanged --------------------------

plain = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"],
                           exclude_characters="\ufeff" + "".join(chr(c) for c in range(0xFDD0, 0xFDF0))),
    min_size=1, max_size=30,
).map(str.strip).filter(bool)


def gift_escape(text: str) -> str:
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text


@SETTINGS
@given(plain, plain, st.lists(plain, min_size=2, max_size=5, unique=True), st.data())
def test_escaped_gift_single_choice_round_trips(title, stem, options, data):
    assume(not stem.startswith(("//", "$CATEGORY:", "[")) and not options[0].startswith("%"))
    assume(all(not option.startswith(("[", "%")) for option in options))
    assume(len({" ".join(option.split()) for option in options}) == len(options))
    right = data.draw(st.integers(0, len(options) - 1))
    answers = " ".join(("=" if index == right else "~") + gift_escape(option) for index, option in enumerate(options))
    text = f"::{gift_escape(title)}::{gift_escape(stem)} {{{answers}}}"
    drafts, issues = parse_gift(text.encode())
    assert issues == []
    draft = drafts[0]
    assert (draft.title, draft.stem, draft.options, draft.correct) == (title, stem, options, {right})
    assert draft.type is QuestionType.SINGLE


aiken_line = plain.filter(lambda line: not line.startswith("ANSWER"))


@SETTINGS
@given(st.lists(aiken_line, min_size=1, max_size=3), st.lists(plain, min_size=2, max_size=6, unique=True),
       st.data())
def test_aiken_questions_round_trip(stem_lines, options, data):
    from app.banks.formats.aiken import _OPTION  # a stem line must not read as option A

    assume(not _OPTION.fullmatch(stem_lines[0]) or _OPTION.fullmatch(stem_lines[0]).group(1) not in "AＡ")
    assume(all(not _OPTION.fullmatch(line) for line in stem_lines[1:]))
    assume(len({" ".join(option.split()) for option in options}) == len(options))
    right = data.draw(st.integers(0, len(options) - 1))
    lines = [*stem_lines, *(f"{'ABCDEFGH'[index]}. {option}" for index, option in enumerate(options)),
             f"ANSWER: {'ABCDEFGH'[right]}"]
    drafts, issues = parse_aiken("\n".join(lines).encode("utf-8"))
    assert issues == []
    assert (drafts[0].stem, drafts[0].options, drafts[0].correct) == ("\n".join(stem_lines), options, {right})
