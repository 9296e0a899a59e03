"""Staff roster import from CSV/XLSX: preview (parse and check, no writes), then apply all or nothing.

    preview = preview_roster(data, filename, actor=..., create_missing=...)
    result = import_roster(data, filename, actor=..., create_missing=..., ip=..., now=...)

`import_roster` checks the file again before writing and raises `RosterRejected` (nothing written)
on any error; the caller commits once, or rolls back.
"""

from app.org.roster.apply import ImportResult, RosterRejected, apply_preview, import_roster
from app.org.roster.preview import (
    ACTION_LABELS,
    CREATE,
    FIELD_LABELS,
    INVALID,
    ROSTER_MAX_ROWS,
    UNCHANGED,
    UPDATE,
    RosterPreview,
    RowPlan,
    preview_roster,
)

__all__ = [
    "ACTION_LABELS",
    "CREATE",
    "FIELD_LABELS",
    "INVALID",
    "ROSTER_MAX_ROWS",
    "UNCHANGED",
    "UPDATE",
    "ImportResult",
    "RosterPreview",
    "RosterRejected",
    "RowPlan",
    "apply_preview",
    "import_roster",
    "preview_roster",
]
