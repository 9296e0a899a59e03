"""The grading and regrade pages: grading across candidates with validation that stores nothing on an
error, the dry run and apply through HTTP, fresh login for changes, and who may do what."""

import pytest
from sqlalchemy import select

from app.audit import actions
from app.core.clock import utcnow
from app.core.roles import Role
from app.exams.models import Attempt, PaperItem, Regrade
from app.extensions import db
from tests import factories
from tests.exams.marking_support import ALL_RIGHT, D, events, item_of, make_small_exam, revise, sit


@pytest.fixture
def setup(users):
    now = utcnow()
    trainer = users[Role.TRAINER]
    other = factories.make_user("c0002", roles=[Role.COLLECTOR], name="李四")
    exam, questions = make_small_exam(trainer, [users[Role.COLLECTOR], other], now=now)
    first = sit(users[Role.COLLECTOR], exam, ALL_RIGHT, now=now)  # 8 + short answer
    second = sit(other, exam, {**ALL_RIGHT, "single": 0}, now=now)  # 6 + short answer
    db.session.commit()
    return exam, questions, first, second


def _short(attempt) -> PaperItem:
    return db.session.scalar(select(PaperItem).where(PaperItem.id == item_of(attempt, "short_answer").id)
                             .execution_options(populate_existing=True))


def _grade_url(exam, attempt):
    return f"/exams/{exam.id}/grading/{item_of(attempt, 'short_answer').version_id}"


def test_grading_page_shows_reference_and_each_submitted_answer(client, login, users, setup):
    exam, _q, first, second = setup
    login(users[Role.TRAINER])
    assert "1" in client.get(f"/exams/{exam.id}/grading").get_data(as_text=True)
    body = client.get(_grade_url(exam, first)).get_data(as_text=True)
    assert "参考答案0" in body and "先收费后放行" in body and "c0001" in body and "c0002" in body


def test_grading_every_candidate_sets_scores_and_pass_fail(client, login, users, setup):
    exam, _q, first, second = setup
    login(users[Role.TRAINER])
    i1, i2 = _short(first), _short(second)
    response = client.post(_grade_url(exam, first), data={f"points-{i1.id}": "2", f"comment-{i1.id}": "好",
                                                          f"points-{i2.id}": "0.5", f"comment-{i2.id}": ""})
    assert response.status_code == 302
    a1, a2 = db.session.get(Attempt, first.id), db.session.get(Attempt, second.id)
    assert (a1.score, a1.passed, a2.score, a2.passed) == (D(10), True, D("6.5"), True)
    assert _short(first).graded_by_id == users[Role.TRAINER].id and _short(first).comment == "好"
    assert len(events(actions.ANSWER_GRADED)) == 2


@pytest.mark.parametrize("bad", ["2.5", "-1", "abc", "0.3"])
def test_an_invalid_mark_names_the_candidate_and_stores_nothing(client, login, users, setup, bad):
    exam, _q, first, second = setup
    login(users[Role.TRAINER])
    i1, i2 = _short(first), _short(second)
    response = client.post(_grade_url(exam, first), data={f"points-{i1.id}": "2", f"points-{i2.id}": bad})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "李四 (c0002)" in body
    assert _short(first).score is None and _short(second).score is None
    assert events(actions.ANSWER_GRADED) == []


def test_answers_still_being_written_are_not_on_the_grading_page(client, login, users, setup):
    exam, _q, first, _second = setup
    late = factories.make_user("c0009", roles=[Role.COLLECTOR], name="迟到")
    from app.exams.services import set_audience

    set_audience(users[Role.TRAINER], exam, station_ids=[], team_ids=[], user_ids=[users[Role.COLLECTOR].id, late.id],
                 now=utcnow(), ip="t")
    writing = sit(late, exam, ALL_RIGHT, submit=False, now=utcnow())
    login(users[Role.TRAINER])
    body = client.get(_grade_url(exam, first)).get_data(as_text=True)
    assert "c0009" not in body
    response = client.post(_grade_url(exam, first), data={f"points-{_short(writing).id}": "2"})
    assert response.status_code == 302 and _short(writing).score is None


@pytest.mark.app_config(FRESH_LOGIN_MINUTES=0)
def test_grading_with_a_stale_login_asks_for_the_password_and_stores_nothing(client, login, users, setup):
    exam, _q, first, _second = setup
    login(users[Role.TRAINER])
    assert client.get(_grade_url(exam, first)).status_code == 200  # reading needs no fresh login
    response = client.post(_grade_url(exam, first), data={f"points-{_short(first).id}": "2"})
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert _short(first).score is None


def test_hr_and_other_trainers_cannot_grade_or_regrade(client, login, users, setup):
    exam, _q, first, _second = setup
    version_id = item_of(first, "single").version_id
    stranger = factories.make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    for user in (users[Role.HR], stranger, users[Role.COLLECTOR]):
        login(user)
        assert client.get(_grade_url(exam, first)).status_code == 403
        assert client.post(_grade_url(exam, first), data={f"points-{_short(first).id}": "2"}).status_code == 403
        assert client.get(f"/exams/{exam.id}/regrade/{version_id}").status_code == 403
        assert client.post(f"/exams/{exam.id}/regrade/{version_id}",
                           data={"action": "void", "reason": "x", "apply": "1"}).status_code == 403
        client.post("/logout")
    assert _short(first).score is None and db.session.scalars(select(Regrade)).all() == []


def test_regrade_dry_run_then_apply_through_the_pages(client, login, users, setup):
    exam, questions, first, second = setup
    version_id = item_of(first, "single").version_id
    revise(users[Role.TRAINER], questions["single"], correct={0})
    login(users[Role.TRAINER])
    listing = client.get(f"/exams/{exam.id}/questions").get_data(as_text=True)
    assert f"/exams/{exam.id}/regrade/{version_id}" in listing
    # Dry run by GET and by the preview button: nothing changes.
    dry = client.get(f"/exams/{exam.id}/regrade/{version_id}?action=void").get_data(as_text=True)
    assert 'id="regrade-plan"' in dry and "c0002" in dry and "c0001" not in dry  # c0001 had it right already
    rekey = client.get(f"/exams/{exam.id}/regrade/{version_id}?action=rekey").get_data(as_text=True)
    assert "c0001" in rekey and "c0002" in rekey  # key corrected to A: both lose 2 points
    preview = client.post(f"/exams/{exam.id}/regrade/{version_id}", data={"action": "void", "preview": "1"})
    assert preview.status_code == 200 and "c0002" in preview.get_data(as_text=True)
    assert db.session.scalars(select(Regrade)).all() == []
    # Apply needs a reason.
    refused = client.post(f"/exams/{exam.id}/regrade/{version_id}", data={"action": "void", "apply": "1"})
    assert refused.status_code == 400 and db.session.scalars(select(Regrade)).all() == []
    applied = client.post(f"/exams/{exam.id}/regrade/{version_id}",
                          data={"action": "void", "reason": "题目作废", "apply": "1"})
    assert applied.status_code == 302
    assert item_of(db.session.get(Attempt, second.id), "single").score == D(2)
    assert len(events(actions.REGRADE_APPLIED)) == 1


def test_rekey_is_explained_when_no_newer_version_exists(client, login, users, setup):
    exam, _q, first, _second = setup
    version_id = item_of(first, "single").version_id
    login(users[Role.TRAINER])
    body = client.get(f"/exams/{exam.id}/regrade/{version_id}").get_data(as_text=True)
    assert 'id="rekey-refusal"' in body
    response = client.post(f"/exams/{exam.id}/regrade/{version_id}",
                           data={"action": "rekey", "reason": "x", "apply": "1"})
    assert response.status_code == 400 and db.session.scalars(select(Regrade)).all() == []


@pytest.mark.app_config(FRESH_LOGIN_MINUTES=0)
def test_applying_a_regrade_with_a_stale_login_asks_for_the_password(client, login, users, setup):
    exam, _q, first, _second = setup
    version_id = item_of(first, "single").version_id
    login(users[Role.TRAINER])
    response = client.post(f"/exams/{exam.id}/regrade/{version_id}",
                           data={"action": "void", "reason": "x", "apply": "1"})
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert db.session.scalars(select(Regrade)).all() == []


def test_a_version_not_on_the_exams_papers_is_not_found(client, login, users, setup):
    exam, questions, _first, _second = setup
    login(users[Role.TRAINER])
    newer = revise(users[Role.TRAINER], questions["single"], correct={0})
    assert client.get(f"/exams/{exam.id}/regrade/{newer.id}").status_code == 404
    assert client.get(f"/exams/{exam.id}/grading/{newer.id}").status_code == 404
