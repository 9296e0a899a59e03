"""Roster preview and import as services: what is created and updated, and every way a file is refused
with nothing stored."""

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func

from app.accounts.actors import SYSTEM
from app.accounts.models import User, UserRole
from app.accounts.services import find_by_staff_no
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station, Team
from app.org.roster import CREATE, INVALID, UNCHANGED, UPDATE, RosterRejected, import_roster, preview_roster
from tests import factories

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HEADER = "工号,姓名,收费站,班组,岗位,入职日期,角色"


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English whatever the catalogs say; services run outside a request here."""
    with force_locale("en"):
        yield


def csv_file(*lines, header=HEADER, encoding="utf-8", newline="\n") -> bytes:
    return newline.join([header, *lines, ""]).encode(encoding)


def xlsx_file(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def snapshot() -> dict:
    """Counts and contents that an import could change."""
    users = db.session.execute(
        db.select(User.staff_no, User.name, User.station_id, User.team_id, User.position, User.hire_date)
        .order_by(User.staff_no)
    ).all()
    return {
        "users": [tuple(row) for row in users],
        "roles": db.session.scalar(db.select(func.count()).select_from(UserRole)),
        "stations": db.session.scalar(db.select(func.count(Station.id))),
        "teams": db.session.scalar(db.select(func.count(Team.id))),
        "audit": db.session.scalar(db.select(func.count(AuditEvent.id))),
    }


def run_import(data, filename="roster.csv", *, actor=SYSTEM, create_missing=False):
    return import_roster(data, filename, actor=actor, create_missing=create_missing, ip="127.0.0.1", now=NOW)


def preview(data, filename="roster.csv", *, actor=SYSTEM, create_missing=False):
    return preview_roster(data, filename, actor=actor, create_missing=create_missing)


def rejected(data, filename="roster.csv", **options):
    """Import that must fail: returns its messages, and checks nothing was stored."""
    db.session.commit()  # what the fixtures made is the "before"
    before = snapshot()
    with pytest.raises(RosterRejected) as caught:
        run_import(data, filename, **options)
    db.session.rollback()
    assert snapshot() == before
    return [str(issue) for issue in caught.value.preview.errors]


# --- Reading files -----------------------------------------------------------------------------

def test_new_staff_are_created_without_passwords_and_audited(users):
    data = csv_file("c2001,王五,东站,一班,收费员,2024-03-01,", "C2002,赵六,西站,,,,")
    result = run_import(data, actor=users[Role.ADMIN])
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    wang = find_by_staff_no("c2001")
    assert (wang.name, wang.station.name, wang.team.name, wang.position) == ("王五", "东站", "一班", "收费员")
    assert wang.hire_date == date(2024, 3, 1)
    assert wang.roles == {Role.COLLECTOR}
    assert wang.password_hash is None
    assert find_by_staff_no("c2002").team is None
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.ROSTER_IMPORTED)).one()
    assert event.details == {"file": "roster.csv", "created": 2, "updated": 0, "unchanged": 0,
                             "stations_created": [], "teams_created": []}
    assert event.actor_id == users[Role.ADMIN].id


def test_gb18030_csv_with_rare_characters_round_trips(org):
    run_import(csv_file("g1,李喆,东站,,,,", "g2,𠮷田,西站,二班,,,", encoding="gb18030"))
    assert find_by_staff_no("g1").name == "李喆"
    assert find_by_staff_no("g2").name == "𠮷田"


def test_utf8_bom_csv_header_is_recognised(org):
    data = "\ufeff".encode() + csv_file("b1,张三,,,,,")
    assert preview(data).ok
    run_import(data)
    assert find_by_staff_no("b1").name == "张三"


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings_import_like_lf(org, newline):
    data = csv_file("n1,张三,东站,一班,,2024/3/1,", "", "n2,李四,,,,,", newline=newline)
    result = run_import(data)
    assert result.created == 2
    assert [plan.row for plan in result.preview.rows] == [2, 4]


def test_xlsx_with_date_cells_and_numeric_staff_numbers(org):
    data = xlsx_file([
        ["工号", "姓名", "收费站", "班组", "入职日期"],
        [10001, "张三", "东站", "一班", datetime(2023, 7, 1)],
        [10002.0, "李四", "西站", None, date(2024, 1, 15)],
    ])
    result = run_import(data, "花名册.xlsx")
    assert result.created == 2
    assert find_by_staff_no("10001").hire_date == date(2023, 7, 1)
    assert find_by_staff_no("10002").hire_date == date(2024, 1, 15)


def test_english_headers_and_full_width_staff_numbers(org):
    data = csv_file("Ｃ３００１,张三,东站", header=" Staff Number ,Name,station")
    run_import(data)
    assert find_by_staff_no("c3001").station.name == "东站"


# --- Re-importing ------------------------------------------------------------------------------

def test_reimport_updates_existing_staff_and_preview_names_the_changes(users, org):
    existing = users[Role.COLLECTOR]  # c0001 张三, 东站/一班
    data = csv_file("C0001,张三丰,东站,二班,班长,2020-05-06,", "c0002,新人,,,,,")
    plan = {p.staff_no: p for p in preview(data, actor=users[Role.ADMIN]).rows}
    assert plan["c0001"].action == UPDATE
    assert set(plan["c0001"].changes) == {"name", "team", "position", "hire_date"}
    assert plan["c0001"].existing_name == "张三"
    assert plan["c0002"].action == CREATE
    result = run_import(data, actor=users[Role.ADMIN])
    db.session.commit()
    assert (result.created, result.updated) == (1, 1)
    assert (existing.name, existing.team.name, existing.position) == ("张三丰", "二班", "班长")


def test_reimporting_the_same_file_changes_nothing(org):
    data = csv_file("r1,张三,东站,一班,,2024-03-01,")
    run_import(data)
    db.session.commit()
    result = run_import(data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert result.preview.rows[0].action == UNCHANGED


def test_blank_cells_leave_existing_values_and_roles_unchanged(users, org):
    trainer = users[Role.TRAINER]
    trainer.position = "讲师"
    trainer.hire_date = date(2019, 1, 1)
    db.session.commit()
    result = run_import(csv_file(f"{trainer.staff_no},{trainer.name},,,,,"), actor=users[Role.ADMIN])
    assert result.unchanged == 1
    assert trainer.roles == {Role.TRAINER} and trainer.position == "讲师"


def test_moving_station_without_a_team_clears_the_old_team(users, org):
    collector = users[Role.COLLECTOR]  # 东站/一班
    plan = preview(csv_file("c0001,张三,西站,,,,"), actor=users[Role.ADMIN]).rows[0]
    assert set(plan.changes) == {"station", "team"}
    run_import(csv_file("c0001,张三,西站,,,,"), actor=users[Role.ADMIN])
    db.session.commit()
    assert (collector.station.name, collector.team) == ("西站", None)


def test_naming_the_same_station_without_a_team_keeps_the_team(users, org):
    result = run_import(csv_file("c0001,张三,东站,,,,"), actor=users[Role.ADMIN])
    assert result.unchanged == 1
    assert users[Role.COLLECTOR].team.name == "一班"


# --- Stations and teams ------------------------------------------------------------------------

def test_unknown_station_or_team_is_an_error_without_create_missing(org):
    messages = rejected(csv_file("s1,张三,南站,一班,,,", "s2,李四,东站,九班,,,"))
    assert messages[0].startswith("Row 2, column 收费站:") and "南站" in messages[0]
    assert messages[1].startswith("Row 3, column 班组:") and "九班" in messages[1]


def test_create_missing_lists_and_creates_stations_and_teams(org):
    data = csv_file("s1,张三,南站,一班,,,", "s2,李四,南站,一班,,,", "s3,王五,东站,九班,,,", "s4,赵六,北站,,,,")
    shown = preview(data, create_missing=True)
    assert shown.ok
    assert shown.stations_to_create == ["南站", "北站"]
    assert shown.teams_to_create == [("南站", "一班"), ("东站", "九班")]
    result = run_import(data, create_missing=True)
    assert result.created == 4
    assert find_by_staff_no("s1").team.station.name == "南站"
    assert find_by_staff_no("s3").team.name == "九班"
    event = db.session.get(AuditEvent, result.event_id)
    assert event.details["stations_created"] == ["南站", "北站"]
    assert event.details["teams_created"] == ["南站 / 一班", "东站 / 九班"]


def test_team_without_station_is_an_error(org):
    assert rejected(csv_file("t1,张三,,一班,,,"))[0].startswith("Row 2, column 班组:")


def test_deactivated_station_cannot_receive_new_staff(org):
    org.stations[1].active = False
    db.session.commit()
    assert "deactivated" in rejected(csv_file("d1,张三,西站,,,,"))[0]


# --- Broken rows -------------------------------------------------------------------------------

def test_duplicate_staff_numbers_name_both_rows(org):
    messages = rejected(csv_file("d1,张三,,,,,", "d2,李四,,,,,", "D1,王五,,,,,"))
    assert messages == ["Row 4, column 工号: Staff number d1 also appears in row 2."]


def test_missing_required_column_is_named(org):
    messages = rejected(csv_file("张三,东站", header="姓名,收费站"))
    assert "工号" in messages[0]


def test_bad_date_names_row_and_column(org):
    messages = rejected(csv_file("b1,张三,,,,2024-13-01,"))
    assert messages == ["Row 2, column 入职日期: '2024-13-01' is not a date (write it as 2024-03-01)."]


def test_column_names_in_messages_are_the_files_own_headers(org):
    messages = rejected(csv_file("b1,张三,bad", header="staff_no,name,Hire Date"))
    assert messages[0].startswith("Row 2, column Hire Date:")


def test_empty_staff_number_and_name_are_errors(org):
    messages = rejected(csv_file(",张三,,,,,", "e2,,,,,,"))
    assert messages == ["Row 2, column 工号: The staff number is empty.", "Row 3, column 姓名: The name is empty."]


def test_unknown_role_is_an_error(users):
    messages = rejected(csv_file("u1,张三,,,,,站长"), actor=users[Role.ADMIN])
    assert messages[0].startswith("Row 2, column 角色: '站长' is not a role")


def test_every_error_is_reported_not_just_the_first(org):
    messages = rejected(csv_file("x1,张三,,,,bad,", "x1,李四,南站,,,,", ",,,,,,x"))
    assert [message.split(":")[0] for message in messages] == [
        "Row 2, column 入职日期", "Row 3, column 工号", "Row 3, column 收费站",
        "Row 4, column 工号", "Row 4, column 姓名", "Row 4, column 角色",
    ]


def test_one_bad_row_among_good_ones_stores_nothing(org):
    lines = [f"ok{i},员工{i},东站,一班,,," for i in range(50)] + ["bad,坏,东站,一班,,2024-02-30,"]
    rejected(csv_file(*lines))


def test_too_many_rows_are_refused(org, monkeypatch):
    monkeypatch.setattr("app.org.roster.preview.ROSTER_MAX_ROWS", 3)
    messages = rejected(csv_file(*[f"m{i},张{i},,,,," for i in range(4)]))
    assert "more than 3 rows" in messages[0]


def test_a_header_without_rows_is_refused(org):
    assert "no staff" in rejected(csv_file())[0]


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "roster.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "roster.xlsx", "PNG"),
        (bytes(range(128, 256)) * 8, "roster.csv", "Row 1:"),
    ],
)
def test_files_that_are_not_rosters_are_refused(org, data, filename, expected):
    assert expected in rejected(data, filename)[0]


# --- Who may do what ---------------------------------------------------------------------------

def test_hr_creates_collectors_but_cannot_give_other_roles(users):
    hr = users[Role.HR]
    result = run_import(csv_file("h1,张三,,,,,", "h2,李四,,,,,收费员"), actor=hr)
    assert result.created == 2
    db.session.commit()
    messages = rejected(csv_file("h3,王五,,,,,培训师"), actor=hr)
    assert messages == ["Row 2, column 角色: Only administrators can give roles other than collector."]


def test_hr_cannot_change_roles(users):
    messages = rejected(csv_file("c0001,张三,,,,,培训师"), actor=users[Role.HR])
    assert messages == ["Row 2, column 角色: Only administrators can change roles."]


def test_hr_cannot_change_staff_who_hold_other_roles(users):
    trainer = users[Role.TRAINER]
    messages = rejected(csv_file(f"{trainer.staff_no},新名字,,,,,"), actor=users[Role.HR])
    assert "only administrators" in messages[0]
    # ...but an unchanged row for them is fine
    assert preview(csv_file(f"{trainer.staff_no},{trainer.name},,,,,"), actor=users[Role.HR]).ok


def test_admin_gives_and_changes_roles(users):
    admin = users[Role.ADMIN]
    run_import(csv_file("a1,张三,,,,,培训师；人事", "c0001,张三,,,,,收费员、讲师"), actor=admin)
    assert find_by_staff_no("a1").roles == {Role.TRAINER, Role.HR}
    assert users[Role.COLLECTOR].roles == {Role.COLLECTOR, Role.TRAINER}
    changed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.ROLES_CHANGED)).all()
    assert [event.actor_id for event in changed] == [admin.id]


def test_admin_cannot_remove_own_admin_role(users):
    admin = users[Role.ADMIN]
    messages = rejected(csv_file(f"{admin.staff_no},{admin.name},,,,,收费员"), actor=admin)
    assert "your own administrator role" in messages[0]


def test_command_line_import_may_give_roles_and_is_audited_without_an_actor(org):
    user = factories.make_user("s9", roles=[Role.COLLECTOR], name="张三")
    db.session.commit()
    run_import(csv_file("s8,李四,,,,,管理员", "s9,张三,,,,,人事"), actor=SYSTEM)
    assert find_by_staff_no("s8").roles == {Role.ADMIN}
    assert user.roles == {Role.HR}
    created, changed = (
        db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).one()
        for action in (actions.USER_CREATED, actions.ROLES_CHANGED)
    )
    assert created.details["roles"] == ["admin"] and changed.details["new"] == ["hr"]
    assert created.actor_id is None and changed.actor_id is None


def test_preview_writes_nothing(users):
    before = snapshot()
    shown = preview(csv_file("p1,张三,南站,一班,,,培训师", "c0001,改名,,,,,"), actor=users[Role.ADMIN],
                    create_missing=True)
    assert shown.ok and shown.created == 1 and shown.updated == 1
    db.session.flush()
    assert snapshot() == before


def test_invalid_rows_are_marked_in_the_preview(org):
    shown = preview(csv_file("ok1,张三,,,,,", "bad,李四,,,,nope,"))
    assert [plan.action for plan in shown.rows] == [CREATE, INVALID]
