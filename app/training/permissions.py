"""Who may do what in training: HR and admins plan, allocate and schedule; trainers read the schedule and
take attendance for the sessions they lecture; everybody signed in sees their own training."""

from app.core.roles import Role
from app.training.models import TrainingSession


def can_plan(user) -> bool:
    """Create plans and batches, allocate staff, schedule sessions, waive attendance."""
    return user.has_role(Role.HR, Role.ADMIN)


def can_view_schedule(user) -> bool:
    """Read every batch, its timetable, members and attendance figures."""
    return user.has_role(Role.HR, Role.ADMIN, Role.TRAINER)


def can_take_attendance(user, session: TrainingSession) -> bool:
    """The session's lecturer, or the training office."""
    return can_plan(user) or session.lecturer_id == user.id
