"""Names of audited actions and their translated labels for the audit page."""

from app.core.i18n import lazy_gettext as _l

LOGIN_SUCCEEDED = "login.succeeded"
LOGIN_FAILED = "login.failed"
LOGOUT = "logout"
SESSION_ENDED = "session.ended"
PASSWORD_CHANGED = "password.changed"  # nosec B105  # an action name
PASSWORD_RESET = "password.reset"  # nosec B105  # an action name
PASSWORD_CONFIRMED = "password.confirmed"  # nosec B105  # an action name
PASSWORD_CHECK_FAILED = "password.check_failed"  # nosec B105  # an action name
USER_CREATED = "user.created"
USER_UPDATED = "user.updated"
ROLES_CHANGED = "user.roles_changed"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
ROSTER_IMPORTED = "roster.imported"
STATION_CREATED = "station.created"
STATION_UPDATED = "station.updated"
STATION_DEACTIVATED = "station.deactivated"
STATION_REACTIVATED = "station.reactivated"
TEAM_CREATED = "team.created"
TEAM_UPDATED = "team.updated"
TEAM_DEACTIVATED = "team.deactivated"
TEAM_REACTIVATED = "team.reactivated"
ADMIN_CREATED = "admin.created"
BANK_CREATED = "bank.created"
BANK_UPDATED = "bank.updated"
BANK_IMPORTED = "bank.imported"
BANK_EXPORTED = "bank.exported"
QUESTION_ADDED = "question.added"
QUESTION_REVISED = "question.revised"
QUESTION_RETIRED = "question.retired"
QUESTION_RESTORED = "question.restored"
EXAM_CREATED = "exam.created"
EXAM_UPDATED = "exam.updated"
EXAM_PUBLISHED = "exam.published"
EXAM_CLOSED = "exam.closed"
EXAM_ARCHIVED = "exam.archived"
EXAM_BLUEPRINT_CHANGED = "exam.blueprint_changed"
EXAM_AUDIENCE_CHANGED = "exam.audience_changed"
MAKEUP_CREATED = "exam.makeup_created"
EXTRA_TIME_GRANTED = "exam.extra_time"
ATTEMPT_STARTED = "attempt.started"
ATTEMPT_SUBMITTED = "attempt.submitted"
ATTEMPT_AUTO_SUBMITTED = "attempt.auto_submitted"
ANSWER_GRADED = "attempt.answer_graded"
ATTEMPT_REGRADED = "attempt.regraded"
REGRADE_APPLIED = "exam.regrade_applied"
LESSON_CREATED = "lesson.created"
LESSON_UPDATED = "lesson.updated"
LESSON_DELETED = "lesson.deleted"
ATTACHMENT_ADDED = "lesson.attachment_added"
ATTACHMENT_REMOVED = "lesson.attachment_removed"
LECTURERS_CHANGED = "course.lecturers_changed"
PLAN_CREATED = "training.plan_created"
PLAN_UPDATED = "training.plan_updated"
BATCH_CREATED = "training.batch_created"
BATCH_UPDATED = "training.batch_updated"
BATCH_DELETED = "training.batch_deleted"
BATCH_STATUS_CHANGED = "training.batch_status_changed"
SESSION_CREATED = "training.session_created"
SESSION_UPDATED = "training.session_updated"
SESSION_DELETED = "training.session_deleted"
ALLOCATION_APPLIED = "training.allocation_applied"
MEMBER_MOVED = "training.member_moved"
MEMBER_REMOVED = "training.member_removed"
UNAVAILABILITY_ADDED = "training.unavailability_added"
UNAVAILABILITY_REMOVED = "training.unavailability_removed"
ATTENDANCE_RECORDED = "training.attendance_recorded"
ATTENDANCE_RECORDED_LATE = "training.attendance_recorded_late"
CHECKIN_CODE_ISSUED = "training.checkin_code_issued"
WAIVER_GRANTED = "training.waiver_granted"
WAIVER_REVOKED = "training.waiver_revoked"
MAKEUP_BATCH_CREATED = "training.makeup_batch_created"
CALENDAR_LINK_CREATED = "training.calendar_link_created"
CALENDAR_LINK_REVOKED = "training.calendar_link_revoked"
SCHEME_SAVED = "evaluation.scheme_saved"
EVALUATIONS_COMPUTED = "evaluation.computed"
EVALUATION_OVERRIDDEN = "evaluation.overridden"
EVALUATIONS_SIGNED_OFF = "evaluation.signed_off"
EVALUATIONS_REOPENED = "evaluation.reopened"
REPORT_EXPORTED = "report.exported"
API_CLIENT_CREATED = "api.client_created"
API_CLIENT_REVOKED = "api.client_revoked"

LABELS = {
    LOGIN_SUCCEEDED: _l("Login succeeded"),
    LOGIN_FAILED: _l("Login failed"),
    LOGOUT: _l("Logout"),
    SESSION_ENDED: _l("Session ended"),
    PASSWORD_CHANGED: _l("Password changed"),
    PASSWORD_RESET: _l("Temporary password issued"),
    PASSWORD_CONFIRMED: _l("Password re-entered for a sensitive action"),
    PASSWORD_CHECK_FAILED: _l("Wrong password re-entered while signed in"),
    USER_CREATED: _l("Staff member created"),
    USER_UPDATED: _l("Staff member updated"),
    ROLES_CHANGED: _l("Roles changed"),
    USER_DEACTIVATED: _l("Staff member deactivated"),
    USER_REACTIVATED: _l("Staff member reactivated"),
    ROSTER_IMPORTED: _l("Roster imported"),
    STATION_CREATED: _l("Station created"),
    STATION_UPDATED: _l("Station updated"),
    STATION_DEACTIVATED: _l("Station deactivated"),
    STATION_REACTIVATED: _l("Station reactivated"),
    TEAM_CREATED: _l("Team created"),
    TEAM_UPDATED: _l("Team updated"),
    TEAM_DEACTIVATED: _l("Team deactivated"),
    TEAM_REACTIVATED: _l("Team reactivated"),
    ADMIN_CREATED: _l("Administrator created from the command line"),
    BANK_CREATED: _l("Question bank created"),
    BANK_UPDATED: _l("Question bank updated"),
    BANK_IMPORTED: _l("Questions imported"),
    BANK_EXPORTED: _l("Question bank exported"),
    QUESTION_ADDED: _l("Question added"),
    QUESTION_REVISED: _l("Question edited (new version)"),
    QUESTION_RETIRED: _l("Question retired"),
    QUESTION_RESTORED: _l("Question restored"),
    EXAM_CREATED: _l("Exam created"),
    EXAM_UPDATED: _l("Exam settings changed"),
    EXAM_PUBLISHED: _l("Exam published"),
    EXAM_CLOSED: _l("Exam closed"),
    EXAM_ARCHIVED: _l("Exam archived"),
    EXAM_BLUEPRINT_CHANGED: _l("Exam paper blueprint changed"),
    EXAM_AUDIENCE_CHANGED: _l("Exam candidates changed"),
    MAKEUP_CREATED: _l("Make-up exam created"),
    EXTRA_TIME_GRANTED: _l("Extra time granted"),
    ATTEMPT_STARTED: _l("Exam attempt started"),
    ATTEMPT_SUBMITTED: _l("Exam attempt submitted"),
    ATTEMPT_AUTO_SUBMITTED: _l("Exam attempt closed at the deadline"),
    ANSWER_GRADED: _l("Answer graded by hand"),
    ATTEMPT_REGRADED: _l("Attempt regraded (score changed)"),
    REGRADE_APPLIED: _l("Question regraded"),
    LESSON_CREATED: _l("Lesson created"),
    LESSON_UPDATED: _l("Lesson updated"),
    LESSON_DELETED: _l("Lesson deleted"),
    ATTACHMENT_ADDED: _l("Lesson attachment added"),
    ATTACHMENT_REMOVED: _l("Lesson attachment removed"),
    LECTURERS_CHANGED: _l("Course lecturers changed"),
    PLAN_CREATED: _l("Training plan created"),
    PLAN_UPDATED: _l("Training plan updated"),
    BATCH_CREATED: _l("Training batch created"),
    BATCH_UPDATED: _l("Training batch updated"),
    BATCH_DELETED: _l("Training batch deleted"),
    BATCH_STATUS_CHANGED: _l("Training batch status changed"),
    SESSION_CREATED: _l("Training session scheduled"),
    SESSION_UPDATED: _l("Training session changed"),
    SESSION_DELETED: _l("Training session removed"),
    ALLOCATION_APPLIED: _l("Batch allocation applied"),
    MEMBER_MOVED: _l("Trainee moved to another batch"),
    MEMBER_REMOVED: _l("Trainee removed from a batch"),
    UNAVAILABILITY_ADDED: _l("Leave dates declared"),
    UNAVAILABILITY_REMOVED: _l("Leave dates removed"),
    ATTENDANCE_RECORDED: _l("Attendance recorded"),
    ATTENDANCE_RECORDED_LATE: _l("Attendance recorded after the session (late roll)"),
    CHECKIN_CODE_ISSUED: _l("Check-in code shown"),
    WAIVER_GRANTED: _l("Attendance requirement waived"),
    WAIVER_REVOKED: _l("Attendance waiver withdrawn"),
    MAKEUP_BATCH_CREATED: _l("Make-up batch created"),
    CALENDAR_LINK_CREATED: _l("Calendar subscription link made"),
    CALENDAR_LINK_REVOKED: _l("Calendar subscription link turned off"),
    SCHEME_SAVED: _l("Evaluation scheme saved (new version)"),
    EVALUATIONS_COMPUTED: _l("Evaluations computed"),
    EVALUATION_OVERRIDDEN: _l("Evaluation outcome overridden"),
    EVALUATIONS_SIGNED_OFF: _l("Evaluations signed off"),
    EVALUATIONS_REOPENED: _l("Signed-off evaluations reopened"),
    REPORT_EXPORTED: _l("Report downloaded"),
    API_CLIENT_CREATED: _l("API client created"),
    API_CLIENT_REVOKED: _l("API client revoked"),
}
