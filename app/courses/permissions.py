"""Who may change a course's material: administrators, and trainers who are lecturers of the course.
Everybody signed in reads the courses."""

from app.core.roles import Role
from app.courses.models import Course

# The routes' @allow and the functions below read these, so each rule is written once.
LESSON_WRITERS = (Role.ADMIN, Role.TRAINER)  # which of their courses: can_edit_course
LECTURER_CHOOSERS = (Role.ADMIN, Role.HR)


def can_edit_course(user, course: Course) -> bool:
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.TRAINER) and any(lecturer.id == user.id for lecturer in course.lecturers)


def can_set_lecturers(user) -> bool:
    return user.has_role(*LECTURER_CHOOSERS)
