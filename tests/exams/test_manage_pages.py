"""The trainer's exam pages: list, settings, blueprint with pool feedback, sample paper, candidates, state
changes and make-up exams — for the owner, an administrator, another trainer (403) and HR (read-only)."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.banks.models import Question
from app.core.errors import Conflict
from app.core.roles import Role
from app.exams import attempts as flow
from app.exams import services
from app.exams.audience import NO_MAKEUP_NEEDED, refusal
from app.exams.models import Exam
from app.exams.saving import answer_at_once
from app.extensions import db
from tests import factories
from tests.core.test_route_permissions import csrf_tokens_in

# Page texts are checked in English; the Chinese catalog is checked by tests/core/test_translations.py.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime.now(UTC).replace(microsecond=0)
GRACE = timedelta(seconds=30)
AUTO_TYPES = ("single", "multiple", "true_false", "fill_blank")


@pytest.fixture
def bank(users):
    made = factories.make_exam_bank(users[Role.TRAINER])
    db.session.commit()
    return made.bank


@pytest.fixture
def draft(users, bank):
    exam = factories.make_exam(users[Role.TRAINER], bank, audience=[users[Role.COLLECTOR]], status="draft", now=NOW)
    db.session.commit()
    return exam


@pytest.fixture
def other_trainer(app):
    user = factories.make_user("trainer02", roles=[Role.TRAINER], name="别的讲师")
    db.session.commit()
    return user


def settings_form(**changes):
    form = {"course": "law", "title": "收费业务考试", "description": "", "opens_at": "2026-07-01T09:00",
            "closes_at": "2026-07-01T11:00", "duration_minutes": "60", "pass_mark": "60", "attempts_allowed": "1",
            "scoring": "partial", "partial_share": "0.5", "release_score": "at_submit",
            "release_review": "after_close"}
    form.update(changes)
    return form


def rule_row(index, **values):
    row = {"bank": "", "type": "", "difficulty_min": "1", "difficulty_max": "5", "count": "", "points_each": ""}
    row.update(values)
    return {f"rules-{index}-{key}": value for key, value in row.items()}


def flashes(client) -> str:
    return client.get("/exams/").get_data(as_text=True)


# --- List and settings --------------------------------------------------------------------------

def test_the_list_shows_the_owners_exams_with_their_counts(client, login, users, draft, other_trainer):
    login(users[Role.TRAINER])
    body = client.get("/exams/").get_data(as_text=True)
    assert draft.title in body and 'id="new-exam"' in body
    assert client.get("/exams/?status=published").get_data(as_text=True).count(f"/exams/{draft.id}\"") == 0
    client.post("/logout")
    login(other_trainer)
    assert f"/exams/{draft.id}\"" not in client.get("/exams/").get_data(as_text=True)


def test_hr_reads_every_exam_without_buttons_and_cannot_change_anything(client, login, users, draft):
    login(users[Role.HR])
    listing = client.get("/exams/").get_data(as_text=True)
    assert f"/exams/{draft.id}\"" in listing and 'id="new-exam"' not in listing
    page = client.get(f"/exams/{draft.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "publish-button" not in body and "exam-actions" not in body
    for path in ("edit", "blueprint", "audience", "preview", "pool", "makeup"):
        assert client.get(f"/exams/{draft.id}/{path}").status_code == 403, path
    for path in ("publish", "unpublish", "close", "archive", "edit", "blueprint", "audience", "makeup"):
        assert client.post(f"/exams/{draft.id}/{path}").status_code == 403, path
    assert client.post("/exams/new", data=settings_form()).status_code == 403


def test_another_trainer_gets_403_on_someone_elses_exam(client, login, draft, other_trainer):
    login(other_trainer)
    for path in ("", "/edit", "/blueprint", "/audience", "/preview", "/pool", "/makeup"):
        assert client.get(f"/exams/{draft.id}{path}").status_code == 403, path
    for path in ("publish", "close", "blueprint", "audience"):
        assert client.post(f"/exams/{draft.id}/{path}").status_code == 403, path
    assert client.get("/exams/999999").status_code == 404


@pytest.mark.parametrize("role", [Role.TRAINER, Role.ADMIN])
def test_new_exam_stores_local_times_in_utc_and_leads_to_the_blueprint(client, login, users, role):
    login(users[role])
    response = client.post("/exams/new", data=settings_form())
    exam = db.session.scalar(select(Exam))
    assert response.status_code == 302 and response.location.endswith(f"/exams/{exam.id}/blueprint")
    assert exam.opens_at == datetime(2026, 7, 1, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
    assert exam.partial_share == Decimal("0.5") and users[role] in exam.owners
    assert exam.course.code == "law"


def test_all_or_nothing_scoring_stores_no_share(client, login, users):
    login(users[Role.TRAINER])
    client.post("/exams/new", data=settings_form(scoring="all"))
    assert db.session.scalar(select(Exam)).partial_share is None


@pytest.mark.parametrize("locale, lang", [("en", "en"), ("zh_Hans", "zh-Hans")])
def test_settings_errors_are_shown_on_their_fields_in_both_locales(client, login, users, locale, lang):
    users[Role.TRAINER].locale = locale
    db.session.commit()
    login(users[Role.TRAINER])
    response = client.post("/exams/new", data=settings_form(closes_at="2026-07-01T08:00", duration_minutes="0"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<html lang="{lang}">' in body
    assert 'id="closes_at"' in body and body.count("is-invalid") >= 2
    if locale == "en":
        assert "The exam must close after it opens." in body
    assert db.session.scalar(select(Exam)) is None


def test_frozen_fields_are_disabled_and_a_forged_change_is_refused(client, login, users, bank):
    exam = factories.make_exam(users[Role.TRAINER], bank, audience=[users[Role.COLLECTOR]], now=NOW)
    flow.start_attempt(users[Role.COLLECTOR], exam, now=NOW, ip="t")
    db.session.commit()
    login(users[Role.TRAINER])
    body = client.get(f"/exams/{exam.id}/edit").get_data(as_text=True)
    assert 'id="frozen-note"' in body and 'disabled id="duration_minutes"' in body.replace('disabled="disabled"',
                                                                                            "disabled")
    form = {"title": "改名的考试", "opens_at": "2020-01-01T08:00", "closes_at": "2099-01-01T08:00",
            "release_score": "never", "release_review": "never"}
    assert client.post(f"/exams/{exam.id}/edit", data=form).status_code == 302  # frozen fields not sent: kept
    db.session.refresh(exam)
    assert exam.title == "改名的考试" and exam.duration_minutes == 30
    body = client.post(f"/exams/{exam.id}/edit", data={**form, "duration_minutes": "90"}).get_data(as_text=True)
    assert "can no longer change" in body
    db.session.refresh(exam)
    assert exam.duration_minutes == 30


# --- Blueprint ----------------------------------------------------------------------------------

def test_blueprint_saves_rules_and_fixed_questions(client, login, users, draft, bank):
    login(users[Role.TRAINER])
    fixed_id = db.session.scalar(select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id))
    data = {**rule_row(0, bank=str(bank.id), type="single", count="2", points_each="2"),
            **rule_row(1, type="true_false", difficulty_min="1", difficulty_max="3", count="1"),
            **rule_row(2), "fixed": f"{fixed_id}:5"}
    response = client.post(f"/exams/{draft.id}/blueprint", data=data)
    assert response.status_code == 302
    db.session.refresh(draft)
    assert [(r.bank_id, r.type, r.count, r.points_each) for r in draft.rules] == [
        (bank.id, "single", 2, Decimal(2)), (None, "true_false", 1, None)]
    assert draft.rules[1].difficulty_max == 3
    assert [(f.question_id, f.points) for f in draft.fixed] == [(fixed_id, Decimal(5))]
    page = client.get(f"/exams/{draft.id}/blueprint").get_data(as_text=True)
    assert "4 match" in page  # the saved single-choice rule's pool, shown server-side
    assert "total-points" in client.get(f"/exams/{draft.id}").get_data(as_text=True)


def test_a_bad_fixed_question_id_is_named(client, login, users, draft):
    login(users[Role.TRAINER])
    body = client.post(f"/exams/{draft.id}/blueprint",
                       data={**rule_row(0, count="1"), "fixed": "999999, abc"}).get_data(as_text=True)
    assert "999999" in body and "abc" in body and "is-invalid" in body
    db.session.refresh(draft)
    assert len(draft.rules) == 5  # unchanged


def test_a_rule_with_an_inverted_difficulty_range_is_refused(client, login, users, draft):
    login(users[Role.TRAINER])
    body = client.post(f"/exams/{draft.id}/blueprint",
                       data=rule_row(0, count="1", difficulty_min="4", difficulty_max="2")).get_data(as_text=True)
    assert "must not be below the lowest" in body


def test_pool_json_counts_matching_and_unexposed_questions(client, login, users, draft, bank):
    login(users[Role.TRAINER])
    data = client.get(f"/exams/{draft.id}/pool?type=single&count=2").get_json()
    assert (data["size"], data["unexposed"], data["short_by"], data["warning"]) == (4, 4, 0, "")
    data = client.get(f"/exams/{draft.id}/pool?bank={bank.id}&type=multiple&difficulty_min=1&difficulty_max=2"
                      "&count=5").get_json()
    assert data["size"] == 2 and data["short_by"] == 3 and data["warning"]
    assert client.get(f"/exams/{draft.id}/pool").get_json()["size"] == 20


def test_blueprint_is_read_only_once_a_candidate_started(client, login, users, bank):
    exam = factories.make_exam(users[Role.TRAINER], bank, audience=[users[Role.COLLECTOR]], now=NOW)
    flow.start_attempt(users[Role.COLLECTOR], exam, now=NOW, ip="t")
    db.session.commit()
    login(users[Role.TRAINER])
    page = client.get(f"/exams/{exam.id}/blueprint").get_data(as_text=True)
    assert 'id="frozen-note"' in page and 'id="blueprint-form"' not in page
    response = client.post(f"/exams/{exam.id}/blueprint", data=rule_row(0, count="1"), follow_redirects=True)
    assert "paper blueprint can no longer change" in response.get_data(as_text=True)
    db.session.refresh(exam)
    assert len(exam.rules) == 5
    with pytest.raises(Conflict):
        services.set_blueprint(users[Role.TRAINER], exam, [], [], now=NOW, ip="t")
    db.session.rollback()


# --- Sample paper -------------------------------------------------------------------------------

def test_the_sample_paper_shows_the_keys_and_the_difficulty_spread(client, login, users, draft):
    login(users[Role.TRAINER])
    body = client.get(f"/exams/{draft.id}/preview?seed=7").get_data(as_text=True)
    assert 'id="difficulty-spread"' in body and body.count("answer-key") >= 4
    assert "参考答案" in body  # the short answer's reference
    again = client.get(f"/exams/{draft.id}/preview?seed=7").get_data(as_text=True)
    assert _question_order(body) == _question_order(again)  # a seed gives the same paper


def _question_order(body: str) -> list[str]:
    return re.findall(r"question (\d+) ·", body)


def test_the_sample_paper_names_a_rule_whose_pool_is_too_small(client, login, users, bank):
    exam = factories.make_exam(users[Role.TRAINER], bank, status="draft", now=NOW,
                               rules=[services.RuleData(count=1, type="single"),
                                      services.RuleData(count=9, type="multiple")])
    db.session.commit()
    login(users[Role.TRAINER])
    body = client.get(f"/exams/{exam.id}/preview").get_data(as_text=True)
    assert 'id="pool-too-small"' in body and "Rule 2 needs 9 questions and only 4 are available" in body


# --- Candidates ---------------------------------------------------------------------------------

def test_audience_names_unknown_staff_numbers_and_saves_the_rest(client, login, users, draft, org):
    login(users[Role.TRAINER])
    body = client.post(f"/exams/{draft.id}/audience",
                       data={"people": "c0001, nobody1\nNOBODY2"}).get_data(as_text=True)
    assert "nobody1" in body and "nobody2" in body
    station = org.stations[1]
    extra = factories.make_user(station=station)
    db.session.commit()
    response = client.post(f"/exams/{draft.id}/audience",
                           data={"people": "C0001 hr01", "stations": [str(station.id)]}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "3 people may sit the exam" in body and extra.staff_no in body
    db.session.refresh(draft)
    assert {(e.station_id, e.user_id) for e in draft.audience} == {
        (station.id, None), (None, users[Role.COLLECTOR].id), (None, users[Role.HR].id)}


# --- State changes ------------------------------------------------------------------------------

def test_publish_is_refused_with_every_problem(client, login, users, bank):
    exam = services.create_exam(users[Role.TRAINER], bank.course, services.ExamSettings(
        title="空考试", opens_at=NOW, closes_at=NOW + timedelta(hours=1), duration_minutes=30,
        pass_mark=Decimal(6)), now=NOW, ip="t")
    db.session.commit()
    login(users[Role.TRAINER])
    body = client.post(f"/exams/{exam.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "The paper has no questions" in body and "Nobody may sit the exam yet" in body
    db.session.refresh(exam)
    assert exam.status == "draft"


@pytest.mark.parametrize("role", [Role.TRAINER, Role.ADMIN])
def test_publish_back_to_draft_close_and_archive(client, login, users, draft, role):
    login(users[role])
    assert "published" in client.post(f"/exams/{draft.id}/publish", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.status == "published"
    client.post(f"/exams/{draft.id}/unpublish")
    db.session.refresh(draft)
    assert draft.status == "draft"
    client.post(f"/exams/{draft.id}/publish")
    body = client.post(f"/exams/{draft.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "0 open attempts were submitted" in body
    client.post(f"/exams/{draft.id}/archive")
    db.session.refresh(draft)
    assert draft.status == "archived"
    body = client.post(f"/exams/{draft.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "Only a draft exam can be published." in body


def test_closing_submits_open_attempts(client, login, users, bank):
    exam = factories.make_exam(users[Role.TRAINER], bank, audience=[users[Role.COLLECTOR]], now=NOW)
    attempt = flow.start_attempt(users[Role.COLLECTOR], exam, now=NOW, ip="t")
    db.session.commit()
    login(users[Role.TRAINER])
    body = client.post(f"/exams/{exam.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "1 open attempt was submitted" in body
    db.session.refresh(attempt)
    assert attempt.status == "submitted"


def test_state_buttons_need_the_csrf_token(app, client, login, users, draft):
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_tokens_in(client.get("/login"))[0]
    client.post("/login", data={"staff_no": users[Role.TRAINER].staff_no, "password": factories.PASSWORD,
                                "csrf_token": token})
    assert client.post(f"/exams/{draft.id}/publish").status_code == 400
    db.session.refresh(draft)
    assert draft.status == "draft"


# --- Make-up exams ------------------------------------------------------------------------------

def _right_answers(attempt):
    answers = {}
    for item in attempt.items:
        key, order = item.version.key, item.option_order
        match item.version.type:
            case "single":
                answers[item.position] = order.index(key["correct"][0])
            case "multiple":
                answers[item.position] = sorted(order.index(i) for i in key["correct"])
            case "true_false":
                answers[item.position] = key["truth"]
            case "fill_blank":
                answers[item.position] = [b[0] for b in key["blanks"]]
    return answers


def _sit(candidate, exam, right: bool):
    attempt = flow.start_attempt(candidate, exam, now=NOW, ip="t")
    answer_at_once(attempt, _right_answers(attempt) if right else {}, window="test", now=NOW, grace=GRACE)
    flow.submit(attempt, now=NOW, grace=GRACE, actor=candidate, ip="t")


def test_makeup_admits_who_failed_or_was_absent(client, login, users, bank, org):
    team = org.stations[0].teams[0]
    passed, failed, absent = (factories.make_user(team=team, name=n) for n in ("及格者", "不及格者", "缺考者"))
    rules = [services.RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in AUTO_TYPES]
    original = factories.make_exam(users[Role.TRAINER], bank, audience=[passed, failed, absent], rules=rules,
                                   now=NOW - timedelta(hours=2), closes_at=NOW + timedelta(hours=1))
    _sit(passed, original, right=True)
    _sit(failed, original, right=False)
    db.session.commit()
    login(users[Role.TRAINER])
    page = client.get(f"/exams/{original.id}/makeup").get_data(as_text=True)
    assert f"{failed.staff_no} · 不及格者" in page and f"{absent.staff_no} · 缺考者" in page
    assert f"{passed.staff_no} ·" not in page
    assert f"{original.title} make-up" in page
    client.post(f"/exams/{original.id}/close")
    window = {"title": "补考一", "opens_at": (NOW + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M"),
              "closes_at": (NOW + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M"),
              "duration_minutes": "30", "pass_mark": "6", "attempts_allowed": "1", "scoring": "all",
              "release_score": "at_submit", "release_review": "after_close"}
    response = client.post(f"/exams/{original.id}/makeup", data=window)
    assert response.status_code == 302
    makeup = db.session.scalar(select(Exam).where(Exam.makeup_of_id == original.id))
    assert len(makeup.rules) == 4
    services.publish(users[Role.TRAINER], makeup, now=NOW, ip="t")
    db.session.commit()
    during = makeup.opens_at + timedelta(minutes=5)
    assert refusal(failed, makeup, during) is None
    assert refusal(absent, makeup, during) is None
    assert refusal(passed, makeup, during) is NO_MAKEUP_NEEDED
    body = client.get(f"/exams/{makeup.id}/audience").get_data(as_text=True)
    assert 'id="makeup-note"' in body and "2 people may sit the exam" in body


def test_makeup_of_a_draft_is_refused(client, login, users, draft):
    login(users[Role.TRAINER])
    assert 'id="makeup-refused"' in client.get(f"/exams/{draft.id}/makeup").get_data(as_text=True)
    assert client.post(f"/exams/{draft.id}/makeup", data={"title": "x"}).status_code == 409
