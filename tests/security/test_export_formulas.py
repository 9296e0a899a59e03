"""The export formula corpus (docs/security.md §27): hostile text in every field, every export downloaded in every
format, and no cell a spreadsheet could take for a formula — checked cell by cell and, where LibreOffice is
installed, by opening the CSV and XLSX files in it and finding no formula (issue 14, finding 5), nor in XLSX an
apostrophe the text did not have (issue 18, item 8)."""

import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal, InvalidOperation

import pytest
from openpyxl import load_workbook
from werkzeug.routing.converters import AnyConverter

from app.core.roles import Role
from app.core.spreadsheets.formulas import FORMULA_STARTS, neutralise
from tests.core.test_route_permissions import Visitor
from tests.security.hostile import FORMULA_CORPUS, poison

SOFFICE = shutil.which("soffice")


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _csv_problems(name: str, data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [f"{name} row {number}: {cell!r}" for number, row in enumerate(rows, 1) for cell in row
            if cell and cell[0] in FORMULA_STARTS and not _is_number(cell)]


def _xlsx_problems(name: str, data: bytes) -> list[str]:
    problems = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{name} {cell.coordinate}: formula cell {cell.value!r}")
                elif isinstance(cell.value, str) and cell.value and cell.value[0] in FORMULA_STARTS and not cell.quotePrefix:
                    problems.append(f"{name} {cell.coordinate}: {cell.value!r}")
    return problems


def export_urls(app, arguments):
    """Every download: each route whose last argument chooses the format, in each format it offers."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        converter = rule._converters.get("fmt")
        if isinstance(converter, AnyConverter):
            for fmt in sorted(converter.items):
                _domain, url = rule.build({**{n: arguments[n] for n in rule.arguments if n != "fmt"}, "fmt": fmt})
                yield fmt, url


@pytest.fixture
def downloads(app, users, real_arguments):
    """Every export of the poisoned world, downloaded by an administrator: [(format, url, bytes)]."""
    arguments = real_arguments(Role.ADMIN)
    poison(keep_staff_no=users.values())
    admin = Visitor(app, users[Role.ADMIN])
    files = []
    for fmt, url in export_urls(app, arguments):
        response = admin.open("GET", url)
        assert response.status_code == 200, url
        files.append((fmt, url, response.get_data()))
    assert {fmt for fmt, _url, _data in files} >= {"csv", "xlsx"} and len(files) >= 10
    return files


def test_the_corpus_is_neutralised_as_text():
    for text in FORMULA_CORPUS:
        assert neutralise(text) == "'" + text


def test_no_exported_cell_starts_a_formula(downloads):
    problems = []
    for fmt, url, data in downloads:
        if fmt == "csv":
            problems += _csv_problems(url, data)
        elif fmt == "xlsx":
            problems += _xlsx_problems(url, data)
    hostile = sum(data.count(b"1+1") for _fmt, _url, data in downloads if _fmt == "csv")
    assert hostile > 20  # the poisoned fields really are in the files
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
def test_libreoffice_opens_every_csv_export_without_a_formula(downloads, tmp_path):
    """One LibreOffice start converts every CSV (as a person opening it would, formulas evaluated) to flat ODS."""
    sources = []
    for index, (fmt, _url, data) in enumerate(downloads):
        if fmt == "csv":
            sources.append(tmp_path / f"export{index}.csv")
            sources[-1].write_bytes(data)
    evaluate_formulas = "CSV:44,34,76,1,,0,false,true,false,false,false,false,true"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    f"--infilter={evaluate_formulas}", "--convert-to", "fods", "--outdir", str(tmp_path / "out"),
                    *map(str, sources)], check=True, capture_output=True, timeout=120)
    converted = sorted((tmp_path / "out").glob("*.fods"))
    assert len(converted) == len(sources)
    for path in converted:
        formulas = re.findall(r'table:formula="([^"]*)"', path.read_text(encoding="utf-8"))
        assert formulas == [], f"{path.name}: {formulas}"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
def test_libreoffice_opens_every_xlsx_export_without_a_formula_or_an_added_apostrophe(downloads, tmp_path):
    """XLSX exports keep hostile text as quote-prefixed text: LibreOffice (one start for every file) finds no
    formula, and no cell shows an apostrophe in front of a formula start that the text did not have."""
    sources = []
    for index, (fmt, _url, data) in enumerate(downloads):
        if fmt == "xlsx":
            sources.append(tmp_path / f"export{index}.xlsx")
            sources[-1].write_bytes(data)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "fods",
                    "--outdir", str(tmp_path / "out"), *map(str, sources)], check=True, capture_output=True, timeout=120)
    converted = sorted((tmp_path / "out").glob("*.fods"))
    assert len(converted) == len(sources)
    shown = []
    for path in converted:
        xml = path.read_text(encoding="utf-8")
        assert re.findall(r'table:formula="([^"]*)"', xml) == [], path.name
        shown += re.findall(r"<text:p>([^<]*)</text:p>", xml)
    assert sum(text.startswith("=1+1") for text in shown) > 5  # the hostile text is there, as typed
    assert not [text for text in shown if text[:1] == "'" and text[1:2] in FORMULA_STARTS]
