"""The dashboards page: who may open it, what each role sees, both locales, and the chart JSON it embeds."""

import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from app.core.roles import Role
from app.extensions import db
from app.reports import dashboards
from app.reports.dashboards import Filters
from tests import factories
from tests.core.test_security_headers import inline_code_in
from tests.reports import dashboard_data

URL = "/reports/dashboards"


@pytest.fixture
def data(app, users, org):
    return dashboard_data.build(users, org)


class _Charts(HTMLParser):
    """canvas id → the JSON of its data-chart attribute; table id → its rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.charts, self.tables = {}, {}
        self._table = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "canvas" and "data-chart" in attrs:
            self.charts[attrs["id"]] = json.loads(attrs["data-chart"])
        elif tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row:
            self._row[-1] += data.strip()


def _page(client, **args):
    response = client.get(URL, query_string=args)
    assert response.status_code == 200
    parsed = _Charts()
    parsed.feed(response.get_data(as_text=True))
    return response.get_data(as_text=True), parsed


def test_collectors_may_not_open_the_dashboards(client, users, login):
    login(users[Role.COLLECTOR])
    assert client.get(URL).status_code == 403


def test_hr_sees_every_exam_and_the_embedded_json_matches_the_figures(client, data, login):
    login(data.hr)
    body, page = _page(client, exam=data.law.id)
    assert not inline_code_in(body)
    expected = dashboards.score_distribution(Filters(), data.law)
    histogram = page.charts["chart-histogram"]
    assert histogram["datasets"][0]["data"] == expected.counts == [0, 0, 0, 1, 1, 0, 1, 1, 0, 2]
    assert histogram["passMark"] == expected.pass_mark_percent == 60.0
    assert [row[1] for row in page.tables["table-histogram"][1:]] == [str(n) for n in expected.counts]

    station = page.charts["chart-station"]
    assert station["labels"] == ["东站", "西站"]
    assert [(d["role"], d["data"]) for d in station["datasets"]] == [("regular", [80.0, 33.3]),
                                                                     ("makeup", [100.0, 0.0])]
    assert "4" in station["datasets"][0]["notes"][0] and "5" in station["datasets"][0]["notes"][0]  # 4 of 5 passed
    course = page.charts["chart-course"]
    assert [d["data"] for d in course["datasets"]] == [[66.7, 50.0], [50.0, None]]
    trend = page.charts["chart-trend"]
    expected_trend = dashboards.batch_trend(Filters())
    assert trend["labels"] == [p.name for p in expected_trend] == ["第一期", "第二期"]
    assert trend["datasets"][0]["data"] == [p.mean_percent for p in expected_trend]
    assert trend["datasets"][1]["data"] == [p.percent for p in expected_trend] == [80.0, 33.3]
    assert page.charts["chart-attendance-batch"]["datasets"][0]["data"] == [66.7, 50.0]
    assert page.charts["chart-attendance-station"]["datasets"][0]["data"] == [60.0, 50.0]
    exams = {row[0] for row in page.tables["table-exams"][1:]}
    assert {"法规考试", "廉洁考试"} <= exams and any(name.startswith("法规补考") for name in exams)


def test_a_trainer_sees_only_their_own_exams_and_is_refused_another_trainers_exam(client, data, login):
    login(data.trainer_a)
    body, page = _page(client)
    assert "廉洁考试" not in body
    assert page.charts["chart-station"]["datasets"][0]["data"] == [75.0, 50.0]
    assert page.charts["chart-attendance-batch"]["labels"] == ["第一期"]
    assert client.get(URL, query_string={"exam": data.integrity.id}).status_code == 403
    assert client.get(URL, query_string={"exam": data.law.id}).status_code == 200


def test_a_trainer_without_exams_sees_plain_empty_states(client, users, data, login):
    users[Role.TRAINER].locale = "en"
    db.session.commit()
    login(users[Role.TRAINER])
    body, page = _page(client)
    assert page.charts == {}
    assert "No graded exam results match these filters yet." in body
    assert "No attendance has been recorded for these filters." in body
    assert "No batch has results yet" in body


def test_filters_narrow_the_page(client, data, login):
    login(data.hr)
    _body, page = _page(client, station=data.west.id, exam=data.law.id)
    assert page.charts["chart-histogram"]["datasets"][0]["data"] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert page.charts["chart-station"]["labels"] == ["西站"]
    _body, page = _page(client, batch=data.second.id)
    assert page.charts["chart-trend"]["labels"] == ["第二期"]
    body, page = _page(client, date_from="2030-01-02", date_to="2030-01-01")
    assert "The end date comes before the start date." in body or "结束日期早于开始日期" in body
    body, page = _page(client, exam=data.law.id, date_to="2020-01-01")
    assert "chart-histogram" not in page.charts and 'id="no-histogram"' in body
    _body, page = _page(client, batch="nonsense", course="999999")
    assert page.charts["chart-station"]["labels"] == ["东站", "西站"]


@pytest.mark.parametrize("locale, lang, words", [("zh_Hans", "zh-Hans", "收费"), ("en", "en", "Dashboards")])
def test_the_page_renders_in_both_locales(client, data, login, locale, lang, words):
    data.hr.locale = locale
    db.session.commit()
    login(data.hr)
    body, page = _page(client)
    assert f'<html lang="{lang}">' in body and words in body
    assert len(page.charts) == 7
    if locale == "en":
        assert page.charts["chart-course"]["labels"] == ["Laws and regulations", "Integrity and professional ethics"]


def test_the_menu_offers_the_dashboards_to_hr_and_trainers_only(client, users, login):
    for role, shown in ((Role.HR, True), (Role.TRAINER, True), (Role.ADMIN, True), (Role.COLLECTOR, False)):
        visitor = client.application.test_client()
        visitor.post("/login", data={"staff_no": users[role].staff_no, "password": "Test@2026pw"})
        assert (URL in visitor.get("/me").get_data(as_text=True)) is shown, role


def test_the_attendance_tables_state_the_denominator_and_the_seats_not_recorded(client, data, login):
    # A session added to 第一期 after it took place: nobody has recorded its three seats.
    factories.make_session(data.first, "integrity", data.trainer_a, day=data.first.starts_on + timedelta(days=1),
                           seats=[data.people[n] for n in ("e1", "e2", "w1")])
    data.hr.locale = "en"
    db.session.commit()
    login(data.hr)
    body, page = _page(client)
    table = page.tables["table-attendance-batch"]
    assert table[0] == ["Batch", "First day", "Present", "Late", "Absent", "Excused", "Recorded", "Not recorded",
                        "Attendance rate"]
    assert table[1][0] == "第一期" and table[1][6:] == ["3", "3", "66.7%"]  # unchanged by the unrecorded seats
    assert page.charts["chart-attendance-batch"]["datasets"][0]["notes"][0] == "2 attended of 3 recorded"
    assert "seats nobody has recorded yet are shown apart and count neither way" in body
