"""The configured local time zone (`TIMEZONE`, Asia/Shanghai by default): times are stored in UTC and shown,
typed and counted in days in this zone. One place reads the setting, so every page and message agrees."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def in_local_zone(moment: datetime) -> datetime:
    """An aware datetime as the same instant in the local zone (still aware)."""
    return moment.astimezone(local_zone())


def local_today(now: datetime) -> date:
    """The local calendar day of the instant `now`."""
    return in_local_zone(now).date()


def local_to_utc(day: date, clock: time = time.min) -> datetime:
    """A local wall-clock time on `day` (midnight by default) as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=local_zone()).astimezone(UTC)
