"""Loading an exam for a staff page: 404 when it does not exist, 403 when the user may not do this with it."""

from app.core.loading import load_or_404
from app.exams import permissions
from app.exams.models import Exam


def viewable_exam(exam_id: int) -> Exam:
    """Read settings and results: managers and HR."""
    return load_or_404(Exam, exam_id, allowed=permissions.can_view_exam)


def managed_exam(exam_id: int) -> Exam:
    """Change settings, blueprint, candidates, state: the exam's owners and administrators."""
    return load_or_404(Exam, exam_id, allowed=permissions.can_manage_exam)


def gradable_exam(exam_id: int) -> Exam:
    """Grade, regrade, grant extra time."""
    return load_or_404(Exam, exam_id, allowed=permissions.can_grade_exam)
