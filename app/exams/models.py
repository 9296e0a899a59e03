"""Exams, their paper blueprints and audiences, candidates' attempts and the questions on each paper.

An exam's paper is a blueprint (rules drawn at random, plus fixed questions); each candidate's paper is
drawn at start and stored item by item with the question *version*, the displayed option order and the
points, so grading, review and regrades always see exactly what the candidate saw.

Integrity lives in the schema where it can (docs/security.md §15): one open attempt per candidate and exam is a
partial unique index, a question appears once per paper, attempt numbers are unique per candidate.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.banks import registry
from app.banks.models import Bank, Question, QuestionVersion
from app.core.states import one_of
from app.courses.models import Course
from app.exams.states import AttemptState, ExamState, RegradeAction, Release, SubmittedHow
from app.extensions import db

exam_owners = Table(
    "exam_owners",
    db.metadata,
    Column("exam_id", ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Exam(db.Model):
    __tablename__ = "exams"
    __table_args__ = (
        CheckConstraint(one_of("status", ExamState), name="known_status"),
        CheckConstraint(one_of("release_score", Release), name="known_release_score"),
        CheckConstraint(one_of("release_review", Release), name="known_release_review"),
        CheckConstraint("duration_minutes > 0", name="positive_duration"),
        CheckConstraint("attempts_allowed > 0", name="positive_attempts"),
        CheckConstraint("pass_mark >= 0", name="pass_mark_not_negative"),
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("partial_share IS NULL OR (partial_share >= 0 AND partial_share <= 1)",
                        name="partial_share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ExamState.DRAFT, index=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    # Multiple choice: None = all or nothing; a share (0.5) = 少选得分 for a correct subset.
    partial_share: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    release_score: Mapped[str] = mapped_column(String(16), default=Release.AT_SUBMIT)
    # The candidate's answers, the correct answers and the explanations.
    release_review: Mapped[str] = mapped_column(String(16), default=Release.AFTER_CLOSE)
    # Prefer questions that no earlier exam of the same course put on a paper.
    avoid_exposed: Mapped[bool] = mapped_column(default=False)
    # A make-up exam (补考) admits those who failed or missed the exam it makes up for.
    makeup_of_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"), index=True)
    # Set when the first candidate starts: from then on the blueprint cannot change.
    frozen_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    course: Mapped[Course] = relationship(lazy="joined")
    owners: Mapped[list["User"]] = relationship(secondary=exam_owners)  # noqa: F821  (loaded when checked)
    makeup_of: Mapped["Exam | None"] = relationship(remote_side=[id])
    rules: Mapped[list["BlueprintRule"]] = relationship(
        back_populates="exam", order_by="BlueprintRule.position", cascade="all, delete-orphan"
    )
    fixed: Mapped[list["FixedQuestion"]] = relationship(
        back_populates="exam", order_by="FixedQuestion.position", cascade="all, delete-orphan"
    )
    audience: Mapped[list["AudienceEntry"]] = relationship(back_populates="exam", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Exam {self.id} {self.title}>"


class BlueprintRule(db.Model):
    """Draw `count` questions from a bank (or from every bank of the exam's course) matching the filters."""

    __tablename__ = "blueprint_rules"
    __table_args__ = (
        CheckConstraint("count > 0", name="positive_count"),
        CheckConstraint("points_each IS NULL OR points_each > 0", name="positive_points"),
        CheckConstraint("difficulty_min BETWEEN 1 AND 5 AND difficulty_max BETWEEN 1 AND 5 "
                        "AND difficulty_min <= difficulty_max", name="difficulty_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("banks.id"))  # None: any bank of the course
    type: Mapped[str | None] = mapped_column(String(16))  # None: any type

    topic_ids: Mapped[list] = mapped_column(JSON, default=list)  # any of these topics; empty: any topic
    difficulty_min: Mapped[int] = mapped_column(default=1)
    difficulty_max: Mapped[int] = mapped_column(default=5)
    count: Mapped[int]
    points_each: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # None: the question's own points

    exam: Mapped[Exam] = relationship(back_populates="rules")
    bank: Mapped[Bank | None] = relationship(lazy="joined")

    @validates("type")
    def _registered_type(self, _key: str, value: str | None) -> str | None:
        """None or a registered type (app.banks.registry), which replaced a CHECK constraint (migration 0012)."""
        return None if value is None else str(registry.get(value).type)


class FixedQuestion(db.Model):
    """A question every paper carries (its current version at the time the candidate starts)."""

    __tablename__ = "exam_fixed_questions"
    __table_args__ = (
        UniqueConstraint("exam_id", "question_id"),
        CheckConstraint("points IS NULL OR points > 0", name="positive_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    position: Mapped[int] = mapped_column(default=0)
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))

    exam: Mapped[Exam] = relationship(back_populates="fixed")
    question: Mapped[Question] = relationship(lazy="joined")


AUDIENCE_ONE_TARGET = ("(CASE WHEN station_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
                       " + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN batch_id IS NULL THEN 0 ELSE 1 END)"
                       " = 1")


class AudienceEntry(db.Model):
    """Who may sit: everyone of a station, of a team, the members of a training batch, or one person (exactly
    one of the four)."""

    __tablename__ = "exam_audience"
    __table_args__ = (
        CheckConstraint(AUDIENCE_ONE_TARGET, name="one_target"),
        UniqueConstraint("exam_id", "station_id", "team_id", "user_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"))

    exam: Mapped[Exam] = relationship(back_populates="audience")
    station: Mapped["Station | None"] = relationship(lazy="joined")  # noqa: F821
    team: Mapped["Team | None"] = relationship(lazy="joined")  # noqa: F821
    user: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821
    batch: Mapped["Batch | None"] = relationship(lazy="joined")  # noqa: F821


class ExtraTime(db.Model):
    """Minutes a trainer granted one candidate on one exam (audited); applies to open and later attempts."""

    __tablename__ = "exam_extra_time"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"), CheckConstraint("minutes >= 0", name="not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500), default="")
    granted_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "number"),
        CheckConstraint(one_of("status", AttemptState), name="known_status"),
        CheckConstraint(f"submitted_how IS NULL OR {one_of('submitted_how', SubmittedHow)}", name="known_how"),
        # docs/security.md §15: the database, not the app, keeps a candidate to one open attempt per exam.
        Index("uq_attempts_one_open", "exam_id", "user_id", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=AttemptState.IN_PROGRESS)
    seed: Mapped[int]
    started_at: Mapped[datetime]
    # min(start + duration + extra time, window close), computed by the server (docs/security.md §12).
    deadline_at: Mapped[datetime]
    # Bumped by every save that writes answers; each written item takes the new value as its `rev`, so a
    # window asks for what changed since the last revision it has seen (app.exams.attempts.sync).
    rev: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    submitted_how: Mapped[str | None] = mapped_column(String(16))
    # Totals; `score` stays None until every item is graded (short answers wait for a person).
    max_score: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    passed: Mapped[bool | None]
    graded_at: Mapped[datetime | None]
    mean_difficulty: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0"))

    exam: Mapped[Exam] = relationship(lazy="joined")
    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821
    items: Mapped[list["PaperItem"]] = relationship(
        back_populates="attempt", order_by="PaperItem.position", cascade="all, delete-orphan"
    )

    @property
    def in_progress(self) -> bool:
        return self.status == AttemptState.IN_PROGRESS


class PaperItem(db.Model):
    """One question on one candidate's paper, with the response and, after grading, the score."""

    __tablename__ = "paper_items"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        UniqueConstraint("attempt_id", "question_id"),  # no question twice on a paper
        CheckConstraint("points > 0", name="positive_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1-based, as shown
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    option_order: Mapped[list] = mapped_column(JSON, default=list)  # displayed position → original index
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    response: Mapped[object | None] = mapped_column(JSON)
    flagged: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime | None]
    # The answer change stored now: the attempt revision it was written at, and the window that made it
    # with that window's number for the change ("" and 0: never answered). See app.exams.attempts.
    rev: Mapped[int] = mapped_column(default=0)
    changed_by: Mapped[str] = mapped_column(String(32), default="")
    change_seq: Mapped[int] = mapped_column(default=0)
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    correct: Mapped[bool | None]
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: graded automatically
    comment: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship(lazy="joined")


class Regrade(db.Model):
    """A correction applied to every paper item of one exam on one question version.

    action "rekey": grade with the key of `key_version` (a later version of the same question);
    action "void": the question counts full points for everyone who had it.
    Later gradings (a late submit, a manual re-grade) keep applying it.
    """

    __tablename__ = "regrades"
    __table_args__ = (
        UniqueConstraint("exam_id", "version_id"),
        CheckConstraint(one_of("action", RegradeAction), name="known_action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    action: Mapped[str] = mapped_column(String(8))
    key_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_versions.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    applied_at: Mapped[datetime]
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    key_version: Mapped[QuestionVersion | None] = relationship(foreign_keys=[key_version_id], lazy="joined")


class PracticeAnswer(db.Model):
    """One practice question shown to a collector (self-study), answered or not; never counted."""

    __tablename__ = "practice_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    option_order: Mapped[list] = mapped_column(JSON, default=list)
    shown_at: Mapped[datetime]
    response: Mapped[object | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None]
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    correct: Mapped[bool | None]

    course: Mapped[Course] = relationship(lazy="joined")
    version: Mapped[QuestionVersion] = relationship(lazy="joined")
