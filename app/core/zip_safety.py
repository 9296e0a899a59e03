"""The checks an uploaded ZIP passes before anything in it is decompressed: an XLSX workbook
(app.core.spreadsheets.xlsx_reader) and a zipped question bank (app.banks.zipped) both use them, each with its
own limits and its own messages, which is why the checks answer with a verdict rather than an error.

- The entry count and directory size come from the end record, before zipfile parses the whole directory.
- Names: no absolute paths, `..`, backslashes, drive letters or NUL, and no name twice.
- No encryption; only stored or deflated entries; the declared sizes add up to at most a limit, and a large
  entry's compression ratio stays under a limit (a zip bomb declares honest sizes or fails the CRC later).
"""

import zipfile
from dataclasses import dataclass
from enum import StrEnum

_EOCD = b"PK\x05\x06"


class Verdict(StrEnum):
    NOT_A_ZIP = "not_a_zip"
    EMPTY = "empty"
    TOO_MANY = "too_many"  # more entries than allowed
    ENCRYPTED = "encrypted"
    REFUSED = "refused"  # oddly packed: names, methods, sizes or ratios


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_uncompressed_bytes: int  # sum of the declared sizes of all entries
    max_ratio: int  # uncompressed / compressed, for entries larger than ratio_min_bytes
    ratio_min_bytes: int


def end_record_verdict(data: bytes, max_entries: int) -> Verdict | None:
    """The entry count from the end record, before zipfile parses the whole directory."""
    end = data.rfind(_EOCD, max(0, len(data) - (22 + 65_535)))
    if end < 0 or len(data) < end + 22:
        return Verdict.NOT_A_ZIP
    entries = int.from_bytes(data[end + 10:end + 12], "little")
    directory_size = int.from_bytes(data[end + 12:end + 16], "little")
    if entries == 0:
        return Verdict.EMPTY
    if entries > max_entries or directory_size > max_entries * (46 + 1024):
        return Verdict.TOO_MANY
    return None


def bad_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or ":" in parts[0]
        or any(part == ".." for part in parts)
    )


def directory_verdict(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> Verdict | None:
    """Entry count, names, encryption, methods, declared sizes and ratios of the parsed directory."""
    if len(infos) > limits.max_entries:
        return Verdict.TOO_MANY
    names = [info.filename for info in infos]
    if len(set(names)) != len(names) or any(bad_name(name) for name in names):
        return Verdict.REFUSED
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            return Verdict.ENCRYPTED
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return Verdict.REFUSED
        if info.file_size > limits.ratio_min_bytes and (
            info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio
        ):
            return Verdict.REFUSED
    if total > limits.max_uncompressed_bytes:
        return Verdict.REFUSED
    return None
