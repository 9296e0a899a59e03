"""The roster format's pure parts: headers, dates and roles (no app, no database)."""

from datetime import date

import pytest

from app.core.roles import Role
from app.org.roster.columns import match_header, parse_date, parse_roles


def test_chinese_and_english_headers_match_ignoring_case_and_spaces():
    header = (" 工号 ", "NAME", "Station", " team", "岗位", "Hire Date", "ROLES")
    mapping, issues = match_header(header)
    assert not issues
    assert mapping.indexes == {"staff_no": 0, "name": 1, "station": 2, "team": 3, "position": 4,
                               "hire_date": 5, "roles": 6}
    assert mapping.names["staff_no"] == "工号"


@pytest.mark.parametrize("alias", ["staff_no", "Staff Number", "employee_no", "ＳＴＡＦＦ＿ＮＯ"])
def test_staff_number_aliases(alias):
    mapping, issues = match_header((alias, "姓名"))
    assert not issues and mapping.indexes["staff_no"] == 0


def test_missing_required_column_is_named():
    _mapping, issues = match_header(("姓名", "收费站"))
    assert len(issues) == 1
    assert "工号" in str(issues[0]) and "staff_no" in str(issues[0])


def test_a_column_given_twice_is_an_error():
    _mapping, issues = match_header(("工号", "姓名", "staff number"))
    assert issues[0].column == "staff number"


def test_unknown_headers_are_listed_as_ignored():
    mapping, issues = match_header(("工号", "姓名", "备注", ""))
    assert not issues and mapping.ignored == ("备注",)


@pytest.mark.parametrize(
    "text",
    ["2024-03-01", "2024/3/1", "2024年3月1日", "2024 年 3 月 1 日", "20240301", "2024.3.1", "２０２４-０３-０１",
     "2024/3/1 0:00", "2024-03-01 00:00:00"],
)
def test_accepted_date_forms(text):
    assert parse_date(text) == date(2024, 3, 1)


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "3/1/2024", "45352", "昨天", "1850-01-01", "2024-03"])
def test_rejected_dates(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("收费员", {Role.COLLECTOR}),
        ("collector", {Role.COLLECTOR}),
        ("讲师", {Role.TRAINER}),
        ("主讲人员", {Role.TRAINER}),
        ("培训师；人事", {Role.TRAINER, Role.HR}),
        ("Trainer, HR", {Role.TRAINER, Role.HR}),
        ("管理员、收费员", {Role.ADMIN, Role.COLLECTOR}),
        ("admin  hr", {Role.ADMIN, Role.HR}),
        ("", set()),
    ],
)
def test_role_words_and_separators(text, roles):
    parsed, unknown = parse_roles(text)
    assert parsed == roles and unknown == []


def test_unknown_role_words_are_returned():
    assert parse_roles("收费员;站长") == ({Role.COLLECTOR}, ["站长"])
