"""A course of the training plan (law, integrity, etiquette, procedures) and its self-study material.

Lessons are Markdown written by trainers (shown through the sanitizer), with attachments (PDF, images)
kept in the database so every app server can serve them. Progress records when a collector first opened
a lesson and when they marked it finished.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, LargeBinary, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

course_lecturers = Table(
    "course_lecturers",
    db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    days: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    lecturers: Mapped[list["User"]] = relationship(secondary=course_lecturers)  # noqa: F821
    lessons: Mapped[list["Lesson"]] = relationship(back_populates="course", order_by="Lesson.position")

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "title"), UniqueConstraint("course_id", "shipped_file"))

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, shown through app.core.markdown
    minutes: Mapped[int] = mapped_column(default=10)  # estimated reading time
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The shipped file the lesson comes from (NN-slug.md in app/courses/material/<course>/) and the SHA-256 of
    # the title and text the loader last wrote: while the lesson still hashes to it, nobody has edited it and
    # the next release of the file may replace it (docs/shipped-content.md). None for a trainer's own lesson.
    shipped_file: Mapped[str | None] = mapped_column(String(200))
    shipped_sha256: Mapped[str | None] = mapped_column(String(64))

    course: Mapped[Course] = relationship(back_populates="lessons")
    attachments: Mapped[list["LessonAttachment"]] = relationship(
        back_populates="lesson", order_by="LessonAttachment.id", cascade="all, delete-orphan"
    )


class LessonAttachment(db.Model):
    __tablename__ = "lesson_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    first_read_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
