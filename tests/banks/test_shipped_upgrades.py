"""A newer release of a shipped bank file (app.banks.shipped): questions still as the loader wrote them follow
the file (new versions, new questions, retirements); what a trainer edited, retired or restored stays as they
left it and is reported; a second load changes nothing."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.actors import SYSTEM
from app.audit.models import AuditEvent
from app.banks.importing import import_bank, read_bank_file
from app.banks.models import Bank, Question, QuestionVersion
from app.banks.services import create_bank, draft_of, revise_question, set_status
from app.banks.shipped import load_shipped_bank
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
HEADER = "编号,题型,题干,选项A,选项B,选项C,选项D,答案,分值,难度,知识点,解析,出处"
RELEASE_1 = (
    "x-0001,单选,《收费公路管理条例》自何时起施行？,2004年11月1日,2004年9月13日,2005年1月1日,2004年8月18日,A,2,2,法规概况,第六十条。,第60条",
    "x-0002,判断,收费员可以私自收取现金而不出具票据。,,,,,错,1,1,廉洁自律,收费须开票。,",
    "x-0003,判断,收费员应当佩戴工号牌上岗。,,,,,对,1,1,仪容仪表,便于监督。,",
    "x-0004,填空,鲜活农产品运输车辆享受____政策。,,,,,绿色通道,2,2,绿色通道,,",
    "x-0005,判断,收费站可以不公示收费标准。,,,,,错,1,1,收费公示,第二十七条。,第27条",
    "x-0006,判断,车型按车辆的实际质量判别。,,,,,错,1,2,车型判别,按核定。,",
)
RELEASE_2 = (
    RELEASE_1[0],
    RELEASE_1[1].replace("收费须开票。", "收费必须开具票据，私收即贪占。"),
    RELEASE_1[2].replace("便于监督。", "便于司机监督。"),
    RELEASE_1[3].replace(",绿色通道,2,", ",绿色通道|绿色通道政策,2,"),
    # x-0005 and x-0006 are gone from the newer release
    "x-0007,判断,收费员应当唱收唱付。,,,,,对,1,1,服务流程,当面点清。,",
    RELEASE_1[0].replace("x-0001", "x-0008"),  # a mistake in the release: x-0001 again under another ID
)


@pytest.fixture
def law(app):
    ensure_courses()
    db.session.commit()
    return find_course("law")


def _release(tmp_path, rows, name="law.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _question(external_id: str) -> Question:
    return next(question for question in db.session.scalars(db.select(Question)) if question.external_id == external_id)


def _load(law, path, trainer, when=NOW):
    report = load_shipped_bank(law, path, "法规题库", owner=trainer, now=when, ip="demo")
    db.session.commit()
    return report


def _state() -> dict:
    return {question.external_id: (question.status, question.current_version_id)
            for question in db.session.scalars(db.select(Question))}


def test_a_newer_release_updates_adds_and_retires_what_nobody_changed_and_keeps_the_rest(law, users, tmp_path):
    trainer = users[Role.TRAINER]
    first = _load(law, _release(tmp_path, RELEASE_1), trainer)
    assert (first.created, first.added, first.updated, first.retired, first.kept) == (True, 6, 0, 0, [])
    bank = db.session.scalars(db.select(Bank)).one()
    assert [owner.staff_no for owner in bank.owners] == ["trainer01"]
    assert all(version.shipped for version in db.session.scalars(db.select(QuestionVersion)))

    edited, retired, restored = _question("x-0002"), _question("x-0003"), _question("x-0006")
    mine = revise_question(trainer, edited, replace(draft_of(edited.current), explanation="本站的说法。"),
                           now=NOW, ip="t")
    set_status(trainer, retired, "retired", now=NOW, ip="t")
    set_status(trainer, restored, "retired", now=NOW, ip="t")
    set_status(trainer, restored, "active", now=NOW, ip="t")  # a trainer's decision the loader must respect
    db.session.commit()
    before = {question.id: question.current_version_id for question in db.session.scalars(db.select(Question))}

    second = _load(law, _release(tmp_path, RELEASE_2), trainer, NOW + timedelta(days=30))
    assert (second.created, second.added, second.updated, second.retired, second.skipped) == (False, 1, 1, 1,
                                                                                               ["x-0008"])
    assert sorted(second.kept) == sorted([f"x-0002 (#{edited.id})", f"x-0003 (#{retired.id})",
                                          f"x-0006 (#{restored.id})"])
    updated = _question("x-0004")
    assert updated.current.number == 2 and updated.current.shipped
    assert updated.current.key == {"blanks": [["绿色通道", "绿色通道政策"]]}
    assert (edited.current_version_id, edited.current.explanation, edited.current.shipped) == (mine.id, "本站的说法。",
                                                                                               False)
    assert retired.status == "retired" and retired.current_version_id == before[retired.id]
    assert restored.status == "active"
    assert _question("x-0005").status == "retired"
    assert _question("x-0007").current.shipped
    assert _question("x-0001").current_version_id == before[_question("x-0001").id]
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 7  # nothing deleted

    state, events = _state(), db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    third = _load(law, _release(tmp_path, RELEASE_2), trainer, NOW + timedelta(days=31))
    assert (third.added, third.updated, third.retired, third.skipped) == (0, 0, 0, ["x-0008"])
    assert len(third.kept) == 3
    assert _state() == state and db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events


def test_questions_a_trainer_added_to_the_shipped_bank_are_left_alone(law, users, tmp_path):
    trainer = users[Role.TRAINER]
    _load(law, _release(tmp_path, RELEASE_1), trainer)
    bank = db.session.scalars(db.select(Bank)).one()
    own = import_bank(trainer, law, bank.name, read_bank_file(
        (HEADER + "\nmine-1,判断,本站实行AB岗制度。,,,,,对,1,1,岗位职责,,\n").encode(), "mine.csv"), now=NOW, ip="t")
    assert own.created == 1
    db.session.commit()

    report = _load(law, _release(tmp_path, RELEASE_2), trainer, NOW + timedelta(days=30))
    assert report.retired == 2 and report.kept == []
    assert _question("mine-1").status == "active" and not _question("mine-1").current.shipped


def test_a_bank_of_that_name_the_loader_did_not_write_is_left_alone(law, users, tmp_path):
    create_bank(SYSTEM, law, "法规题库", now=NOW, ip="t")
    db.session.commit()
    report = _load(law, _release(tmp_path, RELEASE_1), users[Role.TRAINER])
    assert report.left_alone and report.added == 0
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_the_bank_is_found_by_its_ids_after_a_trainer_renamed_it(law, users, tmp_path):
    from app.banks.editing import update_bank

    trainer = users[Role.TRAINER]
    _load(law, _release(tmp_path, RELEASE_1), trainer)
    bank = db.session.scalars(db.select(Bank)).one()
    update_bank(trainer, bank, "本站法规题库", "", now=NOW, ip="t")
    db.session.commit()

    report = _load(law, _release(tmp_path, RELEASE_2), trainer, NOW + timedelta(days=30))
    assert (report.bank_name, report.added, report.updated) == ("本站法规题库", 1, 3)
    assert db.session.scalar(db.select(db.func.count(Bank.id))) == 1
