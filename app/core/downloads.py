"""Names of downloaded files: a file name every system accepts, and the `Content-Disposition` header that
carries it. Exports, calendars and lesson attachments are named in Chinese, so the header gives an ASCII
fallback that keeps a name and the extension (`第一期.ics` → `filename="export.ics"`) and the real name as
RFC 5987 `filename*`, on every download, ASCII or not. Werkzeug's `send_file(download_name=…)` writes the same
`filename*`, but its fallback for that name is the bare extension (`filename=.ics`, a hidden file on some
systems) and it leaves `filename*` out for ASCII names, so downloads use this header (tests/core/test_downloads.py)."""

import re
import unicodedata
from urllib.parse import quote

_UNSAFE_IN_FILENAMES = re.compile(r'[\\/:*?"<>|;\x00-\x1f\x7f]+')


def safe_filename(name: str) -> str:
    """A file name every system accepts: no path separators, quotes, controls or reserved characters."""
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE_IN_FILENAMES.sub("_", name).strip(" .")
    return name[:150] or "export"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the real (Chinese) name as RFC 5987 `filename*`."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback).strip("_.") or "export"
    if "." in filename:
        extension = filename.rsplit(".", 1)[1]
        if fallback == extension:  # nothing of the name but its extension was ASCII: 第一期.ics
            fallback = "export"
        if not fallback.endswith(extension):
            fallback = f"{fallback}.{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
