"""Who may download which report: plain functions, testable without HTTP (docs/security.md §10, §29)."""

from app.core.roles import Role
from app.exams.permissions import can_view_exam


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def can_export_exam_results(user, exam) -> bool:
    """Whoever reads the exam's results page: its owners, administrators and HR."""
    return can_view_exam(user, exam)


def can_export_all_results(user) -> bool:
    """Every result of every exam: HR and administrators."""
    return _signed_in(user) and user.has_role(Role.HR, Role.ADMIN)


def can_export_transcript(user, person) -> bool:
    """HR and administrators for anyone; everyone else only for themself."""
    if not _signed_in(user):
        return False
    return user.has_role(Role.HR, Role.ADMIN) or user.id == person.id
