"""Every XLSX the app writes prints as an office needs and reads as people expect (issue 18, item 8): A4
landscape, one page wide, the header row on every page, the report's title above and "page N of M" below,
in the reader's language; formula-like text as quote-prefixed text without an added apostrophe; staff numbers
as text with their zeros; the document's properties name the report and the application. Both writers: the
streaming one of the reports (app/reports/xlsx_stream.py) and openpyxl's for question banks."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from flask_babel import force_locale
from openpyxl import load_workbook

from app.banks.drafts import Draft, QuestionType
from app.banks.exporting import to_xlsx
from app.banks.formats.table import parse_table
from app.reports.exports import RESULT_COLUMNS
from app.reports.tables import NUMBER, Column, write_xlsx

HEADING = "法规考试 & 补考 成绩 20261207"
ROW = ("000456", "=1+1", "东郊收费站", "一班", "法律法规", "法规考试", "", 1, "已评分", None, None, 80, 100, 80,
       "通过", "是")


def _write(app, path, *, locale="zh_Hans", rows=(ROW,)):
    with app.test_request_context(), force_locale(locale):
        write_xlsx(RESULT_COLUMNS, iter(rows), str(path), title="成绩", heading=HEADING)
    return load_workbook(path)


def _assert_prints_one_page_wide_landscape_a4_with_the_header_row_repeated(sheet):
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.print_options.gridLines
    assert sheet.freeze_panes == "A2"


def test_a_report_prints_one_page_wide_in_landscape_a4_with_its_header_row_on_every_page(app, tmp_path):
    sheet = _write(app, tmp_path / "r.xlsx").active
    _assert_prints_one_page_wide_landscape_a4_with_the_header_row_repeated(sheet)
    with zipfile.ZipFile(tmp_path / "r.xlsx") as package:
        workbook = package.read("xl/workbook.xml").decode()
    assert '<definedName name="_xlnm.Print_Titles" localSheetId="0">\'成绩\'!$1:$1</definedName>' in workbook


@pytest.mark.parametrize(("locale", "footer", "creator"), [("zh_Hans", "第 &P 页，共 &N 页", "收费站培训考试系统"),
                                                           ("en", "Page &P of &N", "Toll Training and Exams")])
def test_printed_pages_carry_the_title_above_and_page_n_of_m_below_in_the_readers_language(
        app, tmp_path, locale, footer, creator):
    book = _write(app, tmp_path / f"{locale}.xlsx", locale=locale)
    sheet = book.active
    assert sheet.oddHeader.center.text == "&B" + HEADING.replace("&", "&&")  # a literal & is doubled in a header
    assert sheet.oddFooter.center.text == footer
    assert book.properties.title == HEADING and book.properties.creator == creator


def test_a_long_title_is_cut_to_fit_excels_limit_on_headers(app, tmp_path):
    with app.test_request_context(), force_locale("en"):
        write_xlsx(RESULT_COLUMNS, iter(()), str(tmp_path / "long.xlsx"), heading="长" * 400)
    header = load_workbook(tmp_path / "long.xlsx").active.oddHeader.center.text
    assert header.startswith("&B长") and len(header) < 255


def test_formula_like_text_is_quote_prefixed_text_without_an_added_apostrophe(app, tmp_path):
    sheet = _write(app, tmp_path / "q.xlsx", rows=[ROW, ("000457", "'=already", *ROW[2:]),
                                                   ("000458", "张三", *ROW[2:])]).active
    texts = [(cell.value, cell.data_type, cell.quotePrefix) for cell in sheet["B"][1:]]
    assert texts == [("=1+1", "s", True), ("'=already", "s", True), ("张三", "s", False)]


def test_a_formula_like_header_is_quote_prefixed_and_stays_bold(app, tmp_path):
    columns = (Column("course", "=课程", NUMBER),)
    with app.test_request_context():
        write_xlsx(columns, iter([(1,)]), str(tmp_path / "h.xlsx"))
    cell = load_workbook(tmp_path / "h.xlsx").active["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix, cell.font.b) == ("=课程", "s", True, True)


def test_staff_numbers_are_text_cells_that_keep_their_leading_zeros(app, tmp_path):
    cell = _write(app, tmp_path / "s.xlsx").active["A2"]
    assert (cell.value, cell.data_type) == ("000456", "s")


def test_document_properties_have_their_parts_content_types_relationships_and_w3cdtf_times(app, tmp_path):
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    book = _write(app, tmp_path / "p.xlsx")
    assert before <= book.properties.created == book.properties.modified
    with zipfile.ZipFile(tmp_path / "p.xlsx") as package:
        types = package.read("[Content_Types].xml").decode()
        relationships = package.read("_rels/.rels").decode()
        core = package.read("docProps/core.xml").decode()
        fromstring(package.read("docProps/app.xml"))
    assert 'PartName="/docProps/core.xml"' in types and 'PartName="/docProps/app.xml"' in types
    assert 'Target="docProps/core.xml"' in relationships and 'Target="docProps/app.xml"' in relationships
    assert 'xsi:type="dcterms:W3CDTF">' in core and "Z</dcterms:created>" in core
    assert "<dc:title>法规考试 &amp; 补考 成绩 20261207</dc:title>" in core


# --- Question banks (openpyxl) --------------------------------------------------------------------

RISKY = Draft(type=QuestionType.TRUE_FALSE, stem="=1+1 是公式吗", truth=False, explanation="@提示")


def test_a_bank_prints_like_the_reports_and_names_itself_in_its_properties():
    now = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    book = load_workbook(io.BytesIO(to_xlsx([RISKY], title="法规&题库", footer="第 &P 页，共 &N 页",
                                            creator="收费站培训考试系统", now=now)))
    sheet = book.active
    _assert_prints_one_page_wide_landscape_a4_with_the_header_row_repeated(sheet)
    assert sheet.oddHeader.center.text == "法规&&题库" and sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert (book.properties.title, book.properties.creator) == ("法规&题库", "收费站培训考试系统")
    assert book.properties.created == datetime(2026, 12, 7, 8, 30)
    stem = sheet["C2"]
    assert (stem.value, stem.data_type, stem.quotePrefix) == ("=1+1 是公式吗", "s", True)


def test_a_bank_exported_to_xlsx_and_imported_again_keeps_formula_like_text_exactly():
    again, issues = parse_table(to_xlsx([RISKY]), "bank.xlsx")
    assert issues == [] and (again[0].stem, again[0].explanation) == ("=1+1 是公式吗", "@提示")
