"""The shipped lessons (app/courses/material/<course code>/NN-slug.md): loading them, and bringing a later
release of the files into a database that has them, without overwriting what a trainer wrote.

A lesson remembers its file (`Lesson.shipped_file`) and the SHA-256 of the title and text the loader last
wrote (`shipped_sha256`). While the lesson still hashes to it, nobody has edited it, and a changed file replaces
its title and text. Once a trainer edits it, the lesson is theirs: a changed file is reported, not applied.
A lesson is matched to its file by that name, or by its title when it has none (a lesson loaded before
lessons remembered their files). The loader never deletes a lesson: reading progress hangs on it.
docs/shipped-content.md has the whole story.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app.accounts.actors import Actor
from app.core.errors import DomainError
from app.courses.catalog import ensure_courses
from app.courses.lessons import create_lesson, update_lesson
from app.courses.models import Course, Lesson
from app.extensions import db


@dataclass
class MaterialReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # files (course/NN-slug.md) not applied: a trainer edited the lesson
    lessons: dict[str, int] = field(default_factory=dict)  # course code → lessons it has afterwards
    problems: list[str] = field(default_factory=list)  # files that could not be read or stored (file: reason)


def lesson_hash(title: str, body: str) -> str:
    """What `shipped_sha256` holds: the SHA-256 of the title and the text, as stored."""
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def read_lesson_file(path: Path) -> tuple[str, str]:
    """(title, body) of a material file, as a lesson stores them: the first line is `# Title`, the rest is the
    Markdown body."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    first, _newline, body = text.lstrip("\n").partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise ValueError("the first line must be '# Title'")
    return " ".join(first[2:].split()), body.strip()


def load_material(folder: Path, actor: Actor, now: datetime, *, ip: str = "system") -> MaterialReport:
    """Each course's lessons from folder/<course code>/*.md: a file without its lesson becomes a new lesson at
    the end of the course (in file-name order); a lesson still as the loader wrote it follows its file; a lesson
    a trainer edited is kept. Running it again changes nothing."""
    report = MaterialReport()
    for course in ensure_courses():
        lessons = db.session.scalars(db.select(Lesson).where(Lesson.course_id == course.id)).all()
        by_file = {lesson.shipped_file: lesson for lesson in lessons if lesson.shipped_file}
        by_title = {lesson.title: lesson for lesson in lessons if lesson.shipped_file is None}
        for path in sorted((Path(folder) / course.code).glob("*.md")):
            name = f"{course.code}/{path.name}"
            try:
                title, body = read_lesson_file(path)
                outcome = _load(actor, course, by_file.get(path.name) or by_title.get(title), path.name, title,
                                body, now=now, ip=ip)
            except (OSError, UnicodeDecodeError, ValueError) as error:
                report.problems.append(f"{name}: {error}")
                continue
            except DomainError as error:
                report.problems.append(f"{name}: {error.message}")
                continue
            if outcome == "kept":
                report.kept.append(name)
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        report.lessons[course.code] = db.session.scalar(
            db.select(db.func.count(Lesson.id)).where(Lesson.course_id == course.id)) or 0
    return report


def _load(actor: Actor, course: Course, lesson: Lesson | None, file: str, title: str, body: str, *, now: datetime,
          ip: str) -> str:
    """What the file does to its lesson: "created", "updated", "unchanged" or "kept" (a trainer's edit stays)."""
    shipped = lesson_hash(title, body)
    if lesson is None:
        lesson = create_lesson(actor, course, title, body, now=now, ip=ip)
        lesson.shipped_file, lesson.shipped_sha256 = file, lesson_hash(lesson.title, lesson.body)
        return "created"
    current = lesson_hash(lesson.title, lesson.body)
    if current == shipped or lesson.shipped_sha256 == current:
        changed = current != shipped and update_lesson(actor, lesson, title, body, now=now, ip=ip)
        lesson.shipped_file, lesson.shipped_sha256 = file, lesson_hash(lesson.title, lesson.body)
        db.session.flush()
        return "updated" if changed else "unchanged"
    return "kept" if shipped != (lesson.shipped_sha256 or current) else "unchanged"
