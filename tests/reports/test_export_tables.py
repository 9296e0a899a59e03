"""The CSV and XLSX writers opened back with csv and openpyxl: types, text ids, no formulas, neutralised
injections, BOM, RFC 4180 quoting, frozen header, autofilter, widths, local times."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from app.core.i18n import lazy_gettext as _l
from app.reports.tables import DATE, DATETIME, NUMBER, TEXT, Column, csv_chunks, download, write_xlsx

COLUMNS = (
    Column("staff_no", _l("Staff no."), TEXT, width=12),
    Column("name", _l("Name"), TEXT),
    Column("score", _l("Score"), NUMBER),
    Column("percent", _l("Percentage"), NUMBER, number_format="0.00"),
    Column("day", _l("Date"), DATE),
    Column("at", _l("Submitted at"), DATETIME),
)
INJECTIONS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx", "\rx", "\nx", "'=already"]
AT = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)  # 10:30 in Asia/Shanghai


def _rows():
    yield ("000123", "张三", Decimal("85.50"), Decimal("85.5"), date(2026, 3, 1), AT)
    yield ("a,b", 'say "hi"', -2, 0, None, None)
    yield ("line\nbreak", "x", None, None, None, None)
    for text in INJECTIONS:
        yield (text, text, text, None, None, None)


def _csv(app) -> tuple[bytes, list[list[str]]]:
    with app.test_request_context(), force_locale("en"):
        data = b"".join(csv_chunks(COLUMNS, _rows()))
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx(app, tmp_path):
    path = tmp_path / "t.xlsx"
    with app.test_request_context(), force_locale("en"):
        count = write_xlsx(COLUMNS, _rows(), str(path), title="成绩: [测试]")
    return count, load_workbook(path)


def test_csv_starts_with_a_bom_and_ends_lines_with_crlf(app):
    data, rows = _csv(app)
    assert data.startswith(b"\xef\xbb\xbf")
    records = data.split(b"\r\n")
    assert records[-1] == b""
    assert records[1] == "000123,张三,85.5,85.5,2026-03-01,2026-03-01 10:30:00".encode()
    assert b'"line\nbreak",x,,,,' in records  # a newline inside a quoted cell is the cell's, not a record end


def test_csv_quotes_commas_quotes_and_newlines_as_rfc_4180(app):
    data, rows = _csv(app)
    assert b'"a,b","say ""hi"""' in data
    assert b'"line\nbreak"' in data
    assert rows[2][:2] == ["a,b", 'say "hi"']
    assert rows[3][0] == "line\nbreak"


def test_csv_keeps_staff_numbers_and_writes_numbers_plainly(app):
    _data, rows = _csv(app)
    assert rows[1] == ["000123", "张三", "85.5", "85.5", "2026-03-01", "2026-03-01 10:30:00"]
    assert rows[2][2:4] == ["-2", "0"]  # a real negative number is not neutralised


@pytest.mark.parametrize("index", range(len(INJECTIONS)))
def test_csv_neutralises_cells_a_spreadsheet_would_read_as_formulas(app, index):
    _data, rows = _csv(app)
    text = INJECTIONS[index]
    row = rows[4 + index]
    assert row[0] == row[1] == row[2] == "'" + text  # text in a number column is text, neutralised too


def test_xlsx_cells_have_the_right_types_and_no_formulas(app, tmp_path):
    count, workbook = _xlsx(app, tmp_path)
    assert count == 3 + len(INJECTIONS)
    sheet = workbook.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    staff, name, score, share, day, at = (sheet.cell(2, column) for column in range(1, 7))
    assert (staff.value, staff.data_type) == ("000123", "s")
    assert name.value == "张三"
    assert score.value == 85.5 and score.data_type == "n"
    assert share.value == 85.5 and share.number_format == "0.00"
    assert day.value == datetime(2026, 3, 1) and day.is_date
    assert at.value == datetime(2026, 3, 1, 10, 30) and at.is_date
    assert sheet.cell(3, 3).value == -2 and sheet.cell(3, 3).data_type == "n"
    assert sheet.cell(4, 1).value == "line\nbreak"


@pytest.mark.parametrize("index", range(len(INJECTIONS)))
def test_xlsx_writes_cells_a_spreadsheet_would_read_as_formulas_as_quote_prefixed_text(app, tmp_path, index):
    _count, workbook = _xlsx(app, tmp_path)
    row = 5 + index
    sheet = workbook.active
    for column in (1, 2, 3):
        cell = sheet.cell(row, column)
        # CR is stored as the OOXML escape _x000D_, which Excel decodes (openpyxl leaves it in inline strings).
        assert cell.value.replace("_x000D_", "\r") == INJECTIONS[index]  # no apostrophe added
        assert cell.data_type == "s" and cell.quotePrefix


def test_xlsx_has_a_frozen_header_an_autofilter_widths_and_a_clean_sheet_name(app, tmp_path):
    count, workbook = _xlsx(app, tmp_path)
    sheet = workbook.active
    assert sheet.title == "成绩 测试"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:F{count + 1}"
    assert [cell.value for cell in sheet[1]] == ["Staff no.", "Name", "Score", "Percentage", "Date", "Submitted at"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width == pytest.approx(12, abs=1)
    assert sheet.column_dimensions["B"].width >= 8


def test_an_empty_export_still_has_its_header(app, tmp_path):
    with app.test_request_context(), force_locale("en"):
        data = b"".join(csv_chunks(COLUMNS, iter(())))
        count = write_xlsx(COLUMNS, iter(()), str(tmp_path / "e.xlsx"))
    assert data.decode("utf-8-sig").splitlines() == ["Staff no.,Name,Score,Percentage,Date,Submitted at"]
    assert count == 0
    sheet = load_workbook(tmp_path / "e.xlsx").active
    assert [cell.value for cell in sheet[1]][0] == "Staff no."


def test_a_row_of_the_wrong_length_is_a_programming_error(app, tmp_path):
    with app.test_request_context(), pytest.raises(ValueError):
        write_xlsx(COLUMNS, iter([("only one",)]), str(tmp_path / "x.xlsx"))


def test_download_streams_with_attachment_headers_and_no_caching(app):
    with app.test_request_context():
        sent = download(COLUMNS, _rows(), "xlsx", filename="考试成绩 2026", title="成绩")
        xlsx = sent.response
        assert sent.rows == 3 + len(INJECTIONS)
        assert xlsx.is_streamed
        assert xlsx.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        disposition = xlsx.headers["Content-Disposition"]
        assert disposition.startswith("attachment; filename=\"")
        assert "filename*=UTF-8''%E8%80%83%E8%AF%95%E6%88%90%E7%BB%A9%202026.xlsx" in disposition
        assert disposition.encode("ascii")  # the header itself is plain ASCII
        assert "no-store" in xlsx.headers["Cache-Control"]
        body = b"".join(xlsx.response)
        assert body.startswith(b"PK") and len(body) == int(xlsx.headers["Content-Length"])
        sent = download(COLUMNS, _rows(), "csv", filename="考试成绩")
        assert sent.rows is None
        assert sent.response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert b"".join(sent.response.response).startswith(b"\xef\xbb\xbf")
    with app.test_request_context(), pytest.raises(ValueError):
        download(COLUMNS, _rows(), "ods", filename="x")


def test_headers_are_translated_into_the_readers_language(app, tmp_path):
    english = ["Staff no.", "Name", "Score", "Percentage", "Date", "Submitted at"]
    with app.test_request_context(), force_locale("zh_Hans"):
        chinese = [gettext(msgid) for msgid in english]
        data = b"".join(csv_chunks(COLUMNS, iter(())))
        write_xlsx(COLUMNS, iter(()), str(tmp_path / "zh.xlsx"))
    assert chinese[:3] == ["工号", "姓名", "得分"]  # already in the catalogue: proves the gettext path
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == chinese
    assert [cell.value for cell in load_workbook(tmp_path / "zh.xlsx").active[1]] == chinese
