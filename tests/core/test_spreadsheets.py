"""Reading CSV and XLSX uploads: encodings, line endings, cell values, and hostile files.

Pure tests: no app, no database. Files are built here (openpyxl, zipfile), no binary fixtures.
"""

import io
import os
import time
import tracemalloc
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from app.core.spreadsheets import SpreadsheetError, limits, read_table, xlsx_reader

HEADER = "工号,姓名,入职日期"


def csv_rows(table):
    return [(row.number, row.cells) for row in table.rows]


def xlsx_bytes(rows, *, sheets=None) -> bytes:
    """An .xlsx whose first sheet holds `rows`; `sheets` adds more sheets by title."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    for row in rows:
        sheet.append(row)
    for title, more in (sheets or {}).items():
        extra = workbook.create_sheet(title)
        for row in more:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_part(xlsx: bytes, name: str, change) -> bytes:
    """Copy the workbook, passing part `name`'s bytes through `change`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return buffer.getvalue()


def error_of(data: bytes, filename: str) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, filename)
    return caught.value


# --- CSV encodings and line endings ------------------------------------------------------------

def test_plain_utf8_csv_is_read_with_row_numbers():
    table = read_table(f"{HEADER}\nc1001,张三,2024-03-01\n".encode(), "roster.csv")
    assert table.header == ("工号", "姓名", "入职日期")
    assert csv_rows(table) == [(2, ("c1001", "张三", "2024-03-01"))]
    assert table.encoding == "utf-8" and table.format == "csv"


def test_utf8_bom_never_leaks_into_the_first_header():
    table = read_table(("\ufeff" + HEADER + "\nc1,张三,\n").encode(), "roster.csv")
    assert table.header[0] == "工号"


def test_gb18030_csv_as_chinese_excel_saves_it_is_decoded():
    table = read_table(f"{HEADER}\nc1,李喆,2024/3/1\n".encode("gb18030"), "roster.csv")
    assert table.encoding == "gb18030"
    assert table.rows[0].cells == ("c1", "李喆", "2024/3/1")


def test_rare_characters_round_trip_in_utf8_and_gb18030():
    text = f"{HEADER}\nc1,𠮷野喆,\n"
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        assert read_table(text.encode(encoding), "r.csv").rows[0].cells[1] == "𠮷野喆"


def test_utf16_with_bom_and_tabs_is_read():
    table = read_table("工号\t姓名\nc1\t张三\n".encode("utf-16"), "roster.txt")
    assert table.header == ("工号", "姓名")
    assert table.rows[0].cells == ("c1", "张三")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending_gives_the_same_rows(newline):
    text = newline.join([HEADER, "c1,张三,", "", "c2,李四,2024-01-02", ""])
    table = read_table(text.encode(), "roster.csv")
    assert csv_rows(table) == [(2, ("c1", "张三")), (4, ("c2", "李四", "2024-01-02"))]


def test_blank_rows_are_skipped_but_keep_their_numbers():
    table = read_table(f"\n{HEADER}\n , ,\nc1,张三,\n\n\nc2,李四,\n".encode(), "roster.csv")
    assert table.header_row == 2
    assert [row.number for row in table.rows] == [4, 7]


def test_quoted_cells_may_hold_commas_quotes_and_line_breaks():
    text = f'{HEADER}\r\nc1,"张, ""三""\r\n第二行",\r\nc2,李四,\r\n'
    table = read_table(text.encode(), "roster.csv")
    assert table.rows[0].cells[1] == '张, "三"\n第二行'
    assert table.rows[1].number == 3  # a quoted line break does not start a new spreadsheet row


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters_are_recognised(delimiter):
    text = delimiter.join(["工号", "姓名"]) + "\n" + delimiter.join(["c1", "张三"]) + "\n"
    assert read_table(text.encode(), "roster.csv").rows[0].cells == ("c1", "张三")


def test_text_that_is_neither_utf8_nor_gb18030_names_the_first_bad_row():
    data = f"{HEADER}\nc1,张三,\n".encode("gb18030") + b"c2,\x80\x80\xff,\n"
    error = error_of(data, "roster.csv")
    assert error.issues[0].row == 3
    assert "Row 3" in str(error.issues[0])
    assert "UTF-8" in str(error.message)


def test_bom_marked_utf8_with_bad_bytes_is_not_guessed_as_gb18030():
    data = ("\ufeff" + HEADER + "\nc1,张三,\nc2,").encode() + b"\xb2\xe2\xca\xd4,\n"
    error = error_of(data, "roster.csv")
    assert error.issues[0].row == 3


def test_nul_bytes_mean_it_is_not_a_csv():
    error = error_of(b"a,b\nc,\x00d\n", "roster.csv")
    assert error.issues[0].row == 2


def test_an_unclosed_quote_swallowing_a_huge_cell_names_the_row():
    data = (HEADER + '\nc1,"' + "x" * 200_000 + "\n").encode()
    error = error_of(data, "roster.csv")
    assert error.issues[0].row is not None


def test_a_cell_longer_than_excel_allows_is_named():
    data = (HEADER + "\nc1," + "长" * (limits.MAX_CELL_CHARS + 1) + ",\n").encode()
    error = error_of(data, "roster.csv")
    assert (error.issues[0].row, error.issues[0].column) == (2, "姓名")


# --- Files that are not spreadsheets ------------------------------------------------------------

def test_empty_file_says_so():
    assert str(error_of(b"", "roster.csv").message) == "The file is empty."


def test_a_file_with_only_blank_lines_has_no_header():
    assert "header" in str(error_of(b"\r\n , \r\n", "roster.csv").message)


@pytest.mark.parametrize("filename", ["roster.xlsx", "roster.csv"])
def test_png_bytes_are_recognised_whatever_the_name(filename):
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(200)
    assert "PNG" in str(error_of(data, filename).message)


def test_pdf_named_csv_is_refused():
    assert "PDF" in str(error_of(b"%PDF-1.7\n...", "roster.csv").message)


def test_old_xls_files_are_refused_with_advice():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    assert ".xls" in str(error_of(data, "roster.xls").message)


def test_unknown_extension_is_refused():
    assert ".xlsx" in str(error_of(b"a,b\n1,2\n", "roster.docx").message)


def test_random_bytes_named_csv_give_a_clear_error():
    data = bytes(range(128, 256)) * 4
    error = error_of(data, "roster.csv")
    assert error.issues[0].row == 1


def test_text_named_xlsx_is_refused():
    assert "not an Excel workbook" in str(error_of(b"a,b\n", "roster.xlsx").message)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert "not an Excel workbook" in str(error_of(buffer.getvalue(), "roster.xlsx").message)


def test_truncated_workbook_is_refused():
    data = xlsx_bytes([["工号"], ["c1"]])
    error_of(data[: len(data) // 2], "roster.xlsx")


# --- XLSX cells ---------------------------------------------------------------------------------

def test_xlsx_dates_numbers_and_text_become_plain_text():
    data = xlsx_bytes([
        ["工号", "姓名", "入职日期", "备注"],
        [1001, "张三", datetime(2024, 3, 1), 0.1 + 0.2],
        [1002.0, "李四", date(2023, 12, 31), True],
        ["c1003", "王五", datetime(2024, 3, 1, 8, 30), 12.5],
    ])
    table = read_table(data, "roster.xlsx")
    assert table.format == "xlsx" and table.sheet == "花名册"
    assert [row.cells for row in table.rows] == [
        ("1001", "张三", "2024-03-01", "0.3"),
        ("1002", "李四", "2023-12-31", "TRUE"),
        ("c1003", "王五", "2024-03-01 08:30:00", "12.5"),
    ]


def test_xlsx_blank_rows_are_skipped_and_numbering_kept():
    table = read_table(xlsx_bytes([["工号", "姓名"], [], ["c1", "张三"], [None, "  "], ["c2", "李四"]]), "r.xlsx")
    assert [row.number for row in table.rows] == [3, 5]


def test_xlsx_text_that_looks_like_a_formula_stays_literal():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名"])
    sheet.append(["c1", "x"])
    sheet["B2"].value = "=1+1"
    sheet["B2"].data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_table(buffer.getvalue(), "r.xlsx").rows[0].cells == ("c1", "=1+1")


def test_xlsx_formula_gives_its_saved_value_and_is_never_evaluated():
    data = xlsx_bytes([["工号", "姓名", "分数"], ["c1", "张三", "=1+1"]])
    data = rewrite_part(data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>7</v>"))
    assert read_table(data, "r.xlsx").rows[0].cells == ("c1", "张三", "7")


def test_xlsx_formula_without_saved_value_names_row_and_column():
    data = xlsx_bytes([["工号", "姓名", "分数"], ["c1", "张三", 1], ["c2", "李四", "=SUM(C2:C2)"]])
    error = error_of(data, "r.xlsx")
    assert (error.issues[0].row, error.issues[0].column) == (3, "分数")
    assert "formula" in str(error.issues[0])


def test_xlsx_error_values_are_reported_on_their_cell():
    data = xlsx_bytes([["工号", "姓名"], ["c1", "x"]])
    data = rewrite_part(data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b'<c r="B2" t="inlineStr"><is><t>x</t></is></c>', b'<c r="B2" t="e"><v>#N/A</v></c>'))
    error = error_of(data, "r.xlsx")
    assert (error.issues[0].row, error.issues[0].column) == (2, "姓名")
    assert "#N/A" in str(error.issues[0])


def test_only_the_first_sheet_is_read_and_the_count_is_reported():
    data = xlsx_bytes([["工号"], ["c1"]], sheets={"其他": [["x"], ["y"]]})
    table = read_table(data, "r.xlsx")
    assert table.sheet == "花名册" and table.sheet_count == 2
    assert table.rows[0].cells == ("c1",)


def test_xlsx_content_is_recognised_even_when_named_csv():
    assert read_table(xlsx_bytes([["工号"], ["c1"]]), "roster.csv").format == "xlsx"


def test_more_rows_than_the_limit_are_refused():
    text = "工号\n" + "".join(f"c{i}\n" for i in range(11))
    with pytest.raises(SpreadsheetError) as caught:
        read_table(text.encode(), "r.csv", max_rows=10)
    assert "more than 10 rows" in str(caught.value.message)
    with pytest.raises(SpreadsheetError):
        read_table(xlsx_bytes([["工号"]] + [[f"c{i}"] for i in range(11)]), "r.xlsx", max_rows=10)
    assert len(read_table(text.encode(), "r.csv", max_rows=11).rows) == 11


def test_defusedxml_is_what_openpyxl_parses_with():
    assert openpyxl.DEFUSEDXML is True


# --- Hostile workbooks ------------------------------------------------------------------------

def _bomb(size: int) -> bytes:
    """A real workbook plus one huge, highly compressible part."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["工号"], ["c1"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in base.infolist():
            archive.writestr(info.filename, base.read(info))
        with archive.open("xl/media/bomb.xml", "w") as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                part.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_is_refused_fast_without_decompressing_it():
    data = _bomb(48 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = error_of(data, "roster.xlsx")
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "refused" in str(error.message)
    assert elapsed < 1.0
    assert peak < 8 * 1024 * 1024  # far less than the 48 MiB the part would inflate to


def test_workbook_whose_parts_declare_too_much_in_total_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "XLSX_MAX_UNCOMPRESSED_BYTES", 2000)
    assert "refused" in str(error_of(xlsx_bytes([["工号"], ["c1"]]), "r.xlsx").message)


def test_zip_with_too_many_entries_is_refused_from_its_end_record():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(limits.XLSX_MAX_ENTRIES + 1):
            archive.writestr(f"xl/p{number}.xml", "<p/>")
    assert "refused" in str(error_of(buffer.getvalue(), "r.xlsx").message)


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "xl\\evil.xml", "C:/evil.xml"])
def test_zip_entries_with_escaping_paths_are_refused(name):
    data = xlsx_bytes([["工号"], ["c1"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target, zipfile.ZipFile(io.BytesIO(data)) as source:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        info = zipfile.ZipInfo("placeholder.xml")
        info.filename = name  # ZipInfo would normalise the name; set it as an attacker would
        target.writestr(info, "<x/>")
    assert "refused" in str(error_of(buffer.getvalue(), "r.xlsx").message)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
               for i in range(1, 10))
    + b"]>\n"
)


def test_billion_laughs_in_a_sheet_is_refused():
    data = xlsx_bytes([["工号"], ["c1"]])
    data = rewrite_part(data, "xl/worksheets/sheet1.xml", lambda xml: BILLION_LAUGHS + xml.replace(
        b"<t>c1</t>", b"<t>&lol9;</t>"))
    started = time.perf_counter()
    error = error_of(data, "r.xlsx")
    assert time.perf_counter() - started < 1.0
    assert "DTD" in str(error.message)


def test_doctype_hidden_behind_comments_is_still_found():
    data = xlsx_bytes([["工号"], ["c1"]])
    padding = b"<!-- <worksheet> -->" * 10
    data = rewrite_part(data, "xl/workbook.xml", lambda xml: padding + b'<!DOCTYPE x [<!ENTITY e "e">]>' + xml)
    assert "DTD" in str(error_of(data, "r.xlsx").message)


def test_prolog_longer_than_the_scan_is_refused():
    data = xlsx_bytes([["工号"], ["c1"]])
    padding = b"<!--" + b"x" * (limits.XML_PROLOG_SCAN_BYTES + 10) + b"-->"
    data = rewrite_part(data, "xl/workbook.xml", lambda xml: padding + xml)
    assert "refused" in str(error_of(data, "r.xlsx").message)


def test_defusedxml_still_stops_entities_if_the_prolog_scan_missed_them(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "_check_prolog", lambda archive, info: None)
    data = xlsx_bytes([["工号"], ["c1"]])
    data = rewrite_part(data, "xl/worksheets/sheet1.xml", lambda xml: BILLION_LAUGHS + xml.replace(
        b"<t>c1</t>", b"<t>&lol9;</t>"))
    assert "could not be read" in str(error_of(data, "r.xlsx").message)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ('<?xml version="1.0"?><root/>', "ok"),
        ("\n  <!-- c --><?pi x?><root>", "ok"),
        ('<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://x">', "dtd"),
        ("<!--a--><!ENTITY x 'y'>", "dtd"),
        ("<!-- never closed", "unknown"),
        ("   ", "unknown"),
        ("PNG binary data", "ok"),
    ],
)
def test_prolog_verdicts(text, verdict):
    assert xlsx_reader.prolog_verdict(text, complete=False) == verdict


def test_a_part_that_lies_about_its_size_cannot_inflate_beyond_it():
    """zipfile stops at the declared size, so the directory checks bound the memory even for lies."""
    data = bytearray(_bomb(16 * 1024 * 1024))
    name = b"xl/media/bomb.xml"
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    small = (1000).to_bytes(4, "little")
    data[central + 24 : central + 28] = small  # uncompressed size in the central directory
    local = data.rfind(b"PK\x03\x04", 0, data.find(name))
    data[local + 22 : local + 26] = small  # and in the local header
    tracemalloc.start()
    try:
        error = error_of(bytes(data), "roster.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "not a valid Excel workbook" in str(error.message)  # the CRC no longer matches
    assert peak < 8 * 1024 * 1024
