"""Training batches (期) and their sessions, who is allocated where, attendance and check-in codes.

A plan (培训计划) groups the batches that train one scope of staff (stations, teams) with the share of a
station's collectors that may be away at once; a person is in at most one batch of a plan, which the
schema enforces through the plan id copied onto each membership. A session is one course in a half-day
slot or a full day, in a room with a capacity and a lecturer; seats say who attends which session, so a
batch can split a course across parallel rooms. Attendance is one row per seat-holder and session.
"""

from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.states import one_of
from app.courses.models import Course
from app.extensions import db
from app.training.states import AttendanceState, BatchState, RecordedVia, Slot

plan_stations = Table(
    "training_plan_stations",
    db.metadata,
    Column("plan_id", ForeignKey("training_plans.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
)

plan_teams = Table(
    "training_plan_teams",
    db.metadata,
    Column("plan_id", ForeignKey("training_plans.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class TrainingPlan(db.Model):
    """The staff in scope (whole stations and single teams) and how many of a station may be away at once."""

    __tablename__ = "training_plans"
    __table_args__ = (
        CheckConstraint("share_numerator > 0 AND share_numerator <= share_denominator", name="share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The share as an exact fraction (1/3 stays 1/3, so 9 collectors allow exactly 3 away).
    share_numerator: Mapped[int] = mapped_column(default=1)
    share_denominator: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    stations: Mapped[list["Station"]] = relationship(secondary=plan_stations)  # noqa: F821
    teams: Mapped[list["Team"]] = relationship(secondary=plan_teams)  # noqa: F821
    batches: Mapped[list["Batch"]] = relationship(back_populates="plan", order_by="Batch.starts_on, Batch.id")

    @property
    def max_share(self) -> Fraction:
        return Fraction(self.share_numerator, self.share_denominator)


class Batch(db.Model):
    __tablename__ = "training_batches"
    __table_args__ = (
        CheckConstraint(one_of("status", BatchState), name="known_status"),
        CheckConstraint("ends_on >= starts_on", name="date_order"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="positive_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("training_plans.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=BatchState.PLANNING, index=True)
    # Most people the batch takes (the main room); None = only the sessions' seats limit it.
    capacity: Mapped[int | None]
    # A make-up batch (补训) for people who missed sessions of this one.
    makeup_of_id: Mapped[int | None] = mapped_column(ForeignKey("training_batches.id"))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    plan: Mapped[TrainingPlan | None] = relationship(back_populates="batches")
    makeup_of: Mapped["Batch | None"] = relationship(remote_side=[id])
    members: Mapped[list["BatchMember"]] = relationship(back_populates="batch", cascade="all, delete-orphan")
    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="batch", order_by="TrainingSession.day, TrainingSession.slot, TrainingSession.id",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Batch {self.name} {self.status}>"


class BatchMember(db.Model):
    __tablename__ = "batch_members"
    __table_args__ = (
        UniqueConstraint("batch_id", "user_id"),
        # One batch per person within a plan (NULL plan ids never collide).
        UniqueConstraint("plan_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("training_plans.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Placed by hand: a new proposal keeps the person where HR put them.
    pinned: Mapped[bool] = mapped_column(default=False)
    # Course codes this person attends here (a make-up batch); None = every course of the batch.
    courses: Mapped[list[str] | None] = mapped_column(JSON)
    added_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    batch: Mapped[Batch] = relationship(back_populates="members")
    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="joined")  # noqa: F821


class TrainingSession(db.Model):
    """One course taught in a slot (morning, afternoon or the full day) on one day, in one room."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint(one_of("slot", Slot), name="known_slot"),
        CheckConstraint("capacity > 0", name="positive_capacity"),
        Index("ix_training_sessions_day_slot", "day", "slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    day: Mapped[date]
    slot: Mapped[str] = mapped_column(String(8))
    room: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int]
    lecturer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    # Bumped (app.training.calendar_changes.touch) whenever the event a calendar shows for it changes, so
    # subscribed phones see a higher SEQUENCE and a new LAST-MODIFIED and replace their copy.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="sessions")
    course: Mapped[Course] = relationship(lazy="joined")
    lecturer: Mapped["User"] = relationship(lazy="joined")  # noqa: F821
    seats: Mapped[list["Seat"]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Seat(db.Model):
    """Who attends a session; filled when the batch is published (and kept in step with its members)."""

    __tablename__ = "session_seats"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    session: Mapped[TrainingSession] = relationship(back_populates="seats")
    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(one_of("status", AttendanceState), name="known_status"),
        CheckConstraint(one_of("via", RecordedVia), name="known_via"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    via: Mapped[str] = mapped_column(String(8), default=RecordedVia.ROLL)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CheckinCode(db.Model):
    """A short numeric code a lecturer shows (with a QR code) for a few minutes; collectors type it in."""

    __tablename__ = "checkin_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Unavailability(db.Model):
    """Declared leave or other dates a person cannot be trained (allocation keeps them out of such batches)."""

    __tablename__ = "staff_unavailability"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="date_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AttendanceWaiver(db.Model):
    """HR lets a person sit a course's exams although attendance falls short (reason required, audited)."""

    __tablename__ = "attendance_waivers"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CalendarToken(db.Model):
    """A person's secret calendar subscription link (`/calendar.ics?token=…`, app.training.calendar_links).

    Only the SHA-256 of the token is kept: it carries 256 random bits, so a fast hash is right and the row
    cannot be turned back into a working link. One link per person; making a new one replaces it."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class CancelledEvent(db.Model):
    """A session a person's calendar showed and no longer should: deleted, or their seat in it removed
    (moved to another batch or room, the batch back to planning). The feed sends it with STATUS:CANCELLED
    and this SEQUENCE until a month after its day (app.training.calendar_changes).

    No foreign key to the session: the row must outlive a deleted session, so it keeps what the event showed."""

    __tablename__ = "calendar_cancellations"
    __table_args__ = (
        UniqueConstraint("user_id", "session_id"),
        CheckConstraint(one_of("slot", Slot), name="known_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(index=True)
    sequence: Mapped[int]
    day: Mapped[date] = mapped_column(index=True)
    slot: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(100))
    cancelled_at: Mapped[datetime]
