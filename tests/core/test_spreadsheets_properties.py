"""Property tests: whatever bytes arrive, read_table returns a Table or raises SpreadsheetError."""

import io

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.spreadsheets import SpreadsheetError, Table, read_table

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(data: bytes, filename: str):
    try:
        return read_table(data, filename)
    except SpreadsheetError as error:
        assert error.issues and str(error.message)
        return error


@SETTINGS
@given(st.binary(max_size=4096))
def test_any_bytes_named_csv_give_a_table_or_a_spreadsheet_error(data):
    assert isinstance(_outcome(data, "roster.csv"), Table | SpreadsheetError)


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
line_endings = st.sampled_from(["\n", "\r\n", "\r"])


@SETTINGS
@given(
    st.lists(st.lists(cells, min_size=1, max_size=5), min_size=1, max_size=8),
    line_endings,
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_csv_like_text_in_any_supported_encoding_never_fails_unexpectedly(rows, newline, encoding):
    text = newline.join(",".join(row) for row in rows)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    assert isinstance(_outcome(data, "roster.csv"), Table | SpreadsheetError)


@SETTINGS
@given(st.lists(st.text(alphabet="abc工号,\"\r\n 𠮷", max_size=10), min_size=1, max_size=6))
def test_simple_csv_round_trips_its_cells(values):
    header = "h1,h2"
    lines = [header] + [f'"{value.replace(chr(34), chr(34) * 2)}",x' for value in values]
    outcome = _outcome("\r\n".join(lines).encode("gb18030"), "roster.csv")
    assert isinstance(outcome, Table)
    expected = [value.replace("\r\n", "\n").replace("\r", "\n") for value in values]
    assert [row.cells[0] for row in outcome.rows] == expected  # "x" keeps every row non-blank


@SETTINGS
@given(st.binary(max_size=2048))
def test_any_bytes_behind_a_zip_signature_give_a_table_or_a_spreadsheet_error(tail):
    assert isinstance(_outcome(b"PK\x03\x04" + tail, "roster.xlsx"), Table | SpreadsheetError)


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "姓名"])
    workbook.active.append(["c1", "张三"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WORKBOOK = _workbook()  # built once: it embeds the time, and hypothesis needs the same bytes each run


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_corrupted_workbooks_give_a_table_or_a_spreadsheet_error(data):
    corrupted = bytearray(WORKBOOK)
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        position = data.draw(st.integers(min_value=0, max_value=len(corrupted) - 1))
        corrupted[position] = data.draw(st.integers(min_value=0, max_value=255))
    assert isinstance(_outcome(bytes(corrupted), "roster.xlsx"), Table | SpreadsheetError)
