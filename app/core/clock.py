"""Time is stored in UTC; views pass `utcnow()` into services so tests can control the clock."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
