"""Who may download which report: plain functions, testable without HTTP (docs/security.md §10, §29)."""

from app.banks.permissions import can_manage_bank
from app.core.roles import Role
from app.exams.permissions import can_view_exam

# The routes' @allow and the functions below read these, so each rule is written once.
RESULT_EXPORTERS = (Role.ADMIN, Role.HR)  # every result of every exam, and anyone's transcript
ITEM_READERS = (Role.ADMIN, Role.TRAINER, Role.HR)  # which exams and questions: can_view_exam, may_read_question


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def can_export_exam_results(user, exam) -> bool:
    """Whoever reads the exam's results page: its owners, administrators and HR."""
    return can_view_exam(user, exam)


def can_export_all_results(user) -> bool:
    """Every result of every exam: HR and administrators."""
    return _signed_in(user) and user.has_role(*RESULT_EXPORTERS)


def can_export_transcript(user, person) -> bool:
    """HR and administrators for anyone; everyone else only for themself."""
    if not _signed_in(user):
        return False
    return user.has_role(*RESULT_EXPORTERS) or user.id == person.id


def may_read_question(user, question, exams) -> bool:
    """The question's analysis: HR and administrators; a trainer who manages its bank or may view one of the
    exams that used it (they then see only those exams)."""
    if not _signed_in(user):
        return False
    if user.has_role(Role.ADMIN, Role.HR) or can_manage_bank(user, question.bank):
        return True
    return any(can_view_exam(user, exam) for exam in exams)
