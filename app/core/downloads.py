"""Names of downloaded files: a file name every system accepts, and the `Content-Disposition` header that
carries it. Exports, calendars and lesson attachments are named in Chinese, so the header gives an ASCII
fallback (`filename="…"`, never empty: Werkzeug's `send_file` would write `filename=.ics` for `第一期.ics`)
and the real name as RFC 5987 `filename*`, on every download, ASCII or not."""

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
    if "." in filename and not fallback.endswith(filename.rsplit(".", 1)[1]):
        fallback = f"{fallback}.{filename.rsplit('.', 1)[1]}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
