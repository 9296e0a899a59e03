"""Download names: the real (Chinese) name as RFC 5987 `filename*`, and an ASCII fallback that keeps the
extension. Werkzeug's `send_file(download_name=…)` writes `filename*` too, but its fallback for an all-Chinese
name is the bare extension (`filename=.ics`), which some browsers save as a hidden file, hence our own header."""

import io
from urllib.parse import unquote

from werkzeug.test import EnvironBuilder
from werkzeug.utils import send_file

from app.core.downloads import content_disposition, safe_filename


def test_a_chinese_name_travels_as_rfc_5987_with_an_ascii_fallback_that_keeps_the_extension():
    header = content_disposition("第一期.ics")
    assert header.startswith('attachment; filename="export.ics"; ')
    assert header.endswith("filename*=UTF-8''%E7%AC%AC%E4%B8%80%E6%9C%9F.ics")
    assert unquote(header.rsplit("''", 1)[1]) == "第一期.ics"


def test_werkzeug_writes_rfc_5987_too_but_falls_back_to_the_bare_extension():
    response = send_file(io.BytesIO(b"x"), EnvironBuilder().get_environ(), download_name="第一期.ics",
                         as_attachment=True)
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=.ics; filename*=UTF-8''%E7%AC%AC%E4%B8%80%E6%9C%9F.ics")
    response.close()


def test_safe_filename_drops_separators_and_reserved_characters():
    assert safe_filename('../考试:成绩?.csv') == "_考试_成绩_.csv"
    assert safe_filename(" . ") == "export"
