"""Lesson services: writing lessons, attachments checked by their bytes, lecturers, progress, and loading the
shipped material without overwriting a trainer's edits."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError
from app.core.roles import Role
from app.courses import lessons, shipped
from app.courses.catalog import ensure_courses, find_course
from app.courses.models import Lesson, LessonAttachment, LessonProgress
from app.extensions import db
from tests.factories import make_user

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 3, 1, 8, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154"
    "a24f5d0000000049454e44ae426082"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
MATERIAL = Path(__file__).resolve().parents[2] / "app" / "courses" / "material"


@pytest.fixture
def law(app):
    ensure_courses()
    return find_course("law")


def _lesson(actor, course, title="收费公路的定义", body="## 收费公路\n\n依法收费的公路。"):
    return lessons.create_lesson(actor, course, title, body, now=NOW, ip="t")


def test_reading_minutes_grow_with_the_length_of_chinese_and_english_text():
    assert lessons.reading_minutes("") == 1
    assert lessons.reading_minutes("收" * 300) == 1
    assert lessons.reading_minutes("收" * 301) == 2
    assert lessons.reading_minutes("word " * 1000) == 5


def test_create_update_and_delete_are_audited_and_titles_are_unique(users, law):
    trainer = users[Role.TRAINER]
    first = _lesson(trainer, law)
    second = _lesson(trainer, law, title="第二课")
    assert [first.position, second.position] == [0, 1]
    with pytest.raises(DomainError) as refused:
        _lesson(trainer, law, title=" 收费公路的定义 ")
    assert refused.value.field == "title"
    assert lessons.update_lesson(trainer, second, "第二课", second.body, now=NOW, ip="t") is False
    assert lessons.update_lesson(trainer, second, "第二课", "新的内容" * 400, now=NOW + timedelta(1), ip="t")
    assert second.minutes == 6 and second.updated_at == NOW + timedelta(1) and second.updated_by_id == trainer.id
    lessons.mark_finished(users[Role.COLLECTOR], first, NOW)
    lessons.add_attachment(trainer, first, "讲义.pdf", PDF, now=NOW, ip="t")
    lessons.delete_lesson(trainer, first, now=NOW, ip="t")
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(LessonProgress.id))) == 0
    assert db.session.scalar(db.select(db.func.count(LessonAttachment.id))) == 0
    assert [(lesson.title, lesson.position) for lesson in law.lessons] == [("第二课", 0)]
    done = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {actions.LESSON_CREATED, actions.LESSON_UPDATED, actions.LESSON_DELETED, actions.ATTACHMENT_ADDED} <= done


def test_move_reorders_lessons_and_stops_at_the_ends(users, law):
    trainer = users[Role.TRAINER]
    a, b, c = (_lesson(trainer, law, title=title) for title in "ABC")
    assert lessons.move(trainer, c, -1, now=NOW, ip="t")
    assert lessons.move(trainer, a, -1, now=NOW, ip="t") is False
    db.session.commit()
    db.session.expire_all()
    assert [lesson.title for lesson in law.lessons] == ["A", "C", "B"]
    assert lessons.neighbours(c) == (a, b)


@pytest.mark.parametrize(("name", "data", "content_type", "stored_name"), [
    ("讲义.pdf", PDF, "application/pdf", "讲义.pdf"),
    ("../../etc/示意图.PNG", PNG, "image/png", "示意图.png"),
    ("scan.exe", PDF, "application/pdf", "scan.exe.pdf"),
    ("a<img onerror=x>\x07b.png", PNG, "image/png", "a_img onerror_x_b.png"),
    ("<script>x</script>.png", PNG, "image/png", "script.png"),
])
def test_attachments_are_typed_by_their_bytes_and_get_a_safe_name(users, law, name, data, content_type, stored_name):
    lesson = _lesson(users[Role.TRAINER], law)
    added = lessons.add_attachment(users[Role.TRAINER], lesson, name, data, now=NOW, ip="t")
    assert (added.content_type, added.filename, added.size) == (content_type, stored_name, len(data))


@pytest.mark.parametrize(("name", "data", "words"), [
    ("setup.pdf", EXE, "not a PDF or an image"),
    ("notes.pdf", b"just text pretending to be a PDF", "not a PDF or an image"),
    ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ("empty.png", b"", "empty"),
])
def test_other_files_are_refused_with_a_clear_message_and_nothing_is_stored(users, law, name, data, words):
    lesson = _lesson(users[Role.TRAINER], law)
    with pytest.raises(DomainError) as refused:
        lessons.add_attachment(users[Role.TRAINER], lesson, name, data, now=NOW, ip="t")
    assert words in str(refused.value.message) and name in str(refused.value.message)
    assert refused.value.field == "file"
    assert db.session.scalar(db.select(db.func.count(LessonAttachment.id))) == 0


def test_attachments_are_counted_per_lesson_of_the_course(users, law):
    trainer = users[Role.TRAINER]
    first, second = _lesson(trainer, law), _lesson(trainer, law, title="第二课")
    lessons.add_attachment(trainer, first, "讲义.pdf", PDF, now=NOW, ip="t")
    lessons.add_attachment(trainer, first, "图.png", PNG, now=NOW, ip="t")
    assert lessons.attachment_counts(law) == {first.id: 2}
    assert lessons.attachment_counts(law).get(second.id, 0) == 0


def test_lecturers_are_active_trainers_only(users, law):
    hr = users[Role.HR]
    trainer = users[Role.TRAINER]
    assert lessons.set_lecturers(hr, law, [trainer], now=NOW, ip="t")
    assert lessons.set_lecturers(hr, law, [trainer], now=NOW, ip="t") is False
    with pytest.raises(DomainError):
        lessons.set_lecturers(hr, law, [users[Role.COLLECTOR]], now=NOW, ip="t")
    retired = make_user("t-old", roles=[Role.TRAINER], active=False)
    with pytest.raises(DomainError):
        lessons.set_lecturers(hr, law, [trainer, retired], now=NOW, ip="t")
    assert [lecturer.staff_no for lecturer in law.lecturers] == [trainer.staff_no]
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))
                             .where(AuditEvent.action == actions.LECTURERS_CHANGED)) == 1


def test_progress_keeps_the_first_read_and_counts_finished_lessons(users, law):
    collector = users[Role.COLLECTOR]
    first, second = _lesson(users[Role.TRAINER], law), _lesson(users[Role.TRAINER], law, title="第二课")
    lessons.record_read(collector, first, NOW)
    lessons.record_read(collector, first, NOW + timedelta(hours=1))
    assert lessons.progress_of(collector, law) == lessons.Progress(finished=0, total=2)
    progress = lessons.mark_finished(collector, first, NOW + timedelta(hours=2))
    lessons.mark_finished(collector, first, NOW + timedelta(hours=3))
    assert progress.first_read_at.replace(tzinfo=UTC) == NOW
    assert progress.finished_at.replace(tzinfo=UTC) == NOW + timedelta(hours=2)
    assert lessons.progress_of(collector, law).percent == 50
    assert lessons.progress_of(users[Role.HR], law).finished == 0
    lessons.mark_finished(collector, second, NOW)
    assert lessons.progress_of(collector, law) == lessons.Progress(finished=2, total=2)


def test_progress_by_course_agrees_with_progress_of_each_course(users, law):
    collector = users[Role.COLLECTOR]
    first = _lesson(users[Role.TRAINER], law)
    _lesson(users[Role.TRAINER], law, title="第二课")
    lessons.mark_finished(collector, first, NOW)
    courses = [law, find_course("integrity")]
    assert lessons.progress_by_course(collector, courses) == {
        course.id: lessons.progress_of(collector, course) for course in courses
    }
    assert lessons.progress_by_course(collector, courses)[law.id] == lessons.Progress(finished=1, total=2)


def _write(folder: Path, code: str, name: str, text: str) -> None:
    (folder / code).mkdir(parents=True, exist_ok=True)
    (folder / code / name).write_text(text, encoding="utf-8")


def test_load_material_is_idempotent_and_keeps_a_trainers_edits(users, tmp_path, law):
    _write(tmp_path, "law", "01-a.md", "# 第一课\n\n内容一。\n")
    _write(tmp_path, "law", "02-b.md", "# 第二课\n\n内容二。\n")
    _write(tmp_path, "integrity", "01-c.md", "# 廉洁\n\n内容。\n")
    _write(tmp_path, "integrity", "02-bad.md", "no title line\n")
    first = shipped.load_material(tmp_path, users[Role.ADMIN], NOW)
    assert first.created == 3 and first.lessons["law"] == 2 and first.lessons["integrity"] == 1
    assert len(first.problems) == 1 and "02-bad.md" in first.problems[0]
    edited = db.session.scalar(db.select(Lesson).where(Lesson.title == "第一课"))
    lessons.update_lesson(users[Role.TRAINER], edited, "第一课", "讲师改过的内容", now=NOW, ip="t")
    db.session.commit()

    again = shipped.load_material(tmp_path, users[Role.ADMIN], NOW + timedelta(days=1))
    assert (again.created, again.updated, again.unchanged, again.kept) == (0, 0, 3, [])
    assert again.lessons == first.lessons
    assert db.session.scalar(db.select(db.func.count(Lesson.id))) == 3
    assert edited.body == "讲师改过的内容"
    assert [lesson.title for lesson in law.lessons] == ["第一课", "第二课"]


def test_a_newer_file_updates_its_lesson_unless_a_trainer_edited_it(users, tmp_path, law):
    _write(tmp_path, "law", "01-a.md", "# 第一课\n\n内容一。\n")
    _write(tmp_path, "law", "02-b.md", "# 第二课\n\n内容二。\n")
    shipped.load_material(tmp_path, users[Role.TRAINER], NOW)
    first, second = law.lessons
    lessons.update_lesson(users[Role.TRAINER], first, "第一课", "讲师改过的内容", now=NOW, ip="t")
    lessons.mark_finished(users[Role.COLLECTOR], second, NOW)
    db.session.commit()
    _write(tmp_path, "law", "01-a.md", "# 第一课\n\n内容一（更正）。\n")
    _write(tmp_path, "law", "02-b.md", "# 第二课（更正）\n\n内容二（更正）。\n")
    _write(tmp_path, "law", "03-c.md", "# 第三课\n\n内容三。\n")

    report = shipped.load_material(tmp_path, users[Role.TRAINER], NOW + timedelta(days=1))
    assert (report.created, report.updated, report.kept) == (1, 1, ["law/01-a.md"])
    assert first.body == "讲师改过的内容"
    assert (second.title, second.body, second.id) == ("第二课（更正）", "内容二（更正）。", second.id)
    assert lessons.progress_of(users[Role.COLLECTOR], law).finished == 1
    assert [lesson.title for lesson in law.lessons] == ["第一课", "第二课（更正）", "第三课"]
    db.session.commit()

    again = shipped.load_material(tmp_path, users[Role.TRAINER], NOW + timedelta(days=2))
    assert (again.created, again.updated, again.unchanged, again.kept) == (0, 0, 2, ["law/01-a.md"])
    lessons.update_lesson(users[Role.TRAINER], first, "第一课", "内容一（更正）。", now=NOW, ip="t")
    assert shipped.load_material(tmp_path, users[Role.TRAINER], NOW).kept == []  # edited to what the file says


@pytest.mark.skipif(not any(MATERIAL.glob("*/*.md")), reason="no shipped material yet")
def test_the_shipped_material_loads_without_problems(users):
    report = shipped.load_material(MATERIAL, users[Role.ADMIN], NOW)
    assert report.problems == []
    assert report.created == len(list(MATERIAL.glob("*/*.md")))
    assert all(count >= 1 for count in report.lessons.values())
