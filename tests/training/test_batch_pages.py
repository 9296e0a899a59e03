"""Batch pages over HTTP: HR creates batches and sessions, trainers read, collectors are kept out."""

from datetime import date, timedelta

import pytest

from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.training.models import Batch, TrainingPlan, TrainingSession
from tests import factories

MONDAY = date(2030, 3, 4)


def english(user):
    user.locale = "en"
    db.session.commit()


@pytest.fixture
def batch(app, users):
    ensure_courses()
    made = factories.make_batch("第一期", starts_on=MONDAY, days=3, members=[users[Role.COLLECTOR]])
    factories.make_session(made, "law", users[Role.TRAINER], slot="full", room="一号教室")
    db.session.commit()
    return made


def test_hr_creates_a_batch_and_schedules_a_session(client, users, login):
    ensure_courses()
    db.session.commit()
    login(users[Role.HR])
    response = client.post("/training/batches/new", data={"name": "2030年第1期", "starts_on": "2030-03-04",
                                                          "ends_on": "2030-03-06", "capacity": "30"})
    assert response.status_code == 302
    batch = db.session.scalar(db.select(Batch).where(Batch.name == "2030年第1期"))
    assert batch.capacity == 30 and response.headers["Location"].endswith(f"/training/batches/{batch.id}")

    form = client.get(f"/training/batches/{batch.id}/sessions/new")
    assert form.status_code == 200
    assert 'min="2030-03-04"' in form.get_data(as_text=True) and 'value="30"' in form.get_data(as_text=True)
    response = client.post(f"/training/batches/{batch.id}/sessions/new", data={
        "course": find_course("law").id, "day": "2030-03-05", "slot": "pm", "room": "三号教室", "capacity": "30",
        "lecturer": users[Role.TRAINER].id})
    assert response.status_code == 302
    session = db.session.scalar(db.select(TrainingSession).where(TrainingSession.batch_id == batch.id))
    assert (session.day, session.slot, session.room) == (date(2030, 3, 5), "pm", "三号教室")
    page = client.get(f"/training/batches/{batch.id}").get_data(as_text=True)
    assert "三号教室" in page and "相关法律、法规知识" in page


def test_a_clash_is_shown_on_the_session_form(client, users, login, batch):
    english(users[Role.HR])
    login(users[Role.HR])
    other = factories.make_batch("第二期", starts_on=MONDAY)
    db.session.commit()
    response = client.post(f"/training/batches/{other.id}/sessions/new", data={
        "course": find_course("integrity").id, "day": "2030-03-04", "slot": "am", "room": "二号教室",
        "capacity": "10", "lecturer": users[Role.TRAINER].id})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "already lectures at that time" in text and "第一期" in text


def test_new_batch_from_a_plan_shows_and_keeps_the_plan(client, users, login):
    from datetime import UTC, datetime

    plan = TrainingPlan(name="2030年度培训", created_at=datetime.now(UTC))
    db.session.add(plan)
    db.session.commit()
    login(users[Role.HR])
    assert "2030年度培训" in client.get(f"/training/batches/new?plan_id={plan.id}").get_data(as_text=True)
    client.post(f"/training/batches/new?plan_id={plan.id}", data={"name": "计划内", "starts_on": "2030-03-04",
                                                                   "ends_on": "2030-03-04"})
    assert db.session.scalar(db.select(Batch).where(Batch.name == "计划内")).plan_id == plan.id


def test_trainer_reads_but_cannot_change(client, users, login, batch):
    login(users[Role.TRAINER])
    assert client.get("/training/batches").status_code == 200
    page = client.get(f"/training/batches/{batch.id}")
    assert page.status_code == 200 and "一号教室" in page.get_data(as_text=True)
    assert "new-session" not in page.get_data(as_text=True)
    assert client.post(f"/training/batches/{batch.id}/status", data={"action": "publish"}).status_code == 403
    assert client.post("/training/batches/new", data={"name": "x"}).status_code == 403
    assert client.post(f"/training/sessions/{batch.sessions[0].id}/delete").status_code == 403


def test_collector_is_kept_out_of_hr_pages(client, users, login, batch):
    login(users[Role.COLLECTOR])
    for url in ["/training/batches", f"/training/batches/{batch.id}", "/training/batches/new",
                f"/training/batches/{batch.id}/calendar.ics", f"/training/sessions/{batch.sessions[0].id}/edit"]:
        assert client.get(url).status_code == 403, url


def test_hr_publishes_and_the_list_filters_by_status(client, users, login, batch):
    english(users[Role.HR])
    login(users[Role.HR])
    response = client.post(f"/training/batches/{batch.id}/status", data={"action": "publish"},
                           follow_redirects=True)
    assert "is now Published" in response.get_data(as_text=True)
    assert db.session.get(Batch, batch.id).status == "scheduled"
    assert "第一期" in client.get("/training/batches?status=scheduled").get_data(as_text=True)
    assert "第一期" not in client.get("/training/batches?status=planning").get_data(as_text=True)
    refused = client.post(f"/training/batches/{batch.id}/delete", follow_redirects=True)
    assert "Only a batch in planning can be deleted" in refused.get_data(as_text=True)


def test_edit_and_delete_batch_and_session(client, users, login, batch):
    login(users[Role.HR])
    session_id, batch_id = batch.sessions[0].id, batch.id
    assert client.get(f"/training/sessions/{session_id}/edit").status_code == 200
    response = client.post(f"/training/sessions/{session_id}/edit", data={
        "course": find_course("law").id, "day": "2030-03-06", "slot": "am", "room": "一号教室", "capacity": "5",
        "lecturer": users[Role.TRAINER].id})
    assert response.status_code == 302 and db.session.get(TrainingSession, session_id).day == date(2030, 3, 6)
    assert client.get(f"/training/batches/{batch.id}/edit").status_code == 200
    response = client.post(f"/training/batches/{batch.id}/edit", data={
        "name": "第一期（改）", "starts_on": "2030-03-04", "ends_on": str(MONDAY + timedelta(days=2))})
    assert response.status_code == 302 and db.session.get(Batch, batch.id).name == "第一期（改）"
    assert client.post(f"/training/sessions/{session_id}/delete").status_code == 302
    assert client.post(f"/training/batches/{batch_id}/delete").status_code == 302
    assert db.session.get(Batch, batch_id) is None


def test_batch_page_in_chinese_has_the_timetable(client, users, login, batch):
    login(users[Role.HR])
    page = client.get(f"/training/batches/{batch.id}").get_data(as_text=True)
    assert "一号教室" in page and "张三" in page and "c0001" in page
    assert 'lang="zh-Hans"' in page
    assert 'colspan="2"' in page  # the full-day session spans morning and afternoon


def test_batch_calendar_download_headers(client, users, login, batch):
    login(users[Role.TRAINER])
    response = client.get(f"/training/batches/{batch.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "filename*=UTF-8''%E7%AC%AC%E4%B8%80%E6%9C%9F.ics" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_page_answers_200_for_every_admitted_role(client, users, login, batch, locale):
    session_id = batch.sessions[0].id
    reading = ["/training/batches", "/training/batches?status=planning", f"/training/batches/{batch.id}",
               f"/training/batches/{batch.id}/calendar.ics", "/training/my", "/training/my/calendar.ics"]
    planning = ["/training/batches/new", f"/training/batches/{batch.id}/edit",
                f"/training/batches/{batch.id}/sessions/new", f"/training/sessions/{session_id}/edit"]
    pages = {Role.HR: reading + planning, Role.ADMIN: reading + planning, Role.TRAINER: reading,
             Role.COLLECTOR: ["/training/my", "/training/my/calendar.ics"]}
    for role, urls in pages.items():
        users[role].locale = locale
        db.session.commit()
        client.post("/logout")
        login(users[role])
        for url in urls:
            assert client.get(url).status_code == 200, (role, url)
