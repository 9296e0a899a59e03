"""The candidate's way through an exam over HTTP: list, start page, paper, autosave, submit, result."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.exams.models import Attempt, PaperItem
from app.extensions import db
from tests import factories
from tests.exams.take_helpers import make_exam, position_of, right_fields, save_fields, start, window

# Page texts are checked in English; the Chinese catalog is checked by tests/core/test_translations.py.
pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def candidate(users, login):
    login(users[Role.COLLECTOR])
    return users[Role.COLLECTOR]


@pytest.fixture
def exam(users):
    return make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]], release_review="at_submit")


def test_my_exams_lists_an_open_exam_and_the_start_page_shows_the_rules(client, candidate, exam):
    page = client.get("/my/exams").get_data(as_text=True)
    assert 'id="exams-open"' in page and exam.title in page and f"/my/exams/{exam.id}" in page
    start_page = client.get(f"/my/exams/{exam.id}")
    assert start_page.status_code == 200
    body = start_page.get_data(as_text=True)
    assert "30 minutes" in body and "6 of 8 points" in body
    assert "the clock keeps running if you leave" in body.lower()
    assert 'id="start-exam"' in body


def test_an_exam_outside_the_audience_is_not_found(client, users, login):
    stranger = factories.make_user("c0009", roles=[Role.COLLECTOR])
    db.session.commit()
    exam = make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]])
    login(stranger)
    assert client.get(f"/my/exams/{exam.id}").status_code == 404
    assert client.post(f"/my/exams/{exam.id}/start").status_code == 404
    assert exam.title not in client.get("/my/exams").get_data(as_text=True)


def test_start_paper_save_submit_and_result(client, candidate, exam):
    attempt = start(client, exam)
    paper = client.get(f"/my/attempts/{attempt.id}")
    assert paper.status_code == 200
    body = paper.get_data(as_text=True)
    for item in attempt.items:
        assert f'id="q{item.position}"' in body and f'id="nav-{item.position}"' in body
    assert 'src="/static/js/exam.js?v=' in body

    page = window(client, attempt)
    first = page.save()  # the page's first request: nothing to send, what changed since it was rendered
    assert first.status_code == 200
    assert first.get_json() | {"remaining": 0} == {"status": "saved", "rev": 0, "saved_at": None, "results": [],
                                                   "items": [], "remaining": 0}
    assert 0 < first.get_json()["remaining"] <= 30 * 60
    page.answer_all(right_fields(attempt), flagged=[2])
    saved = page.save()
    assert saved.status_code == 200
    data = saved.get_json()
    assert data["status"] == "saved" and data["saved_at"] and data["remaining"] > 0
    assert {result["outcome"] for result in data["results"]} == {"stored"} and len(data["results"]) == 4
    assert not page.latest
    items = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt.id)).all()
    assert all(item.response is not None for item in items)
    assert [item.position for item in items if item.flagged] == [2]

    submitted = client.post(f"/my/attempts/{attempt.id}/submit")
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(f"/my/attempts/{attempt.id}/result")
    result = client.get(f"/my/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "8 of 8 points" in result and "Passed" in result
    assert "Correct answer" in result  # the review is released at submit
    assert client.get(f"/my/attempts/{attempt.id}").headers["Location"].endswith("/result")


def test_the_submit_page_lists_unanswered_questions_first_then_flagged(client, candidate, exam):
    attempt = start(client, exam)
    answers = right_fields(attempt)
    single = position_of(attempt, "single")
    answers[f"q{single}"] = []
    save_fields(client, attempt, answers, flagged=[1, 3])
    page = client.get(f"/my/attempts/{attempt.id}/submit").get_data(as_text=True)
    assert page.index('id="unanswered-list"') < page.index('id="flagged-list"')
    unanswered = page[page.index('id="unanswered-list"'):page.index('id="flagged-list"')]
    assert f"#q{single}\"" in unanswered and unanswered.count("#q") == 1


def test_resume_after_a_reload_restores_answers_flags_and_the_servers_time(client, candidate, exam, monkeypatch):
    attempt = start(client, exam)
    answers = right_fields(attempt)
    assert save_fields(client, attempt, answers, flagged=[3]).status_code == 200
    monkeypatch.setattr("app.exams.views.take.utcnow", lambda: attempt.started_at + timedelta(minutes=10))

    again = client.post(f"/my/exams/{exam.id}/start")  # "Resume"
    assert again.headers["Location"].endswith(f"/my/attempts/{attempt.id}")
    body = client.get(f"/my/attempts/{attempt.id}").get_data(as_text=True)
    for name, values in answers.items():
        for value in values:
            if "-" in name:  # fill in the blanks
                assert f'name="{name}" id="{name}" value="{value}"' in body
            else:
                assert f'name="{name}" id="{name}-{value}" value="{value}" checked' in body
    assert re.search(r'class="exam-cell answered flagged"\s+data-position="3"', body)
    assert 'data-position="3" aria-pressed="true"' in body
    assert 'data-remaining="1200"' in body
    reloaded = window(client, attempt)
    shown = {name: values for fields, _flag in reloaded.shown.values() for name, values in fields.items()}
    assert {name: sorted(shown[name]) for name in answers} == {name: sorted(v) for name, v in answers.items()}
    assert reloaded.save().get_json()["remaining"] == 1200


def test_starting_twice_resumes_the_same_attempt(client, candidate, exam):
    first = start(client, exam)
    second = start(client, exam)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_a_json_submit_saves_the_last_changes_first(client, candidate, exam):
    attempt = start(client, exam)
    page = window(client, attempt)
    page.answer_all(right_fields(attempt))
    response = page.send("submit")
    assert response.status_code == 200
    assert response.get_json() == {"status": "submitted", "result_url": f"/my/attempts/{attempt.id}/result"}
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    assert done.status == "submitted" and done.score == Decimal("8.00")


def test_submitting_twice_changes_nothing_the_second_time(client, candidate, exam):
    attempt = start(client, exam)
    assert client.post(f"/my/attempts/{attempt.id}/submit").status_code == 302
    again = client.post(f"/my/attempts/{attempt.id}/submit", json={"known": 0, "changes": []})
    assert again.status_code == 200 and again.get_json()["status"] == "submitted"
    assert client.post(f"/my/attempts/{attempt.id}/submit").status_code == 302
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        [actions.ATTEMPT_SUBMITTED, actions.ATTEMPT_AUTO_SUBMITTED]))).all()
    assert len(rows) == 1


def test_result_says_when_the_score_is_released_after_the_window_closes(client, users, login):
    exam = make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]], release_score="after_close")
    login(users[Role.COLLECTOR])
    attempt = start(client, exam)
    client.post(f"/my/attempts/{attempt.id}/submit")
    page = client.get(f"/my/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'id="result-later"' in page and "Shown after the exam window closes on" in page
    assert "0 of 8" not in page and "Correct answer" not in page


def test_result_never_shown_says_so(client, users, login):
    exam = make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]], release_score="never", release_review="never")
    login(users[Role.COLLECTOR])
    attempt = start(client, exam)
    client.post(f"/my/attempts/{attempt.id}/submit")
    page = client.get(f"/my/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Results are not shown for this exam." in page and "of 8 points" not in page


def test_short_answers_wait_for_a_trainer(client, users, login):
    exam = make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]], types=("single", "short_answer"), pass_mark=Decimal(2),
                     release_review="at_submit")
    login(users[Role.COLLECTOR])
    attempt = start(client, exam)
    save_fields(client, attempt, right_fields(attempt))
    client.post(f"/my/attempts/{attempt.id}/submit")
    page = client.get(f"/my/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "waiting for a trainer to grade" in page and "Correct answer" not in page


def test_my_exams_shows_the_remaining_time_and_the_released_score(client, candidate, exam):
    attempt = start(client, exam)
    page = client.get("/my/exams").get_data(as_text=True)
    assert 'id="exams-in_progress"' in page and "left" in page and "Resume" in page
    client.post(f"/my/attempts/{attempt.id}/submit")
    page = client.get("/my/exams").get_data(as_text=True)
    assert 'id="exams-finished"' in page and "0 of 8 points" in page
