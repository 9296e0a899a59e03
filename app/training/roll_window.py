"""When attendance may be recorded, and which sessions have taken place.

A session's roll call and its check-in codes are open from ATTENDANCE_OPENS_MINUTES before it starts until
ATTENDANCE_GRACE_MINUTES after it ends: attendance recorded days ahead, or a check-in hours early, would be a
record of something that has not happened. After the window only a *late roll* is possible, with a reason
and audited: the session's lecturer may record one for ATTENDANCE_LATE_DAYS days after the session ended,
the training office at any time. That is how a session scheduled after the fact (added or moved into the
past) gets its attendance — until then its seats are unrecorded, which counts neither way.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_

from app.core.localtime import in_local_zone, local_today
from app.training.models import TrainingSession
from app.training.slots import utc_bounds
from app.training.states import Slot


@dataclass(frozen=True)
class Window:
    """The UTC times between which a session's attendance may be recorded (opens ≤ now < closes)."""

    opens: datetime
    closes: datetime

    def phase(self, now: datetime) -> str:
        """"early", "open" or "closed"."""
        if now < self.opens:
            return "early"
        return "open" if now < self.closes else "closed"

    def text(self) -> str:
        """'2026-03-02 08:00–13:00' in the configured zone (both dates when it spans midnight)."""
        opens, closes = in_local_zone(self.opens), in_local_zone(self.closes)
        if opens.date() == closes.date():
            return f"{opens:%Y-%m-%d %H:%M}–{closes:%H:%M}"
        return f"{opens:%Y-%m-%d %H:%M} – {closes:%Y-%m-%d %H:%M}"


def window_of(session: TrainingSession) -> Window:
    start, end = utc_bounds(session.day, session.slot)
    config = current_app.config
    return Window(start - timedelta(minutes=config["ATTENDANCE_OPENS_MINUTES"]),
                  end + timedelta(minutes=config["ATTENDANCE_GRACE_MINUTES"]))


def lecturer_deadline(session: TrainingSession) -> datetime:
    """Until when the session's lecturer may record a late roll (the training office has no limit)."""
    return utc_bounds(session.day, session.slot)[1] + timedelta(days=current_app.config["ATTENDANCE_LATE_DAYS"])


def local_text(moment: datetime) -> str:
    """'2026-03-09 12:00' in the configured zone, for messages."""
    return f"{in_local_zone(moment):%Y-%m-%d %H:%M}"


def has_started(session: TrainingSession, now: datetime) -> bool:
    return utc_bounds(session.day, session.slot)[0] <= now


def ended_by(now: datetime):
    """A WHERE clause on TrainingSession: its slot has ended by `now` (what is_held says, in SQL)."""
    today = local_today(now)
    done = [slot for slot in Slot if utc_bounds(today, slot)[1] <= now]
    earlier = TrainingSession.day < today
    return or_(earlier, and_(TrainingSession.day == today, TrainingSession.slot.in_(done))) if done else earlier
