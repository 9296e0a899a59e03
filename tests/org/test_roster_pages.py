"""The roster import pages: upload → preview → confirm → result, who may use them, and refused files
and tokens leaving the database as it was."""

import io
import re
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func

from app.accounts.models import User, UserRole
from app.accounts.services import find_by_staff_no
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station, Team
from app.uploads.models import PendingUpload

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

HEADER = "工号,姓名,收费站,班组,岗位,入职日期,角色"


def stored_uploads() -> list:
    return db.session.scalars(db.select(PendingUpload)).all()


def csv_file(*lines) -> bytes:
    return "\n".join([HEADER, *lines, ""]).encode()


def snapshot() -> dict:
    users = db.session.execute(
        db.select(User.staff_no, User.name, User.station_id, User.team_id, User.position, User.hire_date)
        .order_by(User.staff_no)
    ).all()
    return {
        "users": [tuple(row) for row in users],
        "roles": db.session.scalar(db.select(func.count()).select_from(UserRole)),
        "stations": db.session.scalar(db.select(func.count(Station.id))),
        "teams": db.session.scalar(db.select(func.count(Team.id))),
        "imports": db.session.scalar(
            db.select(func.count(AuditEvent.id)).where(AuditEvent.action != actions.LOGIN_SUCCEEDED)
        ),
    }


def upload(client, data: bytes, filename="roster.csv", *, create_missing=False):
    form = {"file": (io.BytesIO(data), filename)}
    if create_missing:
        form["create_missing"] = "y"
    return client.post("/staff/import", data=form, content_type="multipart/form-data")


def token_in(response) -> str:
    match = re.search(r'action="/staff/import/([^"/]+)"', response.get_data(as_text=True))
    assert match, "the preview has no confirm form"
    return match.group(1)


# --- The happy path ----------------------------------------------------------------------------

def test_admin_uploads_previews_and_confirms_a_roster(client, users, login):
    login(users[Role.ADMIN])
    assert client.get("/staff/import").status_code == 200
    before = snapshot()
    preview = upload(client, csv_file("n1,王五,东站,一班,,2024-03-01,", "c0001,张三丰,,,,,"))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "n1" in html and "王五" in html and "张三丰" in html
    assert 'id="count-created">1<' in html and 'id="count-updated">1<' in html
    assert "now: 张三" in html  # the existing name is shown next to the new one
    assert snapshot() == before  # the preview stores nothing
    token = token_in(preview)
    assert len(stored_uploads()) == 1  # kept in the database, for whichever server gets the confirmation

    confirmed = client.post(f"/staff/import/{token}")
    assert confirmed.status_code == 303
    result = client.get(confirmed.headers["Location"])
    page = result.get_data(as_text=True)
    assert 'id="count-created">1<' in page and 'id="count-updated">1<' in page
    assert "/staff" in page and "temporary passwords" in page
    assert find_by_staff_no("n1").password_hash is None
    assert users[Role.COLLECTOR].name == "张三丰"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.ROSTER_IMPORTED)).one()
    assert (event.details["created"], event.details["updated"], event.actor_id) == (1, 1, users[Role.ADMIN].id)
    assert stored_uploads() == []  # the stored file is gone once imported
    assert client.post(f"/staff/import/{token}").status_code == 404  # and cannot be imported twice


def test_xlsx_upload_with_create_missing_creates_the_station(client, users, login):
    login(users[Role.ADMIN])
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "姓名", "收费站", "班组"])
    workbook.active.append([20001, "李四", "南站", "一班"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = upload(client, buffer.getvalue(), "花名册.xlsx", create_missing=True)
    assert preview.status_code == 200
    assert "Stations that will be created" in preview.get_data(as_text=True)
    client.post(f"/staff/import/{token_in(preview)}")
    assert find_by_staff_no("20001").team.station.name == "南站"


def test_preview_page_can_be_opened_again_by_its_token(client, users, login):
    login(users[Role.HR])
    token = token_in(upload(client, csv_file("n1,王五,,,,,")))
    again = client.get(f"/staff/import/{token}")
    assert again.status_code == 200 and "王五" in again.get_data(as_text=True)


def test_discard_removes_the_stored_file(client, users, login):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,,,,,")))
    assert client.post(f"/staff/import/{token}/discard").status_code == 302
    assert stored_uploads() == []
    assert find_by_staff_no("n1") is None


# --- Errors ------------------------------------------------------------------------------------

def test_preview_lists_every_error_with_row_and_column_and_offers_no_confirm(client, users, login):
    login(users[Role.ADMIN])
    before = snapshot()
    response = upload(client, csv_file("b1,张三,,,,2024-13-01,", "b1,李四,南站,,,,"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    rows = re.findall(r"<tr><td class=\"text-nowrap\">(\d+)</td><td class=\"text-nowrap\">([^<]+)</td>", html)
    assert rows == [("2", "入职日期"), ("3", "工号"), ("3", "收费站")]
    assert "&#39;2024-13-01&#39; is not a date" in html
    assert 'id="roster-confirm"' not in html
    assert stored_uploads() == []
    assert snapshot() == before


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(24):
                part.write(b" " * (1024 * 1024))
    return buffer.getvalue()


def _billion_laughs() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "姓名"])
    workbook.active.append(["c1", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(buffer)
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    evil = f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">{entities}]>'.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = evil + content.replace(b"<t>x</t>", b"<t>&l9;</t>")
            target.writestr(info.filename, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "roster.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "roster.xlsx", "This is a PNG file"),
        (bytes(range(128, 256)) * 8, "roster.csv", "not UTF-8 or GB18030"),
        (b"%PDF-1.4 ...", "roster.pdf", "This is a PDF file"),
        (_zip_bomb(), "roster.xlsx", "The workbook was refused"),
        (_billion_laughs(), "roster.xlsx", "DTD"),
        ("姓名,收费站\n张三,东站\n".encode(), "roster.csv", "The required column 工号"),
    ],
    ids=["empty", "png", "random-bytes", "pdf", "zip-bomb", "billion-laughs", "missing-column"],
)
def test_broken_uploads_are_refused_clearly_and_store_nothing(client, users, login, data, filename,
                                                              expected):
    login(users[Role.ADMIN])
    before = snapshot()
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)
    assert stored_uploads() == []
    assert snapshot() == before


def test_upload_without_a_file_asks_for_one(client, users, login):
    login(users[Role.HR])
    response = client.post("/staff/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024, BABEL_DEFAULT_LOCALE="en")
def test_oversized_upload_gets_the_413_page(client, users, login):
    login(users[Role.ADMIN])
    before = snapshot()
    response = upload(client, csv_file(*[f"big{i},名字{i},,,,," for i in range(200)]))
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    assert snapshot() == before


def test_cell_content_is_escaped_on_the_preview(client, users, login):
    login(users[Role.ADMIN])
    html = upload(client, csv_file("x1,<script>alert(1)</script>,,,,,")).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_cell_content_quoted_in_error_messages_is_escaped(client, users, login):
    """Lazy translated messages count as markup in Jinja; the page must still escape what they quote."""
    login(users[Role.ADMIN])
    hostile = "<img src=x onerror=alert(1)>"
    html = upload(client, csv_file(f"x1,张三,{hostile},,,{hostile},{hostile}")).get_data(as_text=True)
    assert hostile not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 3


def test_pages_need_no_inline_script_or_style(client, users, login):
    login(users[Role.ADMIN])
    for response in (client.get("/staff/import"), upload(client, csv_file("n1,王五,,,,,")),
                     upload(client, csv_file("n1,王五,,,,bad,"))):
        html = response.get_data(as_text=True)
        assert " style=" not in html
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))


# --- Who may do what ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.TRAINER])
def test_collectors_and_trainers_are_refused(client, users, login, role):
    login(users[role])
    assert client.get("/staff/import").status_code == 403
    assert upload(client, csv_file("n1,王五,,,,,")).status_code == 403
    assert client.get("/staff/import/anything").status_code == 403
    assert client.post("/staff/import/anything").status_code == 403
    assert find_by_staff_no("n1") is None


def test_anonymous_visitors_are_sent_to_login(client, users):
    response = client.get("/staff/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_hr_imports_collectors_but_may_not_give_roles(client, users, login):
    login(users[Role.HR])
    refused = upload(client, csv_file("n1,王五,,,,,培训师"))
    assert refused.status_code == 422
    assert "Only administrators can give roles other than collector." in refused.get_data(as_text=True)
    accepted = upload(client, csv_file("n1,王五,,,,,收费员"))
    client.post(f"/staff/import/{token_in(accepted)}")
    assert find_by_staff_no("n1").roles == {Role.COLLECTOR}


def test_admin_may_give_roles(client, users, login):
    login(users[Role.ADMIN])
    client.post(f"/staff/import/{token_in(upload(client, csv_file('n1,王五,,,,,培训师')))}")
    assert find_by_staff_no("n1").roles == {Role.TRAINER}


def test_role_changes_need_a_fresh_login(client, users, login, monkeypatch):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,,,,,培训师")))
    monkeypatch.setattr("app.org.views.roster.login_is_fresh", lambda: False)
    response = client.post(f"/staff/import/{token}")
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert find_by_staff_no("n1") is None


def test_confirm_with_another_users_token_is_refused(app, client, users, login):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,,,,,")))
    other = app.test_client()
    other.post("/login", data={"staff_no": users[Role.HR].staff_no, "password": "Test@2026pw"})
    before = snapshot()
    assert other.post(f"/staff/import/{token}").status_code == 404
    assert other.get(f"/staff/import/{token}").status_code == 404
    assert other.post(f"/staff/import/{token}/discard").status_code == 404
    assert snapshot() == before
    assert client.post(f"/staff/import/{token}").status_code == 303  # the uploader still can


def test_tampered_tokens_are_refused(client, users, login):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,,,,,")))
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token + "A", "../../secret_key", "x" * 43):
        assert client.post(f"/staff/import/{forged}").status_code == 404
    assert find_by_staff_no("n1") is None


def test_expired_upload_is_refused(client, users, login, monkeypatch):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,,,,,")))
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr("app.org.views.roster.utcnow", lambda: later)
    response = client.post(f"/staff/import/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert find_by_staff_no("n1") is None


# --- Confirmation checks again; failures roll back ---------------------------------------------

def test_confirm_checks_the_file_again_against_the_database(client, users, login, org):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,西站,,,,")))
    org.stations[1].active = False  # meanwhile, someone deactivates 西站
    db.session.commit()
    before = snapshot()
    response = client.post(f"/staff/import/{token}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "checked again" in html and "Station 西站 is deactivated." in html
    assert snapshot() == before


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False, BABEL_DEFAULT_LOCALE="en")
def test_a_failure_while_applying_leaves_the_database_as_before(client, users, login, monkeypatch):
    login(users[Role.ADMIN])
    token = token_in(upload(client, csv_file("n1,王五,,,,,", "n2,李四,南站,一班,,,", "c0001,张三丰,,,,,"),
                            create_missing=True))
    before = snapshot()
    from app.org.roster import apply as apply_module

    def failing_update(*args, **kwargs):  # runs after the new staff and the new station were flushed
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply_module, "update_staff", failing_update)
    assert client.post(f"/staff/import/{token}").status_code == 500
    db.session.rollback()
    assert snapshot() == before  # neither the new staff nor the new station were kept
    assert users[Role.COLLECTOR].name == "张三"


def test_result_page_is_only_for_roster_imports(client, users, login):
    login(users[Role.ADMIN])
    other_event = db.session.scalars(db.select(AuditEvent)).first()
    assert client.get(f"/staff/import/results/{other_event.id}").status_code == 404
    assert client.get("/staff/import/results/999999").status_code == 404
