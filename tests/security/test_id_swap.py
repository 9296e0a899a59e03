"""The id-swap matrix (docs/security.md §9, §10): every route that names an object, tried by people it does not
belong to.

The page-render world (`real_arguments`) gives each URL argument a real object owned by its role's user: the
trainer's bank, exam and lesson, the collector's attempt and practice question, HR's plan, batch and evaluation.
Three outsiders then try every such route with every method: another collector of the same team, a trainer who
owns nothing, and HR. Each must get 403 or 404 and change nothing, except where `SHARED` says the object is
theirs to see or use too (a hand-written list: widening access to an object means adding a line here). The
owners' side is tests/core/test_pages_render.py, whose walk opens every page of this same world as each role that
may (200), so the ids are real and the refusals here mean something.
"""

from flask import url_for

from app.accounts.sessions import start_session
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, access_of
from app.core.roles import Role
from app.extensions import db
from tests import factories
from tests.core.test_csrf import database_state
from tests.core.test_route_permissions import SKIPPED_METHODS, Visitor

OTHER_COLLECTOR, IDLE_TRAINER, HR = "another collector", "a trainer who owns nothing", "HR"
OBJECT_ARGUMENTS = {"user_id", "staff_no", "station_id", "team_id", "event_id", "token", "bank_id", "question_id",
                    "version_number", "sha256", "bank_token", "exam_id", "attempt_id", "version_id", "practice_id",
                    "lesson_id", "attachment_id", "plan_id", "batch_id", "session_id", "evaluation_id", "client_id"}

ANY = "*"


def _shared(outsider: str, reason: str, *endpoints: str) -> dict:
    """`endpoint` or `endpoint METHOD`: the outsider may reach the world's object there, for `reason`."""
    return {(*(entry.split() if " " in entry else (entry, ANY)), outsider): reason for entry in endpoints}


# Objects an outsider may legitimately reach, with why. Widening access to an object means adding a line here.
SHARED = {
    **{key: reason for outsider in (OTHER_COLLECTOR, IDLE_TRAINER, HR) for key, reason in _shared(
        outsider, "course material is for every member of staff; finishing a lesson records one's own progress",
        "courses.lesson", "courses.attachment", "courses.finish_lesson").items()},
    **_shared(IDLE_TRAINER, "trainers read every batch's timetable and attendance (they lecture across batches); "
              "only HR plans them", "training.batch", "training.batch_attendance", "training.batch_calendar"),
    **_shared(HR, "HR runs the evaluations of every batch", "evaluation.batch_sheet", "evaluation.compute",
              "evaluation.sign_off", "evaluation.reopen", "evaluation.override", "evaluation.roster_file",
              "evaluation.summary_file"),
    **_shared(HR, "HR reads every exam's results and reports (read only: nothing it can change)",
              "exams.detail GET", "exams.attempt_detail GET", "exams.candidates GET", "exams.questions GET",
              "exams.results GET", "reports.exam_items", "reports.exam_results", "reports.question_items",
              "reports.transcript"),
    **_shared(HR, "HR keeps the staff records, stations and teams (roles are the administrators')",
              "org.staff_detail", "org.staff_edit", "org.staff_deactivate", "org.staff_reactivate",
              "org.roster_result", "org.station_edit", "org.station_deactivate", "org.station_reactivate",
              "org.team_new", "org.team_edit", "org.team_deactivate", "org.team_reactivate"),
    **_shared(HR, "HR plans the training: every plan, batch and session", "training.batch",
              "training.batch_attendance", "training.batch_calendar", "training.delete_batch", "training.edit_batch",
              "training.new_makeup_batch", "training.new_session", "training.batch_status", "training.plan",
              "training.check_move", "training.edit_plan", "training.move_member", "training.propose_allocation",
              "training.checkin_code", "training.checkin_code_json", "training.delete_session",
              "training.edit_session"),
}


def _is_shared(endpoint: str, method: str, outsider: str) -> bool:
    return (endpoint, method, outsider) in SHARED or (endpoint, ANY, outsider) in SHARED


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in BUILTIN_PUBLIC_ENDPOINTS or not rule.arguments & OBJECT_ARGUMENTS:
            continue
        access = access_of(app.view_functions[rule.endpoint])
        if access.public or access.by_token:
            continue
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method, access


def _state():
    """Every row, less what logging in writes (sessions, login audit rows, last login times)."""
    state = database_state(ignore_tables={"login_sessions"}, ignore_columns={"users.last_login_at"})
    logins = {row.id for row in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action.in_(["login.succeeded", "logout"])))}
    state["audit_events"] = [row for row in state["audit_events"] if row[0] not in logins]
    return state


def test_outsiders_get_403_or_404_on_every_object_route_and_change_nothing(app, users, org, real_arguments):
    arguments = real_arguments(Role.ADMIN)
    outsiders = {
        OTHER_COLLECTOR: factories.make_user("c0002", name="李四", team=org.stations[0].teams[0]),
        IDLE_TRAINER: factories.make_user("trainer02", roles=[Role.TRAINER], name="别的讲师"),
        HR: factories.make_user("hr02", roles=[Role.HR], name="别的人事"),  # sits no exam of this world
    }
    db.session.commit()
    per_role = {role: real_arguments(role) for role in Role}  # each role's own attempt and practice question
    # /account/sessions/<session_id>/end names a login session (the collector's), not a training session.
    collector_session, _token = start_session(users[Role.COLLECTOR], ip="127.0.0.1", user_agent="t", now=utcnow())
    db.session.commit()
    visitors = {name: Visitor(app, user) for name, user in outsiders.items()}
    before, problems, tried = _state(), [], 0
    for rule, method, access in _routes(app):
        for name, user in outsiders.items():
            if not access.admits(user):
                continue  # the role × route matrix (tests/core/test_route_permissions.py) covers these
            values = {**arguments, **per_role[Role.TRAINER if name == IDLE_TRAINER else Role.COLLECTOR]}
            if rule.endpoint == "accounts.end_my_session":
                values["session_id"] = collector_session.id
            with app.test_request_context():
                url = url_for(rule.endpoint, **{key: values[key] for key in rule.arguments})
            response = visitors[name].open(method, url)
            tried += 1
            shared = _is_shared(rule.endpoint, method, name)
            if not shared and response.status_code not in (403, 404):
                problems.append(f"{name}: {method} {url} ({rule.endpoint}) → {response.status_code}")
            if method != "GET":
                after = _state()
                if after != before and not shared:
                    changed = sorted(table for table in after if after[table] != before.get(table))
                    problems.append(f"{name}: {method} {url} changed {changed}")
                before = after
    assert tried > 50
    assert not problems, "\n".join(problems)
