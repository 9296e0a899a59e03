"""When sessions happen: the slot times (TRAINING_SLOTS), whether two sessions overlap, and their start and
end in UTC for calendars, check-in lateness and attendance."""

from datetime import UTC, date, datetime, time

from flask import current_app

from app.core.localtime import local_zone
from app.training.states import Slot


def parse_slots(text: str) -> dict[str, tuple[time, time]]:
    """'am=08:30-12:00,pm=14:00-17:30' → {'am': (08:30, 12:00), 'pm': (...), 'full': (08:30, 17:30)}."""
    slots: dict[str, tuple[time, time]] = {}
    for part in text.split(","):
        name, _, span = part.strip().partition("=")
        start, _, end = span.partition("-")
        slots[name.strip()] = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    if (set(slots) != {Slot.AM, Slot.PM}
            or not slots[Slot.AM][0] < slots[Slot.AM][1] <= slots[Slot.PM][0] < slots[Slot.PM][1]):
        raise ValueError(f"TRAINING_SLOTS must give am and pm in order, e.g. am=08:30-12:00,pm=14:00-17:30: {text!r}")
    slots[Slot.FULL] = (slots[Slot.AM][0], slots[Slot.PM][1])
    return slots


def overlaps(day_a: date, slot_a: str, day_b: date, slot_b: str) -> bool:
    """Two sessions clash when on the same day in the same slot, or when either takes the full day."""
    return day_a == day_b and (slot_a == slot_b or Slot.FULL in (slot_a, slot_b))


def local_bounds(day: date, slot: str) -> tuple[datetime, datetime]:
    """Start and end of a slot as aware datetimes in the configured zone."""
    zone = local_zone()
    start, end = parse_slots(current_app.config["TRAINING_SLOTS"])[slot]
    return datetime.combine(day, start, zone), datetime.combine(day, end, zone)


def utc_bounds(day: date, slot: str) -> tuple[datetime, datetime]:
    start, end = local_bounds(day, slot)
    return start.astimezone(UTC), end.astimezone(UTC)
