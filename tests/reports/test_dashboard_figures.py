"""Dashboard figures against hand-made results and attendance (tests/reports/dashboard_data.py)."""

from datetime import timedelta

import pytest

from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from app.reports import dashboards
from app.reports.dashboards import Filters
from app.training.models import Attendance
from tests import factories
from tests.reports import dashboard_data
from tests.training.test_checkin import local


@pytest.fixture
def data(app):
    return dashboard_data.build()


def _rates(rates):
    return {(rate.label, rate.makeup): (rate.passed, rate.results, rate.percent) for rate in rates}


def test_pass_rate_per_station_counts_each_persons_best_result_and_keeps_make_up_exams_apart(data):
    rates = dashboards.pass_rates_by_station(Filters())
    assert _rates(rates) == {
        ("东站", False): (4, 5, 80.0),   # law e1 e2 e4 passed, e3 failed; integrity e1 passed
        ("西站", False): (1, 3, 33.3),   # law w1 passed, w2 failed; integrity w1 failed (w3 not graded)
        ("东站", True): (1, 1, 100.0),
        ("西站", True): (0, 1, 0.0),
    }
    assert [(r.label, r.makeup) for r in rates] == [("东站", False), ("西站", False), ("东站", True), ("西站", True)]


def test_pass_rate_per_team_and_per_course(data):
    assert _rates(dashboards.pass_rates_by_team(Filters())) == {
        ("东站 一班", False): (3, 3, 100.0),
        ("东站 二班", False): (1, 2, 50.0),
        ("东站 二班", True): (1, 1, 100.0),
        ("西站 一班", False): (1, 3, 33.3),
        ("西站 一班", True): (0, 1, 0.0),
    }
    by_course = dashboards.pass_rates_by_course(Filters())
    assert [(r.key, r.makeup, r.passed, r.results) for r in by_course] == [
        (data.law_course.id, False, 4, 6), (data.integrity_course.id, False, 1, 2), (data.law_course.id, True, 1, 2),
    ]
    assert by_course[0].label == "相关法律、法规知识" and by_course[0].label_en == "Laws and regulations"


def test_histogram_counts_best_percentages_in_ten_point_bins_with_the_pass_mark(data):
    law = dashboards.score_distribution(Filters(), data.law)
    #                      0  10 20 30 40 50 60 70 80 90–100
    assert law.counts == [0, 0, 0, 1, 1, 0, 1, 1, 0, 2]
    assert (law.results, law.passed, law.pass_percent) == (6, 4, 66.7)
    assert law.mean_percent == round((95 + 72 + 40 + 60 + 100 + 30) / 6, 1)
    assert law.pass_mark_percent == 60.0
    integrity = dashboards.score_distribution(Filters(), data.integrity)
    assert integrity.counts == [0, 0, 0, 0, 0, 1, 0, 0, 1, 0]
    assert integrity.pass_mark_percent == 60.0  # 30 of a 50-point paper


def test_exam_list_gives_results_pass_rates_and_means_latest_first(data):
    figures = {f.exam_id: f for f in dashboards.exam_figures(Filters())}
    assert set(figures) == {data.law.id, data.law_makeup.id, data.integrity.id}
    law = figures[data.law.id]
    assert (law.results, law.passed, law.pass_percent, law.makeup) == (6, 4, 66.7, False)
    assert figures[data.law_makeup.id].makeup is True
    assert (figures[data.integrity.id].results, figures[data.integrity.id].mean_percent) == (2, 65.0)


def test_filters_by_station_course_batch_plan_and_dates(data):
    east = dashboards.score_distribution(Filters(station_id=data.east.id), data.law)
    assert (east.results, east.passed) == (4, 3)
    assert {r.key for r in dashboards.pass_rates_by_course(Filters(course_id=data.integrity_course.id))} == \
        {data.integrity_course.id}
    first = dashboards.score_distribution(Filters(batch_id=data.first.id), data.law)
    assert first.counts == [0, 0, 0, 0, 0, 0, 0, 1, 0, 2]  # e1 95, e2 72, w1 100
    assert dashboards.score_distribution(Filters(plan_id=data.plan.id), data.law).results == 6
    recent = Filters(date_from=data.today - timedelta(days=2))
    assert {f.exam_id for f in dashboards.exam_figures(recent)} == {data.law.id, data.law_makeup.id}
    older = Filters(date_to=data.today - timedelta(days=2))
    assert {f.exam_id for f in dashboards.exam_figures(older)} == {data.integrity.id}


def test_a_trainer_sees_only_the_exams_they_own_and_the_sessions_they_lecture(data):
    mine = Filters(trainer_id=dashboards.trainer_scope(data.trainer_a))
    assert {f.exam_id for f in dashboards.exam_figures(mine)} == {data.law.id, data.law_makeup.id}
    assert _rates(dashboards.pass_rates_by_station(mine))[("东站", False)] == (3, 4, 75.0)
    assert [r.label for r in dashboards.attendance_by_batch(mine, data.now)] == ["第一期"]
    assert dashboards.trainer_scope(data.hr) is None
    assert dashboards.trainer_scope(factories.make_user(roles=[Role.ADMIN])) is None
    assert dashboards.trainer_scope(factories.make_user(roles=[Role.TRAINER, Role.HR])) is None


def test_trend_gives_mean_and_pass_rate_per_batch_in_date_order_without_make_up_exams(data):
    trend = dashboards.batch_trend(Filters(plan_id=data.plan.id))
    assert [(p.name, p.results, p.passed, p.mean_percent, p.percent) for p in trend] == [
        ("第一期", 5, 4, round((95 + 80 + 72 + 100 + 50) / 5, 1), 80.0),
        ("第二期", 3, 1, round((40 + 60 + 30) / 3, 1), 33.3),
    ]


def test_results_from_before_a_batch_started_do_not_count_for_it(data):
    later = factories.make_batch("第三期", starts_on=data.today + timedelta(days=3), members=[data.people["e1"]])
    assert later.id not in {p.batch_id for p in dashboards.batch_trend(Filters())}
    assert dashboards.exam_figures(Filters(batch_id=later.id)) == []


def test_attendance_rate_per_batch_and_per_station_from_the_recorded_rows(data):
    by_batch = dashboards.attendance_by_batch(Filters(), data.now)
    assert [(r.label, r.attended, r.recorded, r.unrecorded, r.percent) for r in by_batch] == [
        ("第一期", 2, 3, 0, 66.7),  # present + late of present, late, absent
        ("第二期", 2, 4, 0, 50.0),  # present ×2 of present ×2, excused, absent
    ]
    assert by_batch[1].counts == {"present": 2, "late": 0, "absent": 1, "excused": 1}
    by_station = dashboards.attendance_by_station(Filters(), data.now)
    assert [(r.label, r.attended, r.recorded) for r in by_station] == [("东站", 3, 5), ("西站", 1, 2)]
    assert [r.label for r in dashboards.attendance_by_station(Filters(course_id=data.law_course.id), data.now)] == \
        ["东站", "西站"]
    assert dashboards.attendance_by_batch(Filters(date_to=data.today - timedelta(days=7)), data.now)[0].label == "第一期"


def test_a_batch_that_has_not_started_shows_no_attendance_rate(data):
    """Rows a roll call saved days ahead (before attendance windows existed) and seats of sessions to come count
    for nothing until the sessions have ended."""
    people = [data.people["e1"], data.people["w1"]]
    third = factories.make_batch("第三期", starts_on=data.today + timedelta(days=3), status="scheduled",
                                 plan=data.plan)
    ahead = factories.make_session(third, "law", data.trainer_a, seats=people)
    db.session.add_all([Attendance(session_id=ahead.id, user_id=people[0].id, status="present", recorded_at=data.now),
                        Attendance(session_id=ahead.id, user_id=people[1].id, status="absent", recorded_at=data.now)])
    db.session.flush()
    assert [r.label for r in dashboards.attendance_by_batch(Filters(), data.now)] == ["第一期", "第二期"]
    assert [(r.label, r.recorded) for r in dashboards.attendance_by_station(Filters(), data.now)] == [
        ("东站", 5), ("西站", 2)]
    assert dashboards.attendance_by_batch(Filters(batch_id=third.id), data.now) == []
    # Once the session has ended it counts.
    after = local(ahead.day, "12:00")
    assert [(r.label, r.attended, r.recorded, r.percent) for r in
            dashboards.attendance_by_batch(Filters(batch_id=third.id), after)] == [("第三期", 1, 2, 50.0)]
    assert dashboards.attendance_by_batch(Filters(batch_id=third.id), after - timedelta(seconds=1)) == []


def test_seats_nobody_recorded_are_counted_apart_never_as_absences(data):
    """HR adds a session after it took place (or a roll is left unfinished): its seats are not recorded yet."""
    late = factories.make_session(data.first, "integrity", data.trainer_a, day=data.first.starts_on + timedelta(days=1),
                                  seats=[data.people[n] for n in ("e1", "e2", "w1")])
    db.session.add(Attendance(session_id=late.id, user_id=data.people["e1"].id, status="present", recorded_at=data.now))
    db.session.flush()
    first = dashboards.attendance_by_batch(Filters(batch_id=data.first.id), data.now)[0]
    assert (first.attended, first.recorded, first.unrecorded, first.percent) == (3, 4, 2, 75.0)
    by_station = {r.label: (r.recorded, r.unrecorded) for r in
                  dashboards.attendance_by_station(Filters(batch_id=data.first.id), data.now)}
    assert by_station == {"东站": (3, 1), "西站": (1, 1)}
    # A batch whose only ended session nobody recorded has a row with no rate (not 0 %).
    fourth = factories.make_batch("第四期", starts_on=data.today - timedelta(days=2), status="running")
    factories.make_session(fourth, "law", data.trainer_b, seats=[data.people["e4"]])
    rate = dashboards.attendance_by_batch(Filters(batch_id=fourth.id), data.now)[0]
    assert (rate.recorded, rate.unrecorded, rate.percent) == (0, 1, None)


def test_people_without_a_station_get_their_own_group(data):
    loner = factories.make_user("dash-loner", roles=[Role.COLLECTOR])
    dashboard_data.sit(data.law, loner, 70, at=data.now - timedelta(hours=1))
    rates = dashboards.pass_rates_by_station(Filters())
    assert (rates[2].key, rates[2].makeup, rates[2].passed, rates[2].results) == (None, False, 1, 1)


def test_nothing_in_scope_gives_empty_figures(app):
    empty = Filters()
    assert dashboards.exam_figures(empty) == []
    assert dashboards.pass_rates_by_station(empty) == dashboards.pass_rates_by_team(empty) == []
    assert dashboards.pass_rates_by_course(empty) == dashboards.batch_trend(empty) == []
    assert dashboards.attendance_by_batch(empty, utcnow()) == dashboards.attendance_by_station(empty, utcnow()) == []


def test_figures_summed_from_one_grouped_read_equal_each_exams_own_average(data):
    """The exam figures and pass rates come from `result_groups` (one scan of the results): each exam's count,
    passes and mean percentage equal what SQL counts and averages over that exam's results alone."""
    filters = Filters()
    best = dashboards._best_results(filters)
    direct = {exam_id: (count, int(passed or 0), round(float(mean), 1)) for exam_id, count, passed, mean in
              db.session.execute(db.select(best.c.exam_id, db.func.count(), db.func.sum(best.c.passed),
                                           db.func.avg(best.c.percent)).group_by(best.c.exam_id))}
    summed = {f.exam_id: (f.results, f.passed, f.mean_percent) for f in dashboards.exam_figures(filters)}
    assert summed == direct and len(summed) >= 3
    groups = dashboards.result_groups(filters)
    assert sum(r.results for r in groups) == sum(r.results for r in dashboards.pass_rates_by_team(filters, groups))
