"""Banks, questions and their versions.

A question's content lives in versions: editing adds a version, so a paper that points at a version
never changes under a candidate or a past result. A question that was used is retired, not deleted.
Topics belong to the question (re-tagging is not a new version); images live in the database so
every app server can serve them.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.banks import registry
from app.courses.models import Course
from app.extensions import db

bank_owners = Table(
    "bank_owners",
    db.metadata,
    Column("bank_id", ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

question_topics = Table(
    "question_topics",
    db.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Bank(db.Model):
    __tablename__ = "banks"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    course: Mapped[Course] = relationship(lazy="joined")
    owners: Mapped[list["User"]] = relationship(secondary=bank_owners, lazy="selectin")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Bank {self.name}>"


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Image(db.Model):
    """An image used in question stems, addressed by the SHA-256 of its bytes."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("status IN ('active', 'retired')", name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[datetime]
    # The version new papers use; older versions stay for the papers that point at them.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version_id_question_versions")
    )

    bank: Mapped[Bank] = relationship()
    current: Mapped["QuestionVersion | None"] = relationship(foreign_keys=[current_version_id], post_update=True,
                                                             lazy="joined")
    versions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="question", foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.number"
    )
    topics: Mapped[list[Topic]] = relationship(secondary=question_topics, lazy="selectin", order_by=Topic.name)
    external: Mapped["QuestionExternalId | None"] = relationship(lazy="select", cascade="all, delete-orphan")

    @property
    def external_id(self) -> str | None:
        return self.external.external_id if self.external is not None else None


class QuestionExternalId(db.Model):
    """A question's stable ID from bank files (the 编号/ID column, Moodle's idnumber): a re-import that
    names it updates this question (a new version) instead of adding a copy. Unique in the course, so an
    ID always means one question of the course, whichever bank the file goes to."""

    __tablename__ = "question_external_ids"
    __table_args__ = (UniqueConstraint("course_id", "external_id"),)

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    external_id: Mapped[str] = mapped_column(String(100))


class QuestionVersion(db.Model):
    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty_range"),
        CheckConstraint("points > 0", name="positive_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))  # a registered type's code (validated below)
    stem: Mapped[str] = mapped_column(Text)  # as written (Markdown); shown through the sanitizer
    options: Mapped[list] = mapped_column(JSON, default=list)
    # Type-specific key: {"correct": [0, 2]}, {"truth": true}, {"blanks": [["30", "三十"]]}, {"reference": "..."}
    key: Mapped[dict] = mapped_column(JSON)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    difficulty: Mapped[int] = mapped_column(default=3)
    explanation: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    # The question's identity (app.banks.identity.content_identity): the same for the same text, options
    # and picture in any bank, so no paper holds a question twice and imports spot repeats.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    # The letter rule (app.banks.letters): papers and practice show the options in the order written.
    keep_option_order: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Written by the shipped-content loader (`flask demo`, question_banks/): while a question's current version
    # is one of these, nobody has edited it and the next release of the file may replace it
    # (docs/shipped-content.md). A trainer's edit makes a version without it.
    shipped: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])
    image: Mapped[Image | None] = relationship(lazy="select")

    @validates("type")
    def _registered_type(self, _key: str, value: str) -> str:
        """Only a registered type (app.banks.registry) is stored: the registry replaced a CHECK constraint
        (migration 0012), since the database cannot know the types registered beside the built-in ones.
        The bulk import writes through `services.content_of`, which asks the registry too."""
        return str(registry.get(value).type)
