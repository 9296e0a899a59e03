"""The hand-written XLSX writer's files, taken apart: well-formed parts that openpyxl opens (normal and
read-only), text that survives or is cleaned as documented, number and date cells, no formulas, the
header's looks, big and empty tables, and failures that leave nothing behind."""

import tempfile
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring
from flask_babel import force_locale
from openpyxl import load_workbook

from app.reports.tables import DATE, DATETIME, NUMBER, TEXT, Column, write_xlsx, xlsx_file
from app.reports.xlsx_stream import BATCH_ROWS, MAX_CELL_CHARS, serial

COLUMNS = (
    Column("text", "Text", TEXT, width=30),
    Column("score", "Score", NUMBER),
    Column("percent", "Percentage", NUMBER, number_format="0.00"),
    Column("day", "Date", DATE),
    Column("at", "Submitted at", DATETIME),
)
SHEET = "xl/worksheets/sheet1.xml"


def _write(app, path, rows, columns=COLUMNS) -> int:
    with app.test_request_context(), force_locale("en"):
        return write_xlsx(columns, iter(rows), str(path), title="Results")


def _texts(app, tmp_path, texts) -> list:
    path = tmp_path / "texts.xlsx"
    _write(app, path, [(text, None, None, None, None) for text in texts])
    return [row[0] for row in load_workbook(path).active.iter_rows(min_row=2, values_only=True)]


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(SHEET).decode("utf-8")


def test_every_part_is_well_formed_xml_and_opens_in_openpyxl_normal_and_read_only(app, tmp_path):
    path = tmp_path / "parts.xlsx"
    rows = [("a", 1, Decimal("0.5"), date(2026, 3, 1), datetime(2026, 3, 1, 2, 30, tzinfo=UTC))] * 3
    assert _write(app, path, rows) == 3
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        names = package.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", SHEET} <= set(names)
        for name in names:
            fromstring(package.read(name))  # xml.etree underneath: raises on anything not well-formed
    normal = load_workbook(path).active
    assert (normal.max_row, normal.max_column) == (4, 5)
    read_only = load_workbook(path, read_only=True)
    values = list(read_only.active.values)
    read_only.close()
    assert values == list(normal.values)
    assert values[1] == ("a", 1, 0.5, datetime(2026, 3, 1), datetime(2026, 3, 1, 10, 30))


def test_text_with_xml_specials_edge_spaces_emoji_and_chinese_survives(app, tmp_path):
    texts = ['a & b <c> "d" \'e\'', "  leading", "trailing  ", " ", "tab\tinside", "line\nbreak",
             "cr\rinside", "收费站 😀 emoji", "]]> ends a CDATA"]
    assert _texts(app, tmp_path, texts) == texts
    assert '<t xml:space="preserve">  leading</t>' in _sheet_xml(tmp_path / "texts.xlsx")


def test_characters_xml_cannot_hold_are_dropped_and_excel_escapes_are_escaped(app, tmp_path):
    texts = ["a\x00b\x07c\x0bd\x1fe\ufffef\uffffg\ud800h", "_x0041_ is not an A"]
    assert _texts(app, tmp_path, texts) == ["abcdefgh", "_x005F_x0041_ is not an A"]  # Excel shows "_x0041_"


def test_long_text_is_cut_to_the_cells_limit(app, tmp_path):
    plain, special = "x" * (MAX_CELL_CHARS + 10), "<" * (MAX_CELL_CHARS + 10)
    assert _texts(app, tmp_path, [plain, special]) == [plain[:MAX_CELL_CHARS], special[:MAX_CELL_CHARS]]


def test_numbers_are_number_cells_and_anything_else_in_a_number_column_is_text(app, tmp_path):
    path = tmp_path / "numbers.xlsx"
    scores = [Decimal("85.50"), -2, 0, 1.25, Decimal("-0.5"), 10**15, True, "12", Decimal("NaN"), float("inf")]
    _write(app, path, [(None, score, score, None, None) for score in scores])
    sheet = load_workbook(path).active
    cells = [(sheet.cell(row, 2), sheet.cell(row, 3)) for row in range(2, 2 + len(scores))]
    assert [plain.value for plain, _formatted in cells[:6]] == [85.5, -2, 0, 1.25, -0.5, 10**15]
    assert all(plain.data_type == "n" and formatted.number_format == "0.00" for plain, formatted in cells[:6])
    assert [(plain.value, plain.data_type) for plain, _formatted in cells[6:]] == [
        ("True", "s"), ("12", "s"), ("NaN", "s"), ("inf", "s")]
    assert all(formatted.number_format == "General" for _plain, formatted in cells[6:])


def test_dates_and_datetimes_round_trip_in_the_local_zone_with_their_formats(app, tmp_path):
    path = tmp_path / "dates.xlsx"
    late = datetime(2026, 3, 1, 17, 15, 42, tzinfo=UTC)  # 01:15:42 on 2 March in Asia/Shanghai
    rows = [(None, None, None, date(2026, 3, 1), late),
            (None, None, None, late, datetime(2026, 3, 1, 0, 0)),  # a naive datetime is taken as UTC
            (None, None, None, date(1900, 1, 1), None),
            (None, None, None, date(1900, 2, 28), None),
            (None, None, None, date(1900, 3, 1), None),
            (None, None, None, "soon", "later")]
    _write(app, path, rows)
    sheet = load_workbook(path).active
    read = [(sheet.cell(row, 4).value, sheet.cell(row, 5).value) for row in range(2, 8)]
    assert read == [(datetime(2026, 3, 1), datetime(2026, 3, 2, 1, 15, 42)),
                    (datetime(2026, 3, 2), datetime(2026, 3, 1, 8, 0)),
                    (datetime(1900, 1, 1), None), (datetime(1900, 2, 28), None), (datetime(1900, 3, 1), None),
                    ("soon", "later")]
    assert (sheet.cell(2, 4).number_format, sheet.cell(2, 5).number_format) == ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss")
    assert sheet.cell(7, 4).data_type == "s"


def test_excel_day_numbers_count_the_29_february_1900_that_never_was():
    assert [serial(date(1900, 1, 1)), serial(date(1900, 2, 28)), serial(date(1900, 3, 1))] == [1, 59, 61]
    assert serial(datetime(2026, 3, 1, 18)) == 46082.75


def test_no_formula_element_is_ever_written(app, tmp_path):
    path = tmp_path / "formulas.xlsx"
    injections = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "\t=1"]
    _write(app, path, [(text, text, text, text, text) for text in injections])
    xml = _sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(path).active
    assert [sheet.cell(row, 1).value for row in range(2, 2 + len(injections))] == injections
    assert all(sheet.cell(row, column).quotePrefix for row in range(2, 2 + len(injections)) for column in range(1, 6))
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_many_rows_keep_a_bold_frozen_header_widths_and_an_autofilter_over_all_of_them(app, tmp_path):
    path = tmp_path / "many.xlsx"
    count = 2 * BATCH_ROWS + 7
    assert _write(app, path, [(f"{n:06d}", n, None, None, None) for n in range(count)]) == count
    sheet = load_workbook(path).active
    assert sheet.max_row == count + 1
    assert sheet.auto_filter.ref == f"A1:E{count + 1}"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    assert sheet.column_dimensions["A"].width == pytest.approx(30, abs=1)
    assert sheet.cell(count + 1, 1).value == f"{count - 1:06d}" and sheet.cell(count + 1, 2).value == count - 1
    with zipfile.ZipFile(path) as package:
        workbook = package.read("xl/workbook.xml").decode()
    assert f"'Results'!$A$1:$E${count + 1}</definedName>" in workbook


def test_an_empty_table_is_a_valid_file_with_its_header(app, tmp_path):
    path = tmp_path / "empty.xlsx"
    assert _write(app, path, []) == 0
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            fromstring(package.read(name))
    sheet = load_workbook(path).active
    assert [cell.value for cell in sheet[1]] == ["Text", "Score", "Percentage", "Date", "Submitted at"]
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:E2"


def _failing_rows():
    for n in range(BATCH_ROWS + 5):
        yield (str(n), n, None, None, None)
    raise RuntimeError("the database went away")


def test_a_failing_row_source_propagates_and_leaves_no_files_behind(app, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "kept.xlsx").write_bytes(b"an older file")
    with pytest.raises(RuntimeError, match="went away"):
        _write(app, folder / "new.xlsx", _failing_rows())
    with pytest.raises(RuntimeError, match="went away"):
        _write(app, folder / "kept.xlsx", _failing_rows())
    assert [path.name for path in folder.iterdir()] == ["kept.xlsx"]
    assert (folder / "kept.xlsx").read_bytes() == b"an older file"
    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    with app.test_request_context(), pytest.raises(RuntimeError, match="went away"):
        xlsx_file(COLUMNS, _failing_rows())
    assert list(spools.iterdir()) == []


def test_the_wrong_number_of_values_raises_naming_the_row(app, tmp_path):
    rows = [("a", 1, None, None, None), ("b", 2, None, None, None), ("c", 3)]
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(ValueError, match="row 3 has 2 values for 5 columns"):
        _write(app, folder / "short.xlsx", rows)
    assert list(folder.iterdir()) == []
