"""A bank packed as a ZIP with its images: read safely, images checked by their bytes, stored once."""

import zipfile
from datetime import UTC, datetime

import pytest

from app.accounts.actors import SYSTEM
from app.banks import zipped
from app.banks.importing import BankImportRejected, import_bank, preview_import, read_bank_file
from app.banks.models import Image, QuestionVersion
from app.banks.zipped import read_zip
from app.core.images import image_type
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from tests.banks.test_importing import ROWS, counts, csv_bytes, png, row_with_image, zip_bytes

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGN = png(2, 2, color=200)


@pytest.fixture
def law(app):
    ensure_courses()
    db.session.commit()
    return find_course("law")


def _bank_zip(*rows: str, images: dict[str, bytes] | None = None, folder: str = "") -> bytes:
    files = {f"{folder}bank.csv": csv_bytes(*rows)}
    files.update({f"{folder}images/{name}": data for name, data in (images or {}).items()})
    return zip_bytes(files)


def _messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


def _import(course, data: bytes, bank_name: str = "图片题库"):
    return import_bank(SYSTEM, course, bank_name, read_bank_file(data, "bank.zip"), now=NOW, ip="t")


# --- Reading the archive -------------------------------------------------------------------------


def test_image_types_are_known_by_their_signature():
    assert image_type(SIGN) == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "image/jpeg"
    assert image_type(b"GIF89a" + b"\0" * 20) == "image/gif"
    assert image_type(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


def test_a_zipped_folder_gives_its_bank_and_images_and_skips_clutter():
    data = zip_bytes({
        "题库/bank.csv": csv_bytes(*ROWS),
        "题库/images/sign.png": SIGN,
        "题库/说明.docx": b"PK...",
        "__MACOSX/题库/._sign.png": b"\0\5\26\7",
        "题库/.DS_Store": b"\0",
    })
    packed = read_zip(data)
    assert packed.issues == []
    assert packed.table_name == "题库/bank.csv" and packed.table_data == csv_bytes(*ROWS)
    assert set(packed.images) == {"sign.png"} and packed.images["sign.png"].content_type == "image/png"
    assert packed.ignored == ["题库/说明.docx"]


def test_a_zip_without_a_bank_or_with_two_is_refused():
    assert "holds no question bank" in _messages(read_zip(zip_bytes({"a.png": SIGN})).issues)[0]
    two = read_zip(zip_bytes({"a.csv": csv_bytes(*ROWS), "b.xlsx": b"PK"}))
    assert "more than one bank (a.csv, b.xlsx)" in _messages(two.issues)[0]


def test_something_that_is_not_a_zip_is_refused():
    file = read_bank_file(csv_bytes(*ROWS), "bank.zip")
    assert _messages(file.issues) == ["The file is not a valid ZIP archive."]


@pytest.mark.parametrize("name", ["../evil.png", "/etc/bank.csv", "a/../../b.csv", "c:\\bank.csv", "C:/bank.csv"])
def test_names_reaching_outside_the_archive_are_refused(name):
    data = zip_bytes({"bank.csv": csv_bytes(*ROWS), name: SIGN})
    packed = read_zip(data)
    assert packed.table_data == b"" and packed.images == {}
    assert "refused" in _messages(packed.issues)[0]


def test_a_zip_bomb_is_refused_before_it_is_decompressed():
    bomb = zip_bytes({"bank.csv": csv_bytes(*ROWS), "big.png": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    packed = read_zip(bomb)
    assert "refused" in _messages(packed.issues)[0] and packed.images == {}


def test_an_entry_larger_than_its_declared_size_is_not_read_past_it():
    """The directory says 10 bytes; the entry inflates to 1 MiB. Reading stops at 10 and the CRC fails."""
    data = bytearray(zip_bytes({"bank.csv": csv_bytes(*ROWS), "sign.png": SIGN + b"\0" * (1024 * 1024)}))
    central = data.rfind(b"PK\x01\x02")  # the last entry's central directory record: sign.png
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    packed = read_zip(bytes(data))
    assert "sign.png" not in packed.images
    assert "damaged" in _messages(packed.issues)[0]


def test_too_many_entries_are_refused_from_the_end_record(monkeypatch):
    monkeypatch.setattr(zipped, "MAX_ENTRIES", 5)
    data = zip_bytes({"bank.csv": csv_bytes(*ROWS), **{f"{i}.png": SIGN for i in range(5)}})
    assert "more than 5 files" in _messages(read_zip(data).issues)[0]


def test_encrypted_entries_are_refused():
    data = bytearray(zip_bytes({"bank.csv": csv_bytes(*ROWS)}, compression=zipfile.ZIP_STORED))
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    assert "password-protected" in _messages(read_zip(bytes(data)).issues)[0]


def test_a_non_image_named_png_is_refused_by_name(law):
    data = _bank_zip(row_with_image("该标志表示前方收费站。", "sign.png"), images={"sign.png": b"<?php echo 1; ?>"})
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, data)
    assert _messages(rejected.value.preview.errors) == [
        "The file images/sign.png is not a PNG, JPEG, GIF or WebP image, whatever its name says."]


def test_an_image_over_the_size_limit_is_refused(monkeypatch, law):
    monkeypatch.setattr(zipped, "MAX_IMAGE_BYTES", 1024)
    big = png(64, 64, color=7) + b"\0" * 2048
    data = _bank_zip(row_with_image("该标志表示前方收费站。", "big.png"), images={"big.png": big})
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, data)
    assert "larger than" in _messages(rejected.value.preview.errors)[0]


def test_two_images_with_the_same_name_are_ambiguous():
    data = zip_bytes({"bank.csv": csv_bytes(*ROWS), "a/sign.png": SIGN, "b/sign.png": png(color=9)})
    assert "Two images in the ZIP file are named sign.png (a/sign.png and b/sign.png)" in _messages(
        read_zip(data).issues)[0]


# --- Importing -----------------------------------------------------------------------------------


def test_a_zip_bank_stores_its_questions_and_images(law):
    rows = (*ROWS, row_with_image("该标志表示前方收费站。", "sign.png"),
            row_with_image("该标志表示禁止超车。", "Other.PNG"))
    data = _bank_zip(*rows, images={"sign.png": SIGN, "other.png": png(color=50), "spare.png": png(color=99)},
                     folder="bank/")
    result = _import(law, data)
    db.session.commit()
    assert result.created == 7 and result.images == 2
    assert result.preview.file.format == "zip" and result.preview.file.inner_name == "bank/bank.csv"
    assert "Images in the ZIP that no question uses (not stored): spare.png." in _messages(result.preview.warnings)
    stored = db.session.scalars(db.select(Image)).all()
    assert len(stored) == 2 and {image.content_type for image in stored} == {"image/png"}
    version = db.session.scalars(db.select(QuestionVersion).where(QuestionVersion.stem == "该标志表示前方收费站。")).one()
    assert version.image.data == SIGN


def test_the_same_image_is_stored_once_across_imports(law):
    first = _import(law, _bank_zip(row_with_image("该标志表示前方收费站。", "sign.png"), images={"sign.png": SIGN}))
    db.session.commit()
    second = _import(law, _bank_zip(row_with_image("这个标志表示什么？", "标志.png"), images={"标志.png": SIGN}),
                     bank_name="另一个题库")
    db.session.commit()
    assert (first.images, second.images) == (1, 1)
    assert db.session.scalar(db.select(db.func.count(Image.id))) == 1


def test_a_missing_image_is_an_error_on_its_row_and_nothing_is_stored(law):
    before = counts()
    data = _bank_zip(*ROWS, row_with_image("该标志表示前方收费站。", "missing.png"), images={"sign.png": SIGN})
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, data)
    db.session.rollback()
    assert counts() == before
    assert _messages(rejected.value.preview.errors) == ["Row 7, column 图片: The image missing.png is not in the ZIP file."]


def test_an_image_named_in_a_plain_csv_asks_for_a_zip(law):
    preview = preview_import(None, read_bank_file(csv_bytes(row_with_image("该标志表示前方收费站。", "sign.png")),
                                                  "bank.csv"), bank_name="x")
    assert _messages(preview.errors) == [
        "Row 2, column 图片: The image sign.png was not uploaded: to import images, upload a ZIP file holding the "
        "bank and its images."]
