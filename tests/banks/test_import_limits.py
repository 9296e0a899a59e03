"""One set of length limits for every way a question arrives (app/banks/limits.py; issue 14, finding 4).

A 5 MB GIFT file of backslashes used to become a 2.5-million-character question. Now each field has the
editor's limit in every format, and a GIFT, Aiken or Moodle XML question longer than any valid one is refused
before the parser sees it (spreadsheets: their reader refuses a cell over 32,767 characters first).
"""

import io
import time
import zipfile
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook

from app.banks.formats import files as reading  # where an upload is opened and parsed
from app.banks.importing.reading import read_bank_file
from app.banks.limits import MAX_OPTION_CHARS, MAX_QUESTION_RAW_CHARS, MAX_STEM_CHARS

HUGE = 2_500_001
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _csv(stem: str, option: str = "收费") -> bytes:
    return f'题型,题干,选项A,选项B,答案\n单选,"{stem}",{option},修路,A\n'.encode()


def _xlsx(stem: str, option: str = "收费") -> bytes:
    """openpyxl cuts a cell to Excel's 32,767 characters, so the texts go into the sheet's XML afterwards."""
    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "选项A", "选项B", "答案"])
    sheet.append(["单选", "STEM", "OPTION", "修路", "A"])
    written = io.BytesIO()
    book.save(written)
    out = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b">STEM<", f">{escape(stem)}<".encode()).replace(
                    b">OPTION<", f">{escape(option)}<".encode())
            target.writestr(name, data)
    return out.getvalue()


def _zip(stem: str, option: str = "收费") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bank.csv", _csv(stem, option))
    return out.getvalue()


def _gift(stem: str, option: str = "收费") -> bytes:
    return f"::q1:: {stem} {{={option} ~修路}}\n\n::q2:: 收费站的职责是 {{=收费 ~修路}}\n".encode()


def _aiken(stem: str, option: str = "收费") -> bytes:
    return f"{stem}\nA. {option}\nB. 修路\nANSWER: A\n\n收费站的职责是\nA. 收费\nB. 修路\nANSWER: A\n".encode()


def _xml(stem: str, option: str = "收费") -> bytes:
    question = ('<question type="multichoice"><name><text>q</text></name><questiontext format="html"><text>'
                '{stem}</text></questiontext><answer fraction="100"><text>{option}</text></answer>'
                '<answer fraction="0"><text>修路</text></answer><single>true</single></question>')
    return ("<quiz>" + question.format(stem=stem, option=option)
            + question.format(stem="收费站的职责是", option="收费") + "</quiz>").encode()


FORMATS = {"csv": (_csv, "bank.csv"), "xlsx": (_xlsx, "bank.xlsx"), "zip": (_zip, "bank.zip"),
           "gift": (_gift, "bank.gift"), "aiken": (_aiken, "bank.aiken"), "moodle_xml": (_xml, "bank.xml")}
PARSERS = {"gift": "parse_gift", "aiken": "parse_aiken", "moodle_xml": "parse_moodle_xml",
           "csv": "drafts_from_table", "xlsx": "drafts_from_table", "zip": "drafts_from_table"}


def _messages(file) -> str:
    return " | ".join(str(issue.message) for issue in file.issues)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_takes_a_question_text_at_the_limit_and_refuses_one_character_more(app, fmt):
    make, filename = FORMATS[fmt]
    at_limit = read_bank_file(make("题" * MAX_STEM_CHARS), filename)
    assert not at_limit.issues and len(at_limit.drafts[0].stem) == MAX_STEM_CHARS
    over = read_bank_file(make("题" * (MAX_STEM_CHARS + 1)), filename)
    assert "may have at most 20,000 characters; it has 20,001" in _messages(over)
    assert not any(len(draft.stem) > MAX_STEM_CHARS for draft in over.drafts)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_refuses_an_option_over_its_limit(app, fmt):
    make, filename = FORMATS[fmt]
    file = read_bank_file(make("收费站的职责是", option="项" * (MAX_OPTION_CHARS + 1)), filename)
    assert "Option A may have at most 2,000 characters" in _messages(file)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_runaway_field_is_refused_fast_and_never_reaches_the_parser(app, fmt, monkeypatch):
    """The probe's file: millions of backslashes (GIFT's escape character) where a question text should be."""
    make, filename = FORMATS[fmt]
    data = make("\\" * HUGE)
    handed = []
    real = getattr(reading, PARSERS[fmt])

    def spy(source, *args, **kwargs):
        handed.append(len(source.rows) if hasattr(source, "rows") else len(source))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(reading, PARSERS[fmt], spy)
    started = time.perf_counter()
    file = read_bank_file(data, filename)
    elapsed = time.perf_counter() - started
    assert file.issues and not file.drafts
    assert handed == []  # refused before parsing: no parser ever held the runaway text
    assert elapsed < 1.0, f"{elapsed:.2f} s"  # a generous bound; it used to take 11-14 s with the preview


@pytest.mark.parametrize("fmt", ["gift", "aiken", "moodle_xml"])
def test_the_refusal_names_the_line_the_runaway_question_starts_on(app, fmt):
    make, filename = FORMATS[fmt]
    data = b"\n\n" + make("x" * (MAX_QUESTION_RAW_CHARS + 1))
    message = _messages(read_bank_file(data, filename))
    assert "The question starting on line 3 is" in message and "Nothing was read." in message


def test_aiken_questions_without_blank_lines_between_them_are_measured_one_by_one(app):
    """Aiken needs no blank line between questions: its ANSWER line ends one, so a long file is not one block."""
    question = "收费站的职责是\nA. 收费\nB. 修路\nANSWER: A\n"
    count = MAX_QUESTION_RAW_CHARS // len(question) + 10
    file = read_bank_file((question * count).encode(), "bank.aiken")
    assert not file.issues and len(file.drafts) == count
