"""A question bank packed as a ZIP: one CSV or XLSX bank (docs/question-banks.md) and the
images its `图片` column names, read safely.

The ZIP directory is checked before anything is decompressed, with the same rules as an XLSX upload
(app.core.zip_safety): entry count from the end record, names (no absolute paths, `..`,
backslashes, drive letters or NUL), no encryption, only stored or deflated entries, declared sizes and
compression ratio. Each entry is then read no further than its declared size (zipfile stops there and
checks the CRC), so a directory that lies about sizes cannot inflate memory.

Decisions:
- Folders inside the ZIP are allowed (a zipped folder is the common case); images are found by their
  file name alone, as the bank's `图片` column names them. Two images with the same name in different
  folders are an error (which one is meant?).
- macOS and Windows clutter (`__MACOSX/`, `.DS_Store`, `._x`, `Thumbs.db`, `desktop.ini`) is skipped
  silently; other files that are neither the bank nor an image are listed in `ignored`.
- Every image must be what its bytes say: PNG, JPEG, GIF or WebP (checked by signature, whatever the
  name's extension), at most MAX_IMAGE_BYTES.
"""

import io
import zipfile
from dataclasses import dataclass, field

from app.banks.answers import IMAGE_EXTENSIONS
from app.core.i18n import lazy_gettext as _l
from app.core.images import image_type
from app.core.spreadsheets import Issue
from app.core.zip_safety import Verdict, ZipLimits, directory_verdict, end_record_verdict

MAX_ENTRIES = 1_000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # sum of the declared sizes of all entries
MAX_RATIO = 200  # uncompressed / compressed, for entries larger than RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024 * 1024
MAX_IMAGE_BYTES = 2 * 1024 * 1024
TABLE_EXTENSIONS = (".csv", ".xlsx")

_CLUTTER_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class PackedImage:
    name: str  # the file name, without folders: what the bank's image column writes
    data: bytes
    content_type: str


@dataclass
class ZippedBank:
    table_name: str = ""  # path of the bank inside the ZIP
    table_data: bytes = b""
    images: dict[str, PackedImage] = field(default_factory=dict)  # file name → image
    ignored: list[str] = field(default_factory=list)  # paths that are neither the bank nor an image
    refused: set[str] = field(default_factory=set)  # image names whose file was refused (issue already given)
    issues: list[Issue] = field(default_factory=list)


def _refused() -> Issue:
    return Issue(_l(
        "The ZIP file was refused: its contents are unusually large or oddly packed (or it holds paths "
        "outside its own folder). Pack the bank and its images again with an ordinary ZIP tool."
    ))


def _not_a_zip() -> Issue:
    return Issue(_l("The file is not a valid ZIP archive."))


def read_zip(data: bytes) -> ZippedBank:
    """The bank file and images in a ZIP; `issues` says why it cannot be used (then nothing else is set)."""
    bank = ZippedBank()
    problem = _check_end_record(data)
    if problem is not None:
        bank.issues.append(problem)
        return bank
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # BadZipFile, struct errors, bad offsets
        bank.issues.append(_not_a_zip())
        return bank
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        problem = _check_directory(archive.infolist())
        if problem is not None:
            bank.issues.append(problem)
            return bank
        _sort(bank, archive, infos)
    return bank


def _issue(verdict: Verdict | None) -> Issue | None:
    """The checks of app.core.zip_safety, told in this upload's words."""
    if verdict is None:
        return None
    if verdict == Verdict.NOT_A_ZIP:
        return _not_a_zip()
    if verdict == Verdict.EMPTY:
        return Issue(_l("The ZIP file is empty."))
    if verdict == Verdict.TOO_MANY:
        return Issue(_l("The ZIP file holds more than %(max)d files.", max=MAX_ENTRIES))
    if verdict == Verdict.ENCRYPTED:
        return Issue(_l("The ZIP file is password-protected. Pack it again without a password."))
    return _refused()


def _check_end_record(data: bytes) -> Issue | None:
    return _issue(end_record_verdict(data, MAX_ENTRIES))


def _check_directory(infos: list[zipfile.ZipInfo]) -> Issue | None:
    return _issue(directory_verdict(infos, ZipLimits(MAX_ENTRIES, MAX_UNCOMPRESSED_BYTES, MAX_RATIO, RATIO_MIN_BYTES)))


def _is_clutter(path: str) -> bool:
    parts = path.split("/")
    base = parts[-1]
    return parts[0] == "__MACOSX" or base.startswith("._") or base.casefold() in _CLUTTER_NAMES


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The entry's bytes, never more than it declares; None if they do not check out (CRC, truncation)."""
    try:
        with archive.open(info) as entry:
            data = entry.read(info.file_size + 1)
    except Exception:  # bad CRC, truncated data, unsupported features
        return None
    return data if len(data) == info.file_size else None


def _sort(bank: ZippedBank, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    tables = []
    image_paths: dict[str, str] = {}  # file name → path, to name both paths of a repeated name
    for info in infos:
        path = info.filename
        if _is_clutter(path):
            continue
        name = path.rsplit("/", 1)[-1]
        lowered = name.lower()
        if lowered.endswith(TABLE_EXTENSIONS):
            tables.append(info)
        elif lowered.endswith(IMAGE_EXTENSIONS):
            if name in image_paths:
                bank.issues.append(Issue(_l(
                    "Two images in the ZIP file are named %(name)s (%(first)s and %(second)s); the bank names "
                    "images by file name only, so give each a different name.",
                    name=name, first=image_paths[name], second=path)))
                continue
            image_paths[name] = path
            image = _image(archive, info, name, bank)
            if image is not None:
                bank.images[name] = image
        else:
            bank.ignored.append(path)
    if not tables:
        bank.issues.insert(0, Issue(_l(
            "The ZIP file holds no question bank: put one CSV (.csv) or Excel (.xlsx) file in it, with the "
            "images its 图片 (image) column names.")))
        return
    if len(tables) > 1:
        bank.issues.insert(0, Issue(_l(
            "The ZIP file holds more than one bank (%(names)s); put exactly one CSV or Excel file in it.",
            names=", ".join(info.filename for info in tables))))
        return
    data = _read(archive, tables[0])
    if data is None:
        bank.issues.insert(0, Issue(_l("The file %(name)s in the ZIP file is damaged and cannot be read.",
                                       name=tables[0].filename)))
        return
    bank.table_name, bank.table_data = tables[0].filename, data


def _image(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, bank: ZippedBank) -> PackedImage | None:
    bank.refused.add(name)  # until it checks out
    if info.file_size > MAX_IMAGE_BYTES:
        bank.issues.append(Issue(_l("The image %(name)s is larger than %(mb)d MiB; make it smaller.",
                                    name=info.filename, mb=MAX_IMAGE_BYTES // (1024 * 1024))))
        return None
    data = _read(archive, info)
    if data is None:
        bank.issues.append(Issue(_l("The file %(name)s in the ZIP file is damaged and cannot be read.",
                                    name=info.filename)))
        return None
    content_type = image_type(data)
    if content_type is None:
        bank.issues.append(Issue(_l(
            "The file %(name)s is not a PNG, JPEG, GIF or WebP image, whatever its name says.", name=info.filename)))
        return None
    bank.refused.discard(name)
    return PackedImage(name=name, data=data, content_type=content_type)
