"""Every page a role can open renders in both locales, with the right <html lang>."""

import pytest
from flask import url_for

from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, access_of
from app.core.roles import Role
from app.extensions import db

ROSTER = "工号,姓名\nn1,王五\n".encode()
BANK = "题型,题干,选项A,选项B,答案\n单选,收费站的职责是（ ）。,收费,修路,A\n".encode()
# Pages answering 200 only with a query value: endpoint → (query name, key of real_arguments).
QUERY_ARGUMENTS = {"training.subscription_feed": ("token", "calendar_token")}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154"
    "a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def real_arguments(users, org, monkeypatch):
    """A real object for every URL argument a page takes; a new argument name fails the test until
    it is added here, so every page is rendered. The attendance pages' clock is fixed inside today's
    session, so its roll and check-in code are open whatever hour the suite runs at."""
    from app.audit import actions
    from app.audit.services import record
    from app.core.clock import utcnow
    from app.training.calendar_links import make_link
    from app.uploads.services import keep_upload

    event = record(actions.ROSTER_IMPORTED, actor=users[Role.ADMIN], ip="127.0.0.1", now=utcnow(),
                   details={"file": "r.csv", "created": 1, "updated": 0, "unchanged": 0,
                            "stations_created": [], "teams_created": []})
    tokens = {
        role: keep_upload(ROSTER, kind="roster", filename="r.csv", options={}, owner=user, now=utcnow())
        for role, user in users.items()
    }
    bank, question, image = _bank_with_a_question(users[Role.TRAINER])
    _graded_exam_with(bank, users[Role.TRAINER], org)  # the question's item analysis has a row to show
    bank_tokens = {
        role: keep_upload(BANK, kind="bank", filename="b.csv", options={"bank_id": bank.id, "format": "auto"},
                          owner=user, now=utcnow())
        for role, user in users.items()
    }
    exam, attempts, short_answer, practice = _exam_with_attempts(users)
    lesson, attachment = _lesson_with_an_attachment(users[Role.TRAINER])
    plan, batch, session = _batch_with_a_session_today(users, org)
    _clock_inside(session, monkeypatch)
    evaluation = _evaluation_of(users, batch)
    calendar_token = make_link(users[Role.COLLECTOR], users[Role.COLLECTOR], now=utcnow(), ip="127.0.0.1")
    db.session.commit()
    return lambda role: {
        "user_id": users[Role.COLLECTOR].id,
        "staff_no": users[Role.COLLECTOR].staff_no,
        "station_id": org.stations[0].id,
        "team_id": org.stations[0].teams[0].id,
        "event_id": event.id,
        "token": tokens[role],
        "bank_id": bank.id,
        "question_id": question.id,
        "version_number": question.current.number,
        "sha256": image.sha256,
        "bank_token": bank_tokens[role],
        "fmt": "csv",
        "exam_id": exam.id,
        "attempt_id": attempts[role].id,
        "version_id": short_answer.id,
        "practice_id": practice[role].id,
        "course_code": lesson.course.code,
        "lesson_id": lesson.id,
        "attachment_id": attachment.id,
        "plan_id": plan.id,
        "batch_id": batch.id,
        "session_id": session.id,
        "evaluation_id": evaluation.id,
        "calendar_token": calendar_token,
    }


def _evaluation_of(users, batch):
    """The batch's evaluations computed (the collector has sat nothing: make-up required)."""
    from app.core.clock import utcnow
    from app.evaluation.computing import compute_batch

    [evaluation] = compute_batch(users[Role.HR], batch, now=utcnow(), ip="127.0.0.1")
    return evaluation


def _batch_with_a_session_today(users, org):
    """A plan over the first station with a published batch whose law session (lectured by the trainer, the
    collector seated) is today, so the roll call and check-in code pages show everything."""
    from app.core.clock import utcnow
    from app.core.localtime import local_today
    from app.training.models import TrainingPlan
    from tests import factories

    now = utcnow()
    plan = TrainingPlan(name="年度培训", share_numerator=1, share_denominator=2, created_at=now,
                        stations=[org.stations[0]])
    db.session.add(plan)
    db.session.flush()
    batch = factories.make_batch("第一期", starts_on=local_today(now), status="scheduled", plan=plan,
                                 members=[users[Role.COLLECTOR]])
    session = factories.make_session(batch, "law", users[Role.TRAINER], slot="full", seats=[users[Role.COLLECTOR]])
    return plan, batch, session


def _clock_inside(session, monkeypatch):
    """Fixes the attendance pages' clock at 10:00 (local) on the session's day, inside its full-day slot."""
    from tests.training.conftest import CLOCKED
    from tests.training.test_checkin import local

    moment = local(session.day, "10:00")
    for module in CLOCKED:
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)


def _lesson_with_an_attachment(trainer):
    """A law lesson (the trainer is a lecturer of the course) with a PDF attached."""
    import hashlib

    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course
    from app.courses.models import Lesson, LessonAttachment

    ensure_courses()
    course = find_course("law")
    course.lecturers.append(trainer)
    now = utcnow()
    lesson = Lesson(course=course, position=0, title="收费公路的定义", body="## 收费公路\n\n依法收取车辆通行费的公路。",
                    created_at=now, updated_at=now)
    pdf = b"%PDF-1.4\n%test\n"
    attachment = LessonAttachment(lesson=lesson, filename="讲义.pdf", content_type="application/pdf", size=len(pdf),
                                  sha256=hashlib.sha256(pdf).hexdigest(), data=pdf, created_at=now)
    db.session.add_all([lesson, attachment])
    db.session.flush()
    return lesson, attachment


def _exam_with_attempts(users):
    """An exam the trainer owns that every role's user sits (each has an attempt in progress), a short-answer
    version on it (grading, regrade), and one practice question per user."""
    from app.core.clock import utcnow
    from app.exams.attempts import start_attempt
    from app.exams.models import PracticeAnswer
    from tests import factories

    made = factories.make_exam_bank(users[Role.TRAINER])
    exam = factories.make_exam(users[Role.TRAINER], made.bank, audience=list(users.values()))
    now = utcnow()
    attempts = {role: start_attempt(user, exam, now=now, ip="127.0.0.1") for role, user in users.items()}
    short_answer = next(item.version for item in attempts[Role.COLLECTOR].items if item.version.type == "short_answer")
    question = made.questions[0]
    practice = {}
    for role, user in users.items():
        practice[role] = PracticeAnswer(user_id=user.id, course_id=made.bank.course_id, question_id=question.id,
                                        version_id=question.current_version_id, option_order=[0, 1, 2, 3],
                                        shown_at=now)
        db.session.add(practice[role])
    db.session.flush()
    return exam, attempts, short_answer, practice


def _graded_exam_with(bank, trainer, org):
    """An exam of the trainer drawing the bank's one question, sat and submitted by a new collector, so the
    question's item analysis (reports.question_items) renders a graded row."""
    from datetime import timedelta
    from decimal import Decimal

    from app.core.clock import utcnow
    from app.exams.attempts import start_attempt, submit
    from app.exams.services import RuleData
    from tests import factories

    candidate = factories.make_user("c0902", team=org.stations[0].teams[0])
    exam = factories.make_exam(trainer, bank, rules=[RuleData(count=1, bank_id=bank.id)], audience=[candidate],
                               pass_mark=Decimal(1), title="已评分的考试")
    now = utcnow()
    attempt = start_attempt(candidate, exam, now=now, ip="127.0.0.1")
    attempt.items[0].response = 0
    assert submit(attempt, now=now, grace=timedelta(seconds=30), actor=candidate, ip="127.0.0.1")
    assert attempt.score is not None


def _bank_with_a_question(trainer):
    """A bank the trainer owns (administrators manage every bank) with one question that has a picture."""
    import hashlib

    from app.banks.drafts import Draft, QuestionType
    from app.banks.models import Image
    from app.banks.services import add_questions, create_bank
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course

    ensure_courses()
    bank = create_bank(trainer, find_course("law"), "法规题库", now=utcnow(), ip="127.0.0.1")
    image = Image(sha256=hashlib.sha256(PNG).hexdigest(), content_type="image/png", data=PNG, created_at=utcnow())
    db.session.add(image)
    draft = Draft(type=QuestionType.SINGLE, stem="收费站的职责是（ ）。", options=["收费", "修路"], correct={0},
                  image="sign.png")
    question = add_questions(trainer, bank, [draft], now=utcnow(), images={"sign.png": image})[0]
    return bank, question, image


def _get_routes(app, arguments):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in BUILTIN_PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        unknown = rule.arguments - arguments.keys()
        assert not unknown, f"add a real value for {unknown} ({rule.rule}) to real_arguments"
        query = QUERY_ARGUMENTS.get(rule.endpoint)
        yield rule, {name: arguments[name] for name in rule.arguments} | ({query[0]: arguments[query[1]]} if query else {})


@pytest.mark.parametrize("locale, lang, marker", [("zh_Hans", "zh-Hans", "收费"), ("en", "en", "Toll")])
@pytest.mark.parametrize("role", list(Role))
def test_every_page_a_role_may_open_renders_in_both_locales(
    app, client, users, login, real_arguments, role, locale, lang, marker
):
    user = users[role]
    user.locale = locale
    db.session.commit()
    login(user)
    checked = 0
    for rule, values in _get_routes(app, real_arguments(role)):
        if not access_of(app.view_functions[rule.endpoint]).admits(user):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert f'<html lang="{lang}">' in body, url
            assert marker in body, url
            checked += 1
    assert checked >= 2


def test_language_choice_is_remembered_for_the_user(app, client, users, login):
    collector = users[Role.COLLECTOR]
    login(collector)
    client.post("/language", data={"locale": "en", "next": "/me"})
    assert db.session.get(type(collector), collector.id).locale == "en"
    other_device = app.test_client()
    other_device.post("/login", data={"staff_no": collector.staff_no, "password": "Test@2026pw"})
    assert '<html lang="en">' in other_device.get("/me").get_data(as_text=True)


def test_anonymous_visitors_get_chinese_by_default_and_can_switch(client):
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "fr", "next": "/login"})
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)
