"""A batch's roster and its team and station summary, downloaded over HTTP and opened back with csv and openpyxl:
what the files hold, the draft marking before sign-off, who may download them, and the audit rows."""

import csv
import io
from datetime import timedelta
from decimal import Decimal as D
from urllib.parse import quote

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.courses.catalog import find_course
from app.evaluation.models import Evaluation
from app.extensions import db
from tests import factories
from tests.evaluation.support import batch_of, exam_for, exams_for, result, results

HYPERLINK = '=HYPERLINK("http://evil.example/","click")'


def zh(msgid: str) -> str:
    with force_locale("zh_Hans"):
        return gettext(msgid)


@pytest.fixture
def batch(app, users, org):
    collector = users[Role.COLLECTOR]
    other = factories.make_user("000123", name="李四", station=org.stations[1], team=org.stations[1].teams[0])
    evil = factories.make_user("c0003", name=HYPERLINK, station=org.stations[1], team=org.stations[1].teams[1])
    made = batch_of([collector, other, evil], name="第一期")
    exams = exams_for(made)
    results(collector, exams, 95, 90, 85, 80)  # 89.00, 良好
    results(other, exams, 50, 90, 90, 90)  # law failed, passed at the make-up, counted at the pass mark
    results(evil, exams, 30, 40, 50, 40)  # 不合格
    result(other, exam_for(made, "law", makeup_of=exams["law"]), 97)
    db.session.commit()
    return made


def compute(client, batch):
    client.post(f"/evaluation/batches/{batch.id}/compute")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def sheet(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.get_data())).active


def exports(kind):
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.REPORT_EXPORTED)).all()
    return [event for event in events if event.details["report"] == kind]


def test_roster_holds_four_course_scores_total_rating_attendance_and_outcome(client, login, users, batch):
    login(users[Role.HR])
    compute(client, batch)
    ws = sheet(client.get(f"/evaluation/batches/{batch.id}/roster.xlsx"))
    rows = list(ws.iter_rows(values_only=True))
    courses = [find_course(code).name for code in ("law", "integrity", "etiquette", "procedures")]
    assert list(rows[0][:8]) == [zh("Staff no."), zh("Name"), zh("Station"), zh("Team"), *courses]
    assert list(rows[0][8:]) == [zh(m) for m in ("Attendance (per cent)", "Attendance minimum met", "Total", "Rating",
                                                 "Outcome", "Computed outcome", "Reason for the change",
                                                 "Course notes")]
    by_staff = {row[0]: row for row in rows[1:]}
    assert set(by_staff) == {"c0001", "000123", "c0003"}  # the leading zeros survive: a text cell
    assert by_staff["c0001"][4:8] == (95, 90, 85, 80) and by_staff["c0001"][10] == 89
    assert by_staff["c0001"][11] == zh("Good")
    other = by_staff["000123"]
    assert other[4] == 60 and other[10] == 78 and "97" in other[15] and zh("Passed at make-up") in other[15]
    assert by_staff["c0003"][1] == HYPERLINK and by_staff["c0003"][11] == zh("Unsatisfactory")  # quote-prefixed text
    assert [row[1].quotePrefix for row in ws.iter_rows(min_row=2) if row[0].value == "c0003"] == [True]
    for row in ws.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
        assert row[0].data_type == "s" and row[4].data_type == "n"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")


def test_roster_csv_shows_an_override_with_its_reason_and_the_computed_outcome(client, login, users, batch):
    login(users[Role.HR])
    compute(client, batch)
    evaluation = db.session.scalar(db.select(Evaluation).where(Evaluation.total == D("89.00")))
    client.post(f"/evaluation/evaluations/{evaluation.id}/override", data={"outcome": "award", "reason": "技能竞赛一等奖"})
    rows = csv_rows(client.get(f"/evaluation/batches/{batch.id}/roster.csv"))
    mine = next(row for row in rows if row[0] == "c0001")
    assert mine[12:15] == [zh("Eligible for awards and merit"), zh("No action"), "技能竞赛一等奖"]
    assert next(row for row in rows if row[0] == "000123")[13:15] == ["", ""]  # not overridden
    evil = next(row for row in rows if row[0] == "c0003")
    assert evil[1] == "'" + HYPERLINK


def test_file_names_say_draft_until_the_batch_is_signed_off(client, login, users, batch):
    login(users[Role.HR])
    compute(client, batch)
    draft = client.get(f"/evaluation/batches/{batch.id}/roster.xlsx").headers["Content-Disposition"]
    assert quote(zh("(draft)"), safe="") in draft and quote("第一期", safe="") in draft
    client.post(f"/evaluation/batches/{batch.id}/sign-off")
    final = client.get(f"/evaluation/batches/{batch.id}/summary.csv").headers["Content-Disposition"]
    assert quote(zh("(draft)"), safe="") not in final and final.endswith('.csv')
    assert [event.details["signed_off"] for event in exports("batch_roster") + exports("batch_summary")] == [
        False, True]


def test_summary_ranks_stations_and_teams_with_mean_and_pass_rate(client, login, users, org, batch):
    login(users[Role.HR])
    compute(client, batch)
    ws = sheet(client.get(f"/evaluation/batches/{batch.id}/summary.xlsx"))
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [zh(m) for m in ("Level", "Rank", "Station", "Team", "People", "Mean total", "Passed",
                                             "Pass rate (per cent)")]
    stations = [row for row in rows[1:] if row[0] == zh("Station")]
    teams = [row for row in rows[1:] if row[0] == zh("Team")]
    first, second = org.stations[0].name, org.stations[1].name
    # station 1: c0001 alone (89); station 2: 000123 (72) and c0003 (failed) → one of two passed
    assert [(row[1], row[2], row[4], row[6], row[7]) for row in stations] == [(1, first, 1, 1, 100), (2, second, 2, 1, 50)]
    assert len(teams) == 3 and [row[1] for row in teams] == [1, 2, 3]
    assert teams[0][2:4] == (first, org.stations[0].teams[0].name)


def test_every_download_is_audited_with_the_batch_and_row_count(client, login, users, batch):
    login(users[Role.HR])
    compute(client, batch)
    client.get(f"/evaluation/batches/{batch.id}/roster.csv").get_data()
    client.get(f"/evaluation/batches/{batch.id}/summary.xlsx").get_data()
    roster, summary = exports("batch_roster"), exports("batch_summary")
    assert [(e.actor_id, e.details["format"], e.details["rows"]) for e in roster] == [(users[Role.HR].id, "csv", 3)]
    assert [(e.details["format"], e.details["rows"]) for e in summary] == [("xlsx", 5)]
    assert roster[0].target_type == "training_batches" and roster[0].target_id == str(batch.id)


def test_english_readers_get_english_headers_and_labels(client, login, users, batch):
    users[Role.HR].locale = "en"
    db.session.commit()
    login(users[Role.HR])
    compute(client, batch)
    rows = csv_rows(client.get(f"/evaluation/batches/{batch.id}/roster.csv"))
    assert rows[0][:5] == ["Staff no.", "Name", "Station", "Team", find_course("law").name_en or find_course("law").name]
    assert {row[11] for row in rows[1:]} == {"Good", "Satisfactory", "Unsatisfactory"}


@pytest.mark.parametrize("role", [Role.TRAINER, Role.COLLECTOR])
def test_trainers_and_collectors_may_not_download_a_batch(client, login, users, batch, role):
    login(users[role])
    for url in (f"/evaluation/batches/{batch.id}/roster.csv", f"/evaluation/batches/{batch.id}/summary.xlsx"):
        assert client.get(url).status_code == 403, url
    assert not exports("batch_roster") and not exports("batch_summary")


def test_downloads_need_a_fresh_login(client, login, users, batch):
    from app.accounts.models import LoginSession

    login(users[Role.HR])
    for row in db.session.scalars(db.select(LoginSession)):
        row.authenticated_at -= timedelta(hours=2)
    db.session.commit()
    response = client.get(f"/evaluation/batches/{batch.id}/roster.xlsx")
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert not exports("batch_roster")


def test_the_batch_page_links_both_downloads_once_computed(client, login, users, batch):
    login(users[Role.HR])
    assert "roster.xlsx" not in client.get(f"/evaluation/batches/{batch.id}").get_data(as_text=True)
    compute(client, batch)
    body = client.get(f"/evaluation/batches/{batch.id}").get_data(as_text=True)
    for name in ("roster.xlsx", "roster.csv", "summary.xlsx", "summary.csv"):
        assert f"/evaluation/batches/{batch.id}/{name}" in body
    assert zh("Files downloaded before sign-off are marked as drafts.") in body
