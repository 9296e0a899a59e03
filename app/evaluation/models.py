"""The evaluation scheme (versioned), each person's evaluation for a training batch, and batch sign-offs.

A scheme version is never changed once saved: editing the scheme adds a version, and each evaluation keeps
the version it was computed with, so a signed-off figure can always be explained. An evaluation stores the
computed figures (not only the inputs) because later regrades must not silently change a signed-off
period; recomputing is an explicit act, refused while the batch is signed off.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.states import one_of
from app.evaluation.scoring import Rules
from app.evaluation.states import AttendanceMode, MakeupRule, Outcome, Rating
from app.extensions import db


class EvaluationScheme(db.Model):
    __tablename__ = "evaluation_schemes"
    __table_args__ = (
        CheckConstraint(one_of("attendance_mode", AttendanceMode), name="known_attendance_mode"),
        CheckConstraint(one_of("makeup_rule", MakeupRule), name="known_makeup_rule"),
        CheckConstraint("pass_min <= good_min AND good_min <= excellent_min", name="rating_order"),
        CheckConstraint("review_periods >= 1", name="review_periods_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    weights: Mapped[dict] = mapped_column(JSON)  # course code → weight as a decimal string
    attendance_mode: Mapped[str] = mapped_column(String(16), default=AttendanceMode.MINIMUM)
    attendance_weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    attendance_minimum: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(100))
    excellent_min: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    good_min: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    pass_min: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    award_min: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    makeup_rule: Mapped[str] = mapped_column(String(8), default=MakeupRule.CAP)
    review_periods: Mapped[int] = mapped_column(default=2)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def rules(self) -> Rules:
        return Rules(
            weights={code: Decimal(str(weight)) for code, weight in self.weights.items()},
            attendance_mode=self.attendance_mode, attendance_weight=self.attendance_weight,
            attendance_minimum=self.attendance_minimum, excellent_min=self.excellent_min,
            good_min=self.good_min, pass_min=self.pass_min, award_min=self.award_min,
            makeup_rule=self.makeup_rule, review_periods=self.review_periods,
        )


class Evaluation(db.Model):
    """One person's figures for one training batch, as last computed, and HR's override if any."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("batch_id", "user_id"),
        CheckConstraint(one_of("rating", Rating), name="known_rating"),
        CheckConstraint(one_of("outcome", Outcome), name="known_outcome"),
        CheckConstraint(f"override_outcome IS NULL OR {one_of('override_outcome', Outcome)}",
                        name="known_override"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("evaluation_schemes.id"))
    courses: Mapped[dict] = mapped_column(JSON)  # code → CourseResult.as_dict()
    attendance: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    attendance_met: Mapped[bool]
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    rating: Mapped[str] = mapped_column(String(16))
    failed: Mapped[bool]
    outcome: Mapped[str] = mapped_column(String(24))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime]
    override_outcome: Mapped[str | None] = mapped_column(String(24))
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    overridden_at: Mapped[datetime | None]
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="joined")  # noqa: F821
    batch: Mapped["Batch"] = relationship(lazy="joined")  # noqa: F821
    scheme: Mapped[EvaluationScheme] = relationship(lazy="joined")
    overridden_by: Mapped["User | None"] = relationship(foreign_keys=[overridden_by_id])  # noqa: F821

    @property
    def final_outcome(self) -> str:
        return self.override_outcome or self.outcome


class EvaluationSignoff(db.Model):
    """HR signed off a batch's evaluations: they are locked until someone reopens (which deletes this row;
    both acts are in the audit log)."""

    __tablename__ = "evaluation_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("training_batches.id", ondelete="CASCADE"), unique=True)
    signed_at: Mapped[datetime]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    signed_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821
