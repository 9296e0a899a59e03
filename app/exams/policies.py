"""Rules an exam's settings imply: deadlines, the multiple-choice policy, when results become visible."""

from datetime import datetime, timedelta

from app.banks.registry import ALL_OR_NOTHING, MultiplePolicy
from app.exams.states import AttemptState, ExamState, Release


def multiple_policy(exam) -> MultiplePolicy:
    """All or nothing, or 少选得分 with the exam's share."""
    return ALL_OR_NOTHING if exam.partial_share is None else MultiplePolicy(exam.partial_share)


def deadline_for(exam, started_at: datetime, extra_minutes: int = 0) -> datetime:
    """docs/security.md §12: min(start + duration + extra time, window close), computed by the server only."""
    return min(started_at + timedelta(minutes=exam.duration_minutes + extra_minutes), exam.closes_at)


def window_closed(exam, now: datetime) -> bool:
    return now >= exam.closes_at or exam.status in (ExamState.CLOSED, ExamState.ARCHIVED)


def _released(when: str, exam, now: datetime) -> bool:
    if when == Release.AT_SUBMIT:
        return True
    if when == Release.AFTER_CLOSE:
        return window_closed(exam, now)
    return False


def score_released(exam, attempt, now: datetime) -> bool:
    """The candidate may see the score and pass/fail of a submitted, fully graded attempt."""
    return (attempt.status == AttemptState.SUBMITTED and attempt.score is not None
            and _released(exam.release_score, exam, now))


def review_released(exam, attempt, now: datetime) -> bool:
    """The candidate may see their answers next to the correct ones and the explanations."""
    return (attempt.status == AttemptState.SUBMITTED and attempt.score is not None
            and _released(exam.release_review, exam, now))
