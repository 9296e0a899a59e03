"""`flask staff import`: summary on stdout, one line per problem on stderr, exit 1 and nothing stored."""

import pytest
from sqlalchemy import func

from app.accounts.models import User, UserRole
from app.accounts.services import find_by_staff_no
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.org.models import Station, Team

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

HEADER = "工号,姓名,收费站,班组,岗位,入职日期,角色"


def write_csv(path, *lines, encoding="utf-8"):
    path.write_bytes("\r\n".join([HEADER, *lines, ""]).encode(encoding))
    return str(path)


def snapshot() -> dict:
    return {
        "users": db.session.scalar(db.select(func.count(User.id))),
        "roles": db.session.scalar(db.select(func.count()).select_from(UserRole)),
        "stations": db.session.scalar(db.select(func.count(Station.id))),
        "teams": db.session.scalar(db.select(func.count(Team.id))),
        "audit": db.session.scalar(db.select(func.count(AuditEvent.id))),
        "names": sorted(db.session.scalars(db.select(User.name))),
    }


def test_cli_imports_a_roster_and_says_accounts_have_no_password(runner, org, tmp_path):
    db.session.commit()
    path = write_csv(tmp_path / "roster.csv", "k1,张三,东站,一班,,2024-03-01,", "k2,李喆,西站,,,,",
                     encoding="gb18030")
    result = runner.invoke(args=["staff", "import", path])
    assert result.exit_code == 0, result.output
    assert "Rows: 2 (2 new, 0 to update, 0 unchanged)" in result.stdout
    assert "Imported: 2 new, 0 updated, 0 unchanged." in result.stdout
    assert "administrator issues temporary passwords" in result.stdout
    assert find_by_staff_no("k2").name == "李喆"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.ROSTER_IMPORTED)).one()
    assert (event.actor_id, event.ip, event.details["file"]) == (None, "cli", "roster.csv")


def test_cli_dry_run_shows_what_would_happen_and_stores_nothing(runner, org, tmp_path):
    db.session.commit()
    before = snapshot()
    path = write_csv(tmp_path / "roster.csv", "k1,张三,南站,一班,,,")
    result = runner.invoke(args=["staff", "import", path, "--dry-run", "--create-missing"])
    assert result.exit_code == 0, result.output
    assert "Stations to create: 南站" in result.stdout
    assert "Teams to create: 南站 / 一班" in result.stdout
    assert "Dry run: nothing was stored." in result.stdout
    db.session.rollback()
    assert snapshot() == before


def test_cli_errors_go_to_stderr_one_line_each_and_exit_1(runner, org, tmp_path):
    db.session.commit()
    before = snapshot()
    path = write_csv(tmp_path / "roster.csv", "k1,张三,,,,2024-13-01,", "k1,李四,南站,,,,", "k3,王五,,,,,")
    result = runner.invoke(args=["staff", "import", path])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Row 2, column 入职日期: '2024-13-01' is not a date (write it as 2024-03-01).",
        "Row 3, column 工号: Staff number k1 also appears in row 2.",
        'Row 3, column 收费站: There is no station named 南站. Check the spelling, or choose "create missing '
        'stations and teams".',
        "Nothing was imported: 3 problem(s) found.",
    ]
    db.session.rollback()
    assert snapshot() == before


def test_cli_may_give_roles_as_the_system(runner, org, tmp_path):
    path = write_csv(tmp_path / "roster.csv", "k1,张三,,,,,管理员；讲师")
    result = runner.invoke(args=["staff", "import", path])
    assert result.exit_code == 0, result.output
    assert find_by_staff_no("k1").roles == {Role.ADMIN, Role.TRAINER}
    created = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.USER_CREATED)).one()
    assert created.actor_id is None and created.ip == "cli"
    assert created.details["roles"] == ["admin", "trainer"]


def test_cli_reimport_updates_existing_staff(runner, org, tmp_path):
    path = write_csv(tmp_path / "roster.csv", "k1,张三,东站,一班,,,")
    assert runner.invoke(args=["staff", "import", path]).exit_code == 0
    path = write_csv(tmp_path / "roster.csv", "k1,张三,西站,二班,,,")
    result = runner.invoke(args=["staff", "import", path, "-v"])
    assert "Rows: 1 (0 new, 1 to update, 0 unchanged)" in result.stdout
    assert "Station, Team" in result.stdout
    db.session.expire_all()
    assert find_by_staff_no("k1").team.station.name == "西站"


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "roster.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(32), "roster.xlsx", "This is a PNG file"),
    ],
)
def test_cli_refuses_files_that_are_not_rosters(runner, org, tmp_path, content, name, expected):
    db.session.commit()
    before = snapshot()
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["staff", "import", str(path)])
    assert result.exit_code == 1
    assert expected in result.stderr
    db.session.rollback()
    assert snapshot() == before


def test_cli_refuses_a_file_larger_than_the_limit_before_reading_it(runner, org, tmp_path, monkeypatch):
    monkeypatch.setattr("app.core.spreadsheets.limits.MAX_FILE_BYTES", 100)
    path = write_csv(tmp_path / "roster.csv", *[f"k{i},张三,,,,," for i in range(20)])
    result = runner.invoke(args=["staff", "import", path])
    assert result.exit_code == 1
    assert "larger than" in result.stderr
