"""Imports every domain's models so metadata (and Alembic) sees all tables."""

from app.accounts.models import LoginSession, User, UserRole
from app.api.models import ApiClient
from app.audit.models import AuditEvent
from app.banks.models import Bank, Image, Question, QuestionVersion, Topic
from app.courses.models import Course, Lesson, LessonAttachment, LessonProgress
from app.evaluation.models import Evaluation, EvaluationScheme, EvaluationSignoff
from app.exams.models import (
    Attempt,
    AudienceEntry,
    BlueprintRule,
    Exam,
    ExtraTime,
    FixedQuestion,
    PaperItem,
    PracticeAnswer,
    Regrade,
)
from app.org.models import Office, Station, Team
from app.training.models import (
    Attendance,
    AttendanceWaiver,
    Batch,
    BatchMember,
    CheckinCode,
    Seat,
    TrainingPlan,
    TrainingSession,
    Unavailability,
)
from app.uploads.models import PendingUpload

__all__ = [
    "ApiClient",
    "Attempt", "AudienceEntry", "BlueprintRule", "Exam", "ExtraTime", "FixedQuestion", "PaperItem",
    "PracticeAnswer", "Regrade",
    "Evaluation", "EvaluationScheme", "EvaluationSignoff",
    "Lesson", "LessonAttachment", "LessonProgress",
    "Attendance", "AttendanceWaiver", "Batch", "BatchMember", "CheckinCode", "Seat", "TrainingPlan",
    "TrainingSession", "Unavailability",
    "AuditEvent", "Bank", "Course", "Image", "LoginSession", "Office", "PendingUpload", "Question",
    "QuestionVersion", "Station", "Team", "Topic", "User", "UserRole",
]
