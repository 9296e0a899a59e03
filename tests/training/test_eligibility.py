"""Exam eligibility by attendance (TRAINING_ATTENDANCE_RULE all/any/none over the recorded attendance of ended
sessions: an unrecorded seat bars nobody), HR waivers that lift it (audited), and the exam start page refusing
a recorded absentee until a waiver is granted, and admitting someone whose session was never recorded."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.errors import DomainError, Forbidden
from app.core.localtime import local_today
from app.core.roles import Role
from app.courses.catalog import find_course
from app.exams.models import Attempt
from app.extensions import db
from app.training import eligibility
from app.training.attendance import record_roll
from app.training.models import Attendance, AttendanceWaiver
from tests import factories
from tests.exams import take_helpers
from tests.training.test_checkin import local

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)
AFTER = local(DAY + timedelta(days=1), "18:00")


@pytest.fixture
def law_twice(users):
    """The collector is seated in two law sessions (day 1 and 2 mornings): attended the first, absent in the
    second."""
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    batch = factories.make_batch(starts_on=DAY, days=2, status="running", members=[collector])
    first = factories.make_session(batch, "law", trainer, seats=[collector])
    second = factories.make_session(batch, "law", trainer, day=DAY + timedelta(days=1), room="二号教室",
                                    seats=[collector])
    record_roll(trainer, first, {collector.id: ("late", "")}, now=local(DAY, "12:00"), ip="t")
    record_roll(trainer, second, {collector.id: ("absent", "")}, now=local(DAY + timedelta(days=1), "09:00"), ip="t")
    return collector, find_course("law"), first, second


def test_rule_all_refuses_someone_who_missed_a_session_and_names_it(law_twice):
    collector, law, _first, second = law_twice
    refused = eligibility.attendance_refusal(collector, law, AFTER)
    assert refused.code == "attendance"
    assert "2026-03-03" in str(refused.message) and "二号教室" in str(refused.message)
    assert "2026-03-02" not in str(refused.message)


def test_a_session_made_up_in_a_makeup_batch_no_longer_counts_as_missed(law_twice, users):
    collector, law, _first, second = law_twice
    original = second.batch
    makeup_day = DAY + timedelta(days=7)
    makeup = factories.make_batch(starts_on=makeup_day, status="running", members=[collector])
    makeup.makeup_of = original
    session = factories.make_session(makeup, "law", users[Role.TRAINER], room="三号教室", seats=[collector])
    later = local(makeup_day, "18:00")
    assert eligibility.attendance_refusal(collector, law, later) is not None  # not yet recorded there
    record_roll(users[Role.TRAINER], session, {collector.id: ("present", "")}, now=local(makeup_day, "09:00"),
                ip="t")
    assert eligibility.attendance_refusal(collector, law, later) is None


def test_sessions_that_have_not_ended_do_not_count(law_twice):
    collector, law, _first, _second = law_twice
    assert eligibility.attendance_refusal(collector, law, local(DAY + timedelta(days=1), "11:00")) is None


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", TRAINING_ATTENDANCE_RULE="any")
def test_rule_any_admits_someone_who_attended_one_session(law_twice, users):
    collector, law, first, _second = law_twice
    assert eligibility.attendance_refusal(collector, law, AFTER) is None
    record_roll(users[Role.TRAINER], first, {collector.id: ("absent", "")}, now=local(DAY, "12:30"), ip="t")
    refused = eligibility.attendance_refusal(collector, law, AFTER)
    assert refused.code == "attendance" and "none" in str(refused.message)


def test_an_unrecorded_session_never_counts_as_missed(law_twice, users):
    collector, law, first, second = law_twice
    third = factories.make_session(second.batch, "law", users[Role.TRAINER], day=DAY + timedelta(days=1), slot="pm",
                                   room="三号教室", seats=[collector])
    refused = eligibility.attendance_refusal(collector, law, AFTER)
    assert "2026-03-03" in str(refused.message) and "三号教室" not in str(refused.message)
    db.session.delete(db.session.scalars(select(Attendance).where(Attendance.session_id == second.id)).one())
    db.session.flush()
    # Nothing recorded as missed: neither the erased absence nor the afternoon nobody recorded bars anyone.
    assert eligibility.attendance_refusal(collector, law, AFTER) is None
    assert [status for _session, status in eligibility.held_sessions(collector, law, AFTER)] == ["late", None, None]
    assert third.id in {session.id for session, _status in eligibility.held_sessions(collector, law, AFTER)}


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", TRAINING_ATTENDANCE_RULE="any")
def test_rule_any_waits_for_unrecorded_sessions_before_barring(law_twice, users):
    collector, law, first, second = law_twice
    record_roll(users[Role.TRAINER], first, {collector.id: ("absent", "")}, now=local(DAY, "12:30"), ip="t")
    factories.make_session(second.batch, "law", users[Role.TRAINER], day=DAY + timedelta(days=1), slot="pm",
                           room="三号教室", seats=[collector])
    assert eligibility.attendance_refusal(collector, law, AFTER) is None  # the afternoon may yet be recorded


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", TRAINING_ATTENDANCE_RULE="none")
def test_rule_none_ignores_attendance(law_twice):
    collector, law, _first, _second = law_twice
    assert eligibility.attendance_refusal(collector, law, AFTER) is None


def test_people_never_seated_in_the_course_are_not_blocked(law_twice, users):
    collector, _law, _first, _second = law_twice
    assert eligibility.attendance_refusal(users[Role.HR], find_course("law"), AFTER) is None
    assert eligibility.attendance_refusal(collector, find_course("integrity"), AFTER) is None


def test_batches_still_in_planning_do_not_count(users):
    collector = users[Role.COLLECTOR]
    batch = factories.make_batch(starts_on=DAY, status="planning")
    factories.make_session(batch, "law", users[Role.TRAINER], seats=[collector])
    assert eligibility.attendance_refusal(collector, find_course("law"), AFTER) is None


def test_a_waiver_lifts_the_rule_and_is_audited(law_twice, users):
    collector, law, _first, _second = law_twice
    hr = users[Role.HR]
    waiver = eligibility.grant_waiver(hr, collector, law, "因公出差，已自学", now=AFTER, ip="1.2.3.4")
    assert eligibility.attendance_refusal(collector, law, AFTER) is None
    eligibility.grant_waiver(hr, collector, law, "出差，补交材料", now=AFTER, ip="1.2.3.4")  # replaces
    assert db.session.scalars(select(AttendanceWaiver)).one().reason == "出差，补交材料"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.WAIVER_GRANTED)
                                .order_by(AuditEvent.id)).all()
    assert events[0].details == {"staff_no": "c0001", "course": "law", "reason": "因公出差，已自学"}
    assert events[1].details["previous_reason"] == "因公出差，已自学"
    eligibility.revoke_waiver(hr, waiver, now=AFTER, ip="1.2.3.4")
    assert eligibility.attendance_refusal(collector, law, AFTER) is not None
    revoked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.WAIVER_REVOKED))
    assert revoked.details["staff_no"] == "c0001" and revoked.actor_id == hr.id


def test_a_waiver_needs_a_reason_and_the_training_office(law_twice, users):
    collector, law, _first, _second = law_twice
    with pytest.raises(DomainError, match="at least 5"):
        eligibility.grant_waiver(users[Role.HR], collector, law, " 出差 ", now=AFTER, ip="t")
    with pytest.raises(Forbidden):
        eligibility.grant_waiver(users[Role.TRAINER], collector, law, "因公出差，已自学", now=AFTER, ip="t")


def test_exam_start_admits_someone_whose_past_session_has_no_roll(client, login, users):
    # Yesterday's session has ended whatever the hour; nobody recorded its roll.
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    yesterday = local_today(utcnow()) - timedelta(days=1)
    batch = factories.make_batch(starts_on=yesterday, status="running", members=[collector])
    factories.make_session(batch, "law", trainer, seats=[collector], room="一号教室")
    exam = take_helpers.make_exam(trainer, [collector])
    db.session.commit()
    login(collector)
    assert take_helpers.start(client, exam).user_id == collector.id


def test_exam_start_is_refused_for_an_absentee_until_a_waiver(client, login, users):
    trainer, collector, hr = users[Role.TRAINER], users[Role.COLLECTOR], users[Role.HR]
    yesterday = local_today(utcnow()) - timedelta(days=1)
    batch = factories.make_batch(starts_on=yesterday, status="running", members=[collector])
    session = factories.make_session(batch, "law", trainer, seats=[collector], room="一号教室")
    record_roll(trainer, session, {collector.id: ("absent", "")}, now=local(yesterday, "09:00"), ip="t")
    exam = take_helpers.make_exam(trainer, [collector])
    collector.locale = "en"
    db.session.commit()

    login(collector)
    response = client.post(f"/my/exams/{exam.id}/start")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/my/exams/{exam.id}")
    page = client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    assert "You missed training sessions of this course" in page and yesterday.isoformat() in page
    assert db.session.scalars(select(Attempt)).all() == []

    eligibility.grant_waiver(hr, collector, find_course("law"), "已参加站内补课", now=utcnow(), ip="t")
    db.session.commit()
    attempt = take_helpers.start(client, exam)
    assert attempt.user_id == collector.id
