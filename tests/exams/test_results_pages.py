"""The results, attempt, candidates and extra-time pages: who may open them, what they show, extra time
mid-attempt (audited, fresh login)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.core.clock import utcnow
from app.core.roles import Role
from app.exams import marking
from app.exams.models import Attempt, ExtraTime
from app.extensions import db
from tests import factories
from tests.exams.marking_support import ALL_RIGHT, D, events, item_of, make_small_exam, sit


@pytest.fixture
def setup(users):
    now = utcnow()
    trainer = users[Role.TRAINER]
    other = factories.make_user("c0002", roles=[Role.COLLECTOR], name="李四")
    exam, _questions = make_small_exam(trainer, [users[Role.COLLECTOR], other], now=now)
    done = sit(users[Role.COLLECTOR], exam, ALL_RIGHT, now=now)
    marking.grade_answer(trainer, item_of(done, "short_answer"), points=D("1.5"), comment="基本正确", now=now,
                         ip="t")
    writing = sit(other, exam, ALL_RIGHT, submit=False, now=now)
    db.session.commit()
    return exam, done, writing, other


def test_results_list_every_attempt_with_status_score_and_summary(client, login, users, setup):
    exam, done, writing, other = setup
    login(users[Role.TRAINER])
    body = client.get(f"/exams/{exam.id}/results").get_data(as_text=True)
    assert "c0001" in body and "c0002" in body and "9.5 / 10" in body
    assert "min left" in body or "分钟" in body
    filtered = client.get(f"/exams/{exam.id}/results?status=in_progress").get_data(as_text=True)
    assert "c0002" in filtered and "c0001" not in filtered


def test_hr_reads_results_but_cannot_grant_extra_time(client, login, users, setup):
    exam, _done, writing, other = setup
    login(users[Role.HR])
    assert client.get(f"/exams/{exam.id}/results").status_code == 200
    assert client.get(f"/exams/{exam.id}/candidates").status_code == 200
    assert client.get(f"/exams/{exam.id}/questions").status_code == 200
    response = client.post(f"/exams/{exam.id}/candidates/{other.id}/extra-time",
                           data={"minutes": "10", "reason": "x"})
    assert response.status_code == 403
    assert db.session.get(Attempt, writing.id).deadline_at == writing.deadline_at


@pytest.mark.parametrize("path", ["results", "candidates", "questions", "attempts/{attempt}"])
def test_another_trainer_and_a_collector_are_refused(client, login, users, setup, path):
    exam, done, _writing, _other = setup
    url = f"/exams/{exam.id}/" + path.format(attempt=done.id)
    stranger = factories.make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    login(stranger)
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(users[Role.COLLECTOR])
    assert client.get(url).status_code == 403


def test_attempt_detail_shows_answers_key_scores_grader_and_comment(client, login, users, setup):
    exam, done, _writing, _other = setup
    login(users[Role.TRAINER])
    body = client.get(f"/exams/{exam.id}/attempts/{done.id}").get_data(as_text=True)
    assert "参考答案0" in body and "基本正确" in body and users[Role.TRAINER].name in body
    assert "9.5 / 10" in body


def test_an_attempt_of_another_exam_is_not_found(client, login, users, setup):
    exam, done, _writing, _other = setup
    second, _ = make_small_exam(users[Role.TRAINER], [users[Role.COLLECTOR]], now=utcnow())
    db.session.commit()
    login(users[Role.TRAINER])
    assert client.get(f"/exams/{second.id}/attempts/{done.id}").status_code == 404


def test_extra_time_mid_attempt_moves_the_deadline_and_is_audited(client, login, users, setup):
    exam, _done, writing, other = setup
    login(users[Role.TRAINER])
    before = writing.deadline_at
    response = client.post(f"/exams/{exam.id}/candidates/{other.id}/extra-time",
                           data={"minutes": "15", "reason": "设备故障"})
    assert response.status_code == 302
    assert db.session.get(Attempt, writing.id).deadline_at == before + timedelta(minutes=15)
    [event] = events(actions.EXTRA_TIME_GRANTED)
    assert event.details["minutes"] == {"old": 0, "new": 15} and event.details["reason"] == "设备故障"
    page = client.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    assert "设备故障" in page


@pytest.mark.parametrize("data", [{"minutes": "601", "reason": "x"}, {"minutes": "-1", "reason": "x"},
                                  {"minutes": "10", "reason": ""}, {"minutes": "abc", "reason": "x"}])
def test_extra_time_needs_minutes_in_range_and_a_reason(client, login, users, setup, data):
    exam, _done, writing, other = setup
    login(users[Role.TRAINER])
    assert client.post(f"/exams/{exam.id}/candidates/{other.id}/extra-time", data=data).status_code == 400
    assert db.session.scalars(select(ExtraTime)).all() == []
    assert events(actions.EXTRA_TIME_GRANTED) == []


@pytest.mark.app_config(FRESH_LOGIN_MINUTES=0)
def test_extra_time_with_a_stale_login_asks_for_the_password_first(client, login, users, setup):
    exam, _done, writing, other = setup
    login(users[Role.TRAINER])
    response = client.post(f"/exams/{exam.id}/candidates/{other.id}/extra-time",
                           data={"minutes": "15", "reason": "设备故障"})
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert db.session.get(Attempt, writing.id).deadline_at == writing.deadline_at
