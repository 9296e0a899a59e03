"""Lessons of a course (self-study material): writing them, their attachments, the lecturers of a course,
reading progress. The shipped material (app/courses/material/<course code>/NN-slug.md) is loaded by
app.courses.shipped.

Services take the actor, `now` and `ip` explicitly, flush and never commit; the caller commits once.
Permissions are checked by the views (app.courses.permissions).
"""

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from app.accounts.actors import Actor
from app.accounts.models import User, UserRole
from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.images import image_type
from app.core.roles import Role
from app.courses.models import Course, Lesson, LessonAttachment, LessonProgress
from app.extensions import db

MAX_TITLE = 200
MAX_BODY = 200_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 120
# Reading speed for the estimate: Chinese characters and other words per minute.
CJK_PER_MINUTE = 300
WORDS_PER_MINUTE = 200

# Content type → the extensions a file of that type may keep (the first is added when the name has none of them).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+")
_MARKUP = re.compile(r"[#*_`>|\[\]()!-]+")
_UNSAFE_NAME = re.compile(r"[^\w.\- ()（）【】]+", re.UNICODE)


# --- Reading time and file checks -------------------------------------------------------------------

def reading_minutes(body: str) -> int:
    """Estimated reading time: Chinese characters at 300 a minute, other words at 200; at least one minute."""
    text = _MARKUP.sub(" ", body or "")
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return max(1, math.ceil(cjk / CJK_PER_MINUTE + words / WORDS_PER_MINUTE))


def detected_type(data: bytes) -> str | None:
    """The content type the file's first bytes show (PDF, PNG, JPEG, GIF, WebP), or None. The type the
    browser sent is never trusted."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return image_type(data)


def clean_filename(filename: str, content_type: str) -> str:
    """A safe display name: no folders, no control or markup characters, at most 120 characters, and an
    extension that matches the detected type (`scan.exe` holding a PDF becomes `scan.exe.pdf`)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = _UNSAFE_NAME.sub("_", name).strip(" ._") or "attachment"
    extensions = EXTENSIONS[content_type]
    stem, dot, extension = name.rpartition(".")
    if not dot or f".{extension.lower()}" not in extensions:
        stem, extension = name, extensions[0].lstrip(".")
    stem = stem[: MAX_FILENAME - len(extension) - 1].rstrip(" ._") or "attachment"
    return f"{stem}.{extension.lower()}"


# --- Lessons -----------------------------------------------------------------------------------------

def _check_lesson(course: Course, title: str, body: str, lesson: Lesson | None = None) -> tuple[str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_l("Give the lesson a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_l("The title is too long (at most %(n)d characters).", n=MAX_TITLE), field="title")
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise DomainError(_l("The lesson is too long (at most %(n)d characters).", n=MAX_BODY), field="body")
    clash = db.session.scalar(db.select(Lesson.id).where(Lesson.course_id == course.id, Lesson.title == title))
    if clash is not None and (lesson is None or clash != lesson.id):
        raise DomainError(_l("The course already has a lesson titled %(title)s.", title=title), field="title")
    return title, body


def create_lesson(actor: Actor, course: Course, title: str, body: str, *, now: datetime, ip: str) -> Lesson:
    """A new lesson at the end of the course."""
    title, body = _check_lesson(course, title, body)
    position = db.session.scalar(db.select(db.func.max(Lesson.position)).where(Lesson.course_id == course.id))
    lesson = Lesson(course=course, position=0 if position is None else position + 1, title=title, body=body,
                    minutes=reading_minutes(body), created_at=now, updated_at=now,
                    updated_by_id=getattr(actor, "id", None))
    db.session.add(lesson)
    db.session.flush()
    record(actions.LESSON_CREATED, actor=actor, ip=ip, now=now, target=lesson,
           details={"course": course.code, "title": title})
    return lesson


def update_lesson(actor: Actor, lesson: Lesson, title: str, body: str, *, now: datetime, ip: str) -> bool:
    """Change the title and text; False when nothing changed."""
    title, body = _check_lesson(lesson.course, title, body, lesson)
    if title == lesson.title and body == lesson.body:
        return False
    changed = [name for name, old, new in (("title", lesson.title, title), ("body", lesson.body, body)) if old != new]
    before = lesson.title
    lesson.title, lesson.body, lesson.minutes = title, body, reading_minutes(body)
    lesson.updated_at, lesson.updated_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    record(actions.LESSON_UPDATED, actor=actor, ip=ip, now=now, target=lesson,
           details={"course": lesson.course.code, "title": [before, title] if before != title else title,
                    "changed": changed})
    return True


def _renumber(course: Course) -> None:
    lessons = db.session.scalars(db.select(Lesson).where(Lesson.course_id == course.id)
                                 .order_by(Lesson.position, Lesson.id)).all()
    for position, lesson in enumerate(lessons):
        lesson.position = position


def delete_lesson(actor: Actor, lesson: Lesson, *, now: datetime, ip: str) -> None:
    """Remove the lesson with its attachments and everybody's progress on it."""
    course = lesson.course
    readers = db.session.execute(db.delete(LessonProgress).where(LessonProgress.lesson_id == lesson.id)).rowcount
    details = {"course": course.code, "title": lesson.title, "attachments": len(lesson.attachments),
               "progress_removed": readers}
    record(actions.LESSON_DELETED, actor=actor, ip=ip, now=now, target=lesson, details=details)
    db.session.delete(lesson)
    db.session.flush()
    db.session.expire(course, ["lessons"])
    _renumber(course)
    db.session.flush()


def move(actor: Actor, lesson: Lesson, offset: int, *, now: datetime, ip: str) -> bool:
    """Move the lesson `offset` places (-1 up, +1 down) within its course; False at either end."""
    lessons = db.session.scalars(db.select(Lesson).where(Lesson.course_id == lesson.course_id)
                                 .order_by(Lesson.position, Lesson.id)).all()
    index = lessons.index(lesson)
    target = min(max(index + offset, 0), len(lessons) - 1)
    if target == index:
        return False
    lessons.insert(target, lessons.pop(index))
    for position, each in enumerate(lessons):
        each.position = position
    db.session.flush()
    db.session.expire(lesson.course, ["lessons"])
    record(actions.LESSON_UPDATED, actor=actor, ip=ip, now=now, target=lesson,
           details={"course": lesson.course.code, "title": lesson.title, "position": [index + 1, target + 1]})
    return True


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The previous and next lesson of the course."""
    lessons = list(lesson.course.lessons)
    index = lessons.index(lesson)
    return (lessons[index - 1] if index > 0 else None, lessons[index + 1] if index + 1 < len(lessons) else None)


# --- Attachments -------------------------------------------------------------------------------------

def add_attachment(actor: Actor, lesson: Lesson, filename: str, data: bytes, *, now: datetime,
                   ip: str) -> LessonAttachment:
    """Attach a PDF or an image (PNG, JPEG, GIF, WebP, told by its first bytes) of at most 10 MB."""
    if not data:
        raise DomainError(_l("The file %(name)s is empty.", name=filename or "?"), field="file")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DomainError(_l("The file %(name)s is larger than %(mb)d MB.", name=filename or "?",
                             mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)), field="file")
    content_type = detected_type(data)
    if content_type is None:
        raise DomainError(_l("The file %(name)s is not a PDF or an image (PNG, JPEG, GIF, WebP); other files "
                             "cannot be attached.", name=filename or "?"), field="file")
    attachment = LessonAttachment(lesson=lesson, filename=clean_filename(filename, content_type),
                                  content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                  data=data, created_at=now, created_by_id=getattr(actor, "id", None))
    db.session.add(attachment)
    db.session.flush()
    record(actions.ATTACHMENT_ADDED, actor=actor, ip=ip, now=now, target=lesson,
           details={"course": lesson.course.code, "lesson": lesson.title, "file": attachment.filename,
                    "type": content_type, "size": attachment.size, "sha256": attachment.sha256})
    return attachment


def remove_attachment(actor: Actor, attachment: LessonAttachment, *, now: datetime, ip: str) -> None:
    lesson = attachment.lesson
    record(actions.ATTACHMENT_REMOVED, actor=actor, ip=ip, now=now, target=lesson,
           details={"course": lesson.course.code, "lesson": lesson.title, "file": attachment.filename,
                    "sha256": attachment.sha256})
    lesson.attachments.remove(attachment)
    db.session.flush()


# --- Lecturers ---------------------------------------------------------------------------------------

def active_trainers() -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.TRAINER.value, User.active.is_(True)).order_by(User.staff_no)
    ))


def set_lecturers(actor: Actor, course: Course, lecturers: list[User], *, now: datetime, ip: str) -> bool:
    """The trainers who teach the course and edit its lessons (active trainers only); False when unchanged."""
    for lecturer in lecturers:
        if not lecturer.active or not lecturer.has_role(Role.TRAINER):
            raise DomainError(_l("%(name)s is not an active trainer.", name=lecturer.name), field="lecturers")
    before = sorted(lecturer.staff_no for lecturer in course.lecturers)
    after = sorted({lecturer.staff_no for lecturer in lecturers})
    if before == after:
        return False
    course.lecturers = list({lecturer.id: lecturer for lecturer in lecturers}.values())
    db.session.flush()
    record(actions.LECTURERS_CHANGED, actor=actor, ip=ip, now=now, target=course,
           details={"course": course.code, "lecturers": [before, after]})
    return True


# --- Progress ----------------------------------------------------------------------------------------

def progress_record(user: User, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(db.select(LessonProgress).where(LessonProgress.user_id == user.id,
                                                             LessonProgress.lesson_id == lesson.id))


def record_read(user: User, lesson: Lesson, now: datetime) -> LessonProgress:
    """The user opened the lesson; the first time is kept."""
    progress = progress_record(user, lesson)
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, first_read_at=now)
        db.session.add(progress)
        db.session.flush()
    return progress


def mark_finished(user: User, lesson: Lesson, now: datetime) -> LessonProgress:
    """The user finished the lesson (reading it too, if not recorded yet); the first time is kept."""
    progress = record_read(user, lesson, now)
    if progress.finished_at is None:
        progress.finished_at = now
        db.session.flush()
    return progress


@dataclass(frozen=True)
class Progress:
    finished: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


def progress_of(user: User, course: Course) -> Progress:
    """How many of the course's lessons the user finished, out of how many."""
    total = db.session.scalar(db.select(db.func.count(Lesson.id)).where(Lesson.course_id == course.id)) or 0
    finished = db.session.scalar(
        db.select(db.func.count(LessonProgress.id)).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course.id, LessonProgress.user_id == user.id,
               LessonProgress.finished_at.is_not(None))
    ) or 0
    return Progress(finished=finished, total=total)


def attachment_counts(course: Course) -> dict[int, int]:
    """Attachments per lesson of the course, counted in one query: the course page would otherwise load every
    lesson's attachments, file contents included, to count them."""
    return dict(db.session.execute(
        db.select(LessonAttachment.lesson_id, db.func.count(LessonAttachment.id))
        .join(Lesson, Lesson.id == LessonAttachment.lesson_id).where(Lesson.course_id == course.id)
        .group_by(LessonAttachment.lesson_id)).all())


def progress_by_course(user: User, courses: list[Course]) -> dict[int, Progress]:
    """`progress_of` for several courses in two queries (the course list would otherwise ask twice per course)."""
    ids = [course.id for course in courses]
    totals = dict(db.session.execute(
        db.select(Lesson.course_id, db.func.count(Lesson.id)).where(Lesson.course_id.in_(ids))
        .group_by(Lesson.course_id)).all())
    finished = dict(db.session.execute(
        db.select(Lesson.course_id, db.func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id.in_(ids), LessonProgress.user_id == user.id, LessonProgress.finished_at.is_not(None))
        .group_by(Lesson.course_id)).all())
    return {course_id: Progress(finished=finished.get(course_id, 0), total=totals.get(course_id, 0))
            for course_id in ids}


def progress_by_lesson(user: User, course: Course) -> dict[int, LessonProgress]:
    return {progress.lesson_id: progress for progress in db.session.scalars(
        db.select(LessonProgress).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course.id, LessonProgress.user_id == user.id))}
