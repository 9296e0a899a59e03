"""The organisation: one office, its stations and branch points, and their teams."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.extensions import db

STATION_KINDS = ("station", "point")


class Office(db.Model):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    stations: Mapped[list["Station"]] = relationship(back_populates="office", order_by="Station.name")


class Station(db.Model):
    __tablename__ = "stations"
    __table_args__ = (
        UniqueConstraint("office_id", "name"),
        CheckConstraint("kind IN ('station', 'point')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="station")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    office: Mapped[Office] = relationship(back_populates="stations")
    teams: Mapped[list["Team"]] = relationship(back_populates="station", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Station {self.name}>"


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("station_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped[Station] = relationship(back_populates="teams")

    def __repr__(self) -> str:
        return f"<Team {self.station_id}/{self.name}>"
