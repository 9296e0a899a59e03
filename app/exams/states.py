"""The states of an exam and of an attempt, and the settings that say when a candidate sees results.

StrEnums (app/core/states.py): the database stores the values, a CHECK constraint (`one_of`) refuses any
other, and code and templates name the member, so a state is spelled in one place.
"""

from enum import StrEnum


class ExamState(StrEnum):
    """draft → published → closed → archived (published may go back to draft until a candidate starts)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Release(StrEnum):
    """When a candidate sees their score (`release_score`) or their reviewed answers (`release_review`)."""

    AT_SUBMIT = "at_submit"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class SubmittedHow(StrEnum):
    """Who closed an attempt: the candidate, the deadline (a late save or submit), the overdue sweep, or
    closing the exam."""

    CANDIDATE = "candidate"
    DEADLINE = "deadline"
    SWEEP = "sweep"
    CLOSED = "closed"


class RegradeAction(StrEnum):
    """How a regrade corrects a question: grade with a newer version's key, or give everyone full points."""

    REKEY = "rekey"
    VOID = "void"
