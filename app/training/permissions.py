"""Who may do what in training: HR and admins plan, allocate and schedule; trainers read the schedule and
take attendance for the sessions they lecture; everybody signed in sees their own training.

The role tuples are stated once: the routes declare them (`@allow(*PLANNERS)`) and the functions below ask
them of a user, so a page's guard and the buttons it shows cannot drift apart."""

from app.core.roles import Role
from app.training.models import TrainingSession

PLANNERS = (Role.HR, Role.ADMIN)
SCHEDULE_READERS = (Role.HR, Role.ADMIN, Role.TRAINER)


def can_plan(user) -> bool:
    """Create plans and batches, allocate staff, schedule sessions, waive attendance."""
    return user.has_role(*PLANNERS)


def can_view_schedule(user) -> bool:
    """Read every batch, its timetable, members and attendance figures."""
    return user.has_role(*SCHEDULE_READERS)


def can_take_attendance(user, session: TrainingSession) -> bool:
    """The session's lecturer, or the training office."""
    return can_plan(user) or session.lecturer_id == user.id
