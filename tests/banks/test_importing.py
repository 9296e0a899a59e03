"""The bank import service: every format, all or nothing, duplicates skipped with a warning, audit.

The small bank files at the top are shared with test_bank_cli and test_zipped."""

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func

from app.accounts.actors import SYSTEM
from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.importing import (
    BankImportRejected,
    clean_text,
    import_bank,
    preview_import,
    read_bank_file,
)
from app.banks.models import Bank, Image, Question, QuestionVersion, Topic, question_topics
from app.banks.services import find_bank, set_status
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

BANKS = Path(__file__).resolve().parents[2] / "question_banks"
COURSES = ("law", "integrity", "etiquette", "procedures")
HEADER = "题型,题干,选项A,选项B,选项C,选项D,答案,分值,难度,知识点,解析,出处,图片"

ROWS = (
    "单选,《收费公路管理条例》自何时起施行？,2004年11月1日,2004年9月13日,2005年1月1日,,A,2,2,收费公路管理条例,第六十条。,第60条,",
    "多选,收费站应当公示的内容有（ ）。,收费标准,收费期限,收费单位,站长电话,ABC,3,3,收费公示;文明服务,,,",
    "判断,收费员可以私自收取现金而不出具票据。,,,,,错,1,1,廉洁自律,,,",
    "填空,鲜活农产品运输车辆享受____政策。,,,,,绿色通道|绿色通道政策,2,2,绿色通道,,,",
    "简答,简述发现假币时的处理程序。,,,,,当面收缴并加盖假币章，开具收缴凭证。,10,4,假币识别,,,",
)

GIFT = """// [tag:收费政策]
::Q1:: 收费公路的收费期限由谁审查批准？ {=省、自治区、直辖市人民政府 ~国务院 ~交通运输部}

::Q2:: 收费员可以私自收取现金而不出具票据。 {F}

::Q3:: 鲜活农产品运输车辆享受 {=绿色通道 =绿色通道政策} 政策。

::Q4:: 下列属于收费员职责的有（ ）。 {~%50%文明服务 ~%50%按章收费 ~%-100%私自减免}

::Q5:: 简述发现假币时的处理程序。 {####当面收缴并加盖假币章，开具收缴凭证。}
"""

AIKEN = """收费站入口称重检测的目的是什么？
A. 计算通行费
B. 治理超限超载
ANSWER: B

发现假币应当如何处理？
A. 退还客户
B. 当面收缴
ANSWER: B
"""

MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<question type="category"><category><text>$course$/收费</text></category></question>
<question type="multichoice"><name><text>Q1</text></name>
<questiontext format="html"><text><![CDATA[<p>收费站应当在哪里公示收费标准？</p>]]></text></questiontext>
<defaultgrade>2</defaultgrade><single>true</single>
<answer fraction="100"><text>收费站的显著位置</text></answer><answer fraction="0"><text>站长办公室</text></answer>
</question>
<question type="truefalse"><name><text>Q2</text></name><questiontext><text>收费员可以私自减免通行费。</text></questiontext>
<answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer></question>
<question type="essay"><name><text>Q3</text></name><questiontext><text>简述文明服务的要求。</text></questiontext>
<graderinfo><text>微笑服务，礼貌用语。</text></graderinfo></question>
</quiz>
"""


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *rows, ""]).encode(encoding)


def png(width: int = 1, height: int = 1, color: int = 0) -> bytes:
    """A real PNG: one colour, `width` × `height` pixels (8-bit greyscale)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([color]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def zip_bytes(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def row_with_image(stem: str, image: str) -> str:
    return f"判断,{stem},,,,,对,1,1,交通标志,,,{image}"


def counts() -> dict:
    """Everything an import may write, counted."""
    def count(column) -> int:
        return db.session.scalar(db.select(func.count(column)))

    return {
        "banks": count(Bank.id),
        "questions": count(Question.id),
        "versions": count(QuestionVersion.id),
        "topics": count(Topic.id),
        "question_topics": db.session.scalar(db.select(func.count()).select_from(question_topics)),
        "images": count(Image.id),
        "audit": count(AuditEvent.id),
    }


pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ALL_TYPES = {"single", "multiple", "true_false", "fill_blank", "short_answer"}


@pytest.fixture
def law(app):
    ensure_courses()
    db.session.commit()
    return find_course("law")


def _import(course, data: bytes, filename: str, bank_name: str = "测试题库", *, actor=SYSTEM, format="auto",
            **options):
    return import_bank(actor, course, bank_name, read_bank_file(data, filename, format=format), now=NOW, ip="t",
                       **options)


def _messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


# --- Shipped banks and formats -------------------------------------------------------------------


@pytest.mark.parametrize("code", COURSES)
def test_each_shipped_bank_imports_completely_with_all_five_types(app, code):
    ensure_courses()
    course = find_course(code)
    path = BANKS / code / f"{code}.csv"
    result = _import(course, path.read_bytes(), path.name, bank_name=f"{code} bank")
    db.session.commit()
    assert result.created >= 60 and result.skipped_duplicates == 0
    assert {kind for kind, count in result.per_type.items() if count} == ALL_TYPES
    assert result.bank_created and result.bank.course_id == course.id
    stored = db.session.scalars(db.select(Question).where(Question.bank_id == result.bank.id)).all()
    assert len(stored) == result.created
    assert all(question.current is not None and question.current.number == 1 for question in stored)
    event = db.session.get(AuditEvent, result.event_id)
    assert event.action == actions.BANK_IMPORTED
    assert event.details["file"] == path.name and event.details["course"] == code
    assert event.details["created"] == result.created and event.details["skipped_duplicates"] == 0
    assert event.details["per_type"] == result.per_type


def test_csv_rows_become_versions_with_key_points_topics_and_explanation(law):
    result = _import(law, csv_bytes(*ROWS), "bank.csv")
    db.session.commit()
    assert result.created == 5 and result.per_type == dict.fromkeys(
        ("single", "multiple", "true_false", "fill_blank", "short_answer"), 1)
    versions = {v.type: v for v in db.session.scalars(db.select(QuestionVersion))}
    assert versions["multiple"].key == {"correct": [0, 1, 2]}
    assert versions["fill_blank"].key == {"blanks": [["绿色通道", "绿色通道政策"]]}
    assert versions["true_false"].key == {"truth": False}
    assert versions["single"].explanation == "第六十条。" and versions["single"].source == "第60条"
    assert str(versions["short_answer"].points) in ("10", "10.00") and versions["short_answer"].difficulty == 4
    multiple = db.session.get(Question, versions["multiple"].question_id)
    assert [topic.name for topic in multiple.topics] == sorted(["收费公示", "文明服务"])


def test_xlsx_bank_imports_like_the_csv(law):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in csv_bytes(*ROWS).decode().splitlines():
        sheet.append(line.split(","))
    out = BytesIO()
    book.save(out)
    result = _import(law, out.getvalue(), "bank.xlsx")
    assert result.created == 5 and result.preview.file.format == "xlsx"


@pytest.mark.parametrize(("filename", "options", "expected"), [
    ("bank.gift", {}, "gift"),
    ("bank.txt", {}, "gift"),
    ("bank.txt", {"format": "gift"}, "gift"),
])
def test_gift_file_imports_every_type(law, filename, options, expected):
    result = _import(law, GIFT.encode(), filename, **options)
    assert result.preview.file.format == expected
    assert result.per_type == dict.fromkeys(("single", "multiple", "true_false", "fill_blank", "short_answer"), 1)
    tagged = db.session.scalars(db.select(Question)).first()
    assert [topic.name for topic in tagged.topics] == ["收费政策"]


@pytest.mark.parametrize(("filename", "options"), [("bank.aiken", {}), ("bank.txt", {}), ("bank.txt", {"format": "aiken"})])
def test_aiken_file_is_recognised_and_imports_single_choice(law, filename, options):
    result = _import(law, AIKEN.encode(), filename, **options)
    assert result.preview.file.format == "aiken"
    assert result.created == 2 and result.per_type["single"] == 2


def test_aiken_with_a_brace_in_a_stem_is_still_aiken():
    text = AIKEN.replace("计算通行费", "计算通行费 {按车型}")
    assert read_bank_file(text.encode(), "bank.txt").format == "aiken"


def test_choosing_gift_for_an_aiken_text_reports_gift_problems(law):
    file = read_bank_file(AIKEN.encode(), "bank.txt", format="gift")
    assert file.format == "gift" and file.issues and not file.drafts


def test_moodle_xml_imports_choice_true_false_and_essay(law):
    result = _import(law, MOODLE_XML.encode(), "moodle.xml")
    assert result.preview.file.format == "moodle_xml"
    assert (result.per_type["single"], result.per_type["true_false"], result.per_type["short_answer"]) == (1, 1, 1)


def test_unknown_extension_and_format_for_a_table_are_refused(law):
    assert "cannot be imported" in _messages(read_bank_file(b"x", "bank.docx").issues)[0]
    assert "only be chosen for a text file" in _messages(read_bank_file(csv_bytes(*ROWS), "bank.csv",
                                                                        format="gift").issues)[0]
    assert _messages(read_bank_file(b"", "bank.csv").issues) == ["The file is empty."]
    with pytest.raises(ValueError):
        read_bank_file(b"x", "bank.csv", format="yaml")


def test_header_only_file_and_blank_text_file_hold_no_questions(law):
    assert read_bank_file(csv_bytes(), "bank.csv").issues
    assert _messages(read_bank_file(b"\n\n", "bank.gift").issues) == ["The file holds no questions."]


# --- All or nothing ------------------------------------------------------------------------------


def test_one_bad_row_rejects_the_whole_file_and_names_row_and_column(law):
    before = counts()
    bad = "单选,题干在此,甲,乙,,,C,2,2,,,,"
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, csv_bytes(*ROWS, bad), "bank.csv")
    db.session.rollback()
    assert counts() == before
    errors = rejected.value.preview.errors
    assert [(issue.row, issue.column) for issue in errors] == [(7, "答案")]
    assert _messages(errors) == ["Row 7, column 答案: The answer names option C, but there is no option C."]


def test_problems_in_a_text_format_name_the_question(law):
    before = counts()
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, GIFT.replace("{F}", "{#3}").encode(), "bank.gift")
    db.session.rollback()
    assert counts() == before
    assert _messages(rejected.value.preview.errors) == [
        "Question 2 (Q2): numerical questions are not supported, so it cannot be imported."]


def test_preview_reads_only_and_can_be_made_again_from_the_same_bytes(law):
    data = csv_bytes(*ROWS)
    before = counts()
    first = preview_import(None, read_bank_file(data, "bank.csv"), bank_name="新题库")
    again = preview_import(None, read_bank_file(data, "bank.csv"), bank_name="新题库")
    assert counts() == before
    assert first.ok and first.per_type == again.per_type and len(first.to_import) == 5
    assert first.bank is None and first.bank_name == "新题库"


def test_importing_into_a_missing_bank_can_be_refused(law):
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, csv_bytes(*ROWS), "bank.csv", bank_name="没有的题库", create_bank_if_missing=False)
    assert "has no bank named 没有的题库" in _messages(rejected.value.preview.errors)[0]
    assert find_bank(law, "没有的题库") is None


@pytest.mark.parametrize("name", ["", "   ", "名" * 201])
def test_a_new_bank_needs_a_usable_name(law, name):
    with pytest.raises(BankImportRejected):
        _import(law, csv_bytes(*ROWS), "bank.csv", bank_name=name)


def test_the_importing_trainer_owns_the_new_bank_and_is_the_audit_actor(law, users):
    trainer = users[Role.TRAINER]
    result = _import(law, csv_bytes(*ROWS), "bank.csv", actor=trainer)
    db.session.commit()
    assert result.bank.owners == [trainer]
    event = db.session.get(AuditEvent, result.event_id)
    assert (event.actor_id, event.ip, event.target_id) == (trainer.id, "t", str(result.bank.id))


# --- Cleaning ------------------------------------------------------------------------------------


def test_control_characters_are_removed_before_storing():
    assert clean_text("收\x00费\x07站\r\n第二行\t完") == "收费站\n第二行\t完"


def test_control_characters_never_reach_the_database(law):
    row = "判断,收费员\x08应当\x1b文明服务。,,,,,对,1,1,,说明\x7f,,"
    result = _import(law, csv_bytes(row), "bank.csv")
    db.session.commit()
    version = db.session.scalars(db.select(QuestionVersion)).one()
    assert result.created == 1 and version.stem == "收费员应当文明服务。" and version.explanation == "说明"


def test_a_file_with_nul_bytes_is_refused_whole(law):
    with pytest.raises(BankImportRejected):
        _import(law, csv_bytes("判断,收费员\x00应当文明服务。,,,,,对,1,1,,,,"), "bank.csv")
    with pytest.raises(BankImportRejected):
        _import(law, GIFT.replace("{F}", "\x00{F}").encode(), "bank.gift")


def test_a_stem_of_control_characters_only_is_empty(law):
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, csv_bytes("判断,\x01\x02,,,,,对,1,1,,,,"), "bank.csv")
    assert _messages(rejected.value.preview.errors) == ["Row 2, column 题干: The question text is empty."]


# --- Duplicates ----------------------------------------------------------------------------------


def test_repeats_within_the_file_are_flagged_with_both_rows_and_skipped(law):
    repeat = ROWS[0].replace("《收费公路管理条例》自何时起施行？", "《收费公路管理条例》自何时起施行 ?")
    different = ROWS[2].replace(",错,", ",对,")
    result = _import(law, csv_bytes(*ROWS, repeat, different), "bank.csv")
    assert (result.created, result.skipped_duplicates) == (5, 2)
    warnings = _messages(result.preview.warnings)
    assert "Row 7, column 题干: The same question as row 2; it is skipped." in warnings
    assert any(w.startswith("Row 8, column 题干: The same question as row 4, but with a different answer") for w in warnings)
    event = db.session.get(AuditEvent, result.event_id)
    assert event.details["skipped_duplicates"] == 2


def test_questions_already_in_the_bank_are_skipped_and_new_ones_added(law):
    first = _import(law, csv_bytes(*ROWS[:3]), "bank.csv")
    db.session.commit()
    second = _import(law, csv_bytes(*ROWS), "bank.csv")
    db.session.commit()
    assert (first.created, second.created, second.skipped_duplicates) == (3, 2, 3)
    assert second.bank.id == first.bank.id and not second.bank_created
    assert "The bank already has this question" in _messages(second.preview.warnings)[0]
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 5


def test_a_retired_question_is_not_a_duplicate(law):
    _import(law, csv_bytes(ROWS[0]), "bank.csv")
    set_status(SYSTEM, db.session.scalars(db.select(Question)).one(), "retired", now=NOW, ip="t")
    again = _import(law, csv_bytes(ROWS[0]), "bank.csv")
    assert (again.created, again.skipped_duplicates) == (1, 0)


def test_duplicates_in_another_bank_do_not_count(law):
    _import(law, csv_bytes(*ROWS), "bank.csv", bank_name="甲")
    other = _import(law, csv_bytes(*ROWS), "bank.csv", bank_name="乙")
    assert (other.created, other.skipped_duplicates) == (5, 0)


def test_duplicates_in_text_formats_name_the_questions(law):
    text = GIFT + "\n::Q6:: 收费员可以私自收取现金而不出具票据。 {T}\n"
    preview = preview_import(None, read_bank_file(text.encode(), "bank.gift"), bank_name="g")
    assert preview.skipped == 1
    assert _messages(preview.warnings) == [
        "Question 6 (Q6): The same question as question 2, but with a different answer; it is skipped. "
        "Keep the right one only."]
