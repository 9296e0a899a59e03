"""Who may do what with exams and attempts: plain functions, testable without HTTP (SECURITY 9, 10).

Trainers build exams and become their owners; owners (and administrators) edit, publish, grade,
regrade, grant extra time and read results. HR reads every exam's settings and results but changes
nothing. A candidate sees only their own attempts; another person's attempt id is a 404, as if it did
not exist.
"""

from app.accounts.roles import Role


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def _admin(user) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def owns_exam(user, exam) -> bool:
    user_id = getattr(user, "id", None)
    return user_id is not None and any(owner.id == user_id for owner in exam.owners)


def can_create_exam(user) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN, Role.TRAINER)


def can_manage_exam(user, exam) -> bool:
    """Edit settings, blueprint and candidates, publish, close, archive, make a make-up exam."""
    return _admin(user) or (_signed_in(user) and user.has_role(Role.TRAINER) and owns_exam(user, exam))


def can_grade_exam(user, exam) -> bool:
    """Grade short answers, regrade, grant extra time: the exam's owners and administrators."""
    return can_manage_exam(user, exam)


def can_view_exam(user, exam) -> bool:
    """Read the settings, blueprint, candidates and results: managers and HR (read-only)."""
    return can_manage_exam(user, exam) or (_signed_in(user) and user.has_role(Role.HR))


def owns_attempt(user, attempt) -> bool:
    """A candidate's own attempt (the only attempts a candidate's pages load)."""
    return _signed_in(user) and attempt.user_id == user.id


def can_view_attempt(user, attempt) -> bool:
    """A trainer's or HR's view of someone's attempt (with the key): whoever may view the exam."""
    return can_view_exam(user, attempt.exam)
