"""Loading an exam for a staff page: 404 when it does not exist, 403 when the user may not do this with it."""

from flask import abort
from flask_login import current_user

from app.exams import permissions
from app.exams.models import Exam
from app.extensions import db


def _exam(exam_id: int, may) -> Exam:
    exam = db.get_or_404(Exam, exam_id)
    if not may(current_user, exam):
        abort(403)
    return exam


def viewable_exam(exam_id: int) -> Exam:
    """Read settings and results: managers and HR."""
    return _exam(exam_id, permissions.can_view_exam)


def managed_exam(exam_id: int) -> Exam:
    """Change settings, blueprint, candidates, state: the exam's owners and administrators."""
    return _exam(exam_id, permissions.can_manage_exam)


def gradable_exam(exam_id: int) -> Exam:
    """Grade, regrade, grant extra time."""
    return _exam(exam_id, permissions.can_grade_exam)
