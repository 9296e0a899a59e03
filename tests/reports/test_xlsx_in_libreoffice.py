"""A wide 60-row results export opened in LibreOffice as an office would open it: staff numbers keep their
zeros, formula-like text shows as typed (no apostrophe) and is not evaluated, and printed it is one page wide
(issue 18, item 8). Skipped where LibreOffice is not installed; CI installs it. One LibreOffice profile serves
both conversions (a start takes a few seconds)."""

import csv
import io
import re
import shutil
import subprocess

import pytest
from flask_babel import force_locale

from app.reports.exports import RESULT_COLUMNS
from app.reports.tables import write_xlsx

SOFFICE = shutil.which("soffice")
ROWS = 60
UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")


def _row(number: int) -> tuple:
    text = ("=1+1", "+86 138", "@提示", "-2")[number % 4]
    return (f"{number:06d}", text, "东郊收费站", "一班", "法律法规；廉洁自律与职业道德", "2026年度收费人员岗位培训法规考试",
            "", 1, "已评分", None, None, 80, 100, 80, "通过", "是")


def _convert(source, target: str, profile, outdir) -> bytes:
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target,
                    "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=120)
    return (outdir / f"{source.stem}.{target.split(':')[0]}").read_bytes()


def test_libreoffice_keeps_staff_number_zeros_shows_formula_text_as_typed_and_prints_one_page_wide(app, tmp_path):
    source = tmp_path / "results.xlsx"
    with app.test_request_context(), force_locale("zh_Hans"):
        write_xlsx(RESULT_COLUMNS, (_row(n) for n in range(1, ROWS + 1)), str(source), title="成绩",
                   heading="法规考试成绩")
    profile, outdir = tmp_path / "profile", tmp_path / "out"

    table = list(csv.reader(io.StringIO(_convert(source, UTF8_CSV, profile, outdir).decode("utf-8"))))
    assert len(table) == ROWS + 1
    assert [row[0] for row in table[1:4]] == ["000001", "000002", "000003"]  # text, not the numbers 1, 2, 3
    assert [row[1] for row in table[1:5]] == ["+86 138", "@提示", "-2", "=1+1"]  # as typed, never evaluated to 2
    assert not any(row[1].startswith("'") for row in table[1:])

    pdf = _convert(source, "pdf", profile, outdir)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    # 16 columns are about six A4 pages wide at 100%; fitted to one page wide, 61 rows need one or two pages.
    assert 1 <= pages <= 2, pages
