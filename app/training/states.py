"""The states of a batch and of an attendance record, the slots of a session and how attendance was recorded.

StrEnums (app/core/states.py): the database stores the values, a CHECK constraint (`one_of`) refuses any other,
and code and templates name the member, so a state is spelled in one place.
"""

from enum import StrEnum


class BatchState(StrEnum):
    """planning → scheduled (published: seats filled, members see it) → running → finished."""

    PLANNING = "planning"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    FINISHED = "finished"


class Slot(StrEnum):
    """When a session takes place: the morning, the afternoon, or the full day (both)."""

    AM = "am"
    PM = "pm"
    FULL = "full"


class AttendanceState(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class RecordedVia(StrEnum):
    """Who recorded the attendance: the lecturer's roll call, or the person typing the check-in code."""

    ROLL = "roll"
    CODE = "code"


# Counted as attended (a late arrival attended the session).
ATTENDED = frozenset({AttendanceState.PRESENT, AttendanceState.LATE})
# Published: seats are filled and kept in step with the members.
SEATED = frozenset({BatchState.SCHEDULED, BatchState.RUNNING})
