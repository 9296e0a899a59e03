"""A blueprint draws only from banks whose keys its editor may see, and a sample paper shows a key only to
those who may see it (app.banks.permissions.can_see_keys, app.exams.permissions.blueprint_access).

The world: trainer01 owns the bank 甲的题库 (tests.key_secrets: explanations 解析KX…, a fill-in answer
答案KB2, a reference 参考KR3); trainer02 owns 乙的题库 (plain factory questions) in the same course. Each has
an exam of their own; a third exam over 甲的题库 is co-owned by both.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.core.roles import Role
from app.exams.models import Exam
from app.exams.permissions import blueprint_access, draw_of
from app.exams.services import RuleData
from app.extensions import db
from tests import factories
from tests.exams.test_manage_pages import rule_row
from tests.key_secrets import leaks, make_secret_bank

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

TYPES = ("single", "multiple", "true_false", "fill_blank", "short_answer")
REFUSED_BANK = "choose one of the banks listed; you may draw only from banks of this course whose keys you may see"
REFUSED_FIXED = "Not a question of this course from a bank you may use"


@pytest.fixture
def world(users):
    owner = users[Role.TRAINER]
    bank, questions = make_secret_bank(owner, "甲的题库")
    other = factories.make_user("trainer02", roles=[Role.TRAINER], name="乙讲师")
    other_bank = factories.make_exam_bank(other, per_type=1).bank
    other_bank.name = "乙的题库"
    every_type = [RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in TYPES]
    owners_exam = factories.make_exam(owner, bank, rules=every_type, status="draft", title="甲的考试")
    others_exam = factories.make_exam(other, other_bank, status="draft", title="乙的考试",
                                      rules=[RuleData(count=1, bank_id=other_bank.id, type="single")])
    shared = factories.make_exam(owner, bank, rules=every_type, status="draft", title="合办考试")
    shared.owners.append(other)
    db.session.commit()
    return SimpleNamespace(owner=owner, bank=bank, questions=questions, other=other, other_bank=other_bank,
                           owners_exam=owners_exam, others_exam=others_exam, shared=shared)


def bank_options(body: str) -> set[str]:
    """The bank names the rule rows offer (the first row's select)."""
    start = body.index('name="rules-0-bank"')
    select_html = body[start:body.index("</select>", start)]
    return {name for name in ("甲的题库", "乙的题库", "Every bank of the course") if name in select_html}


def rules_of(exam_id: int) -> list[tuple]:
    db.session.expire_all()
    exam = db.session.get(Exam, exam_id)
    return [draw_of(rule) for rule in exam.rules], [fixed.question_id for fixed in exam.fixed]


def blueprint_events() -> int:
    return db.session.scalar(select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "exam.blueprint_changed"))


# --- The rule as plain functions --------------------------------------------------------------------

def _person(user_id, *roles):
    return SimpleNamespace(id=user_id, is_authenticated=True, active=True,
                           has_role=lambda *wanted: bool(set(wanted) & set(roles)))


def test_the_rule_as_plain_functions():
    owner, other, admin = _person(1, Role.TRAINER), _person(2, Role.TRAINER), _person(3, Role.ADMIN)
    mine, theirs = SimpleNamespace(id=10, owners=[owner]), SimpleNamespace(id=11, owners=[other])
    kept = SimpleNamespace(bank_id=10, type="single", topic_ids=[], difficulty_min=1, difficulty_max=5, count=2)
    exam = SimpleNamespace(rules=[SimpleNamespace(bank=mine, **vars(kept))], fixed=[SimpleNamespace(question_id=7)])

    access = blueprint_access(other, exam, [mine, theirs])
    assert access.offered == (mine, theirs) and access.usable == {11} and not access.whole_course
    assert access.may_draw(11) and not access.may_draw(10) and not access.may_draw(None)
    assert access.offers(10) and not access.offers(None)
    same, changed = SimpleNamespace(**vars(kept)), SimpleNamespace(**{**vars(kept), "count": 3})
    own_rule = SimpleNamespace(**{**vars(kept), "bank_id": 11})
    assert access.refused_rules([same, own_rule]) == []
    assert access.refused_rules([changed]) == [0]
    assert access.refused_rules([same, same]) == [1]  # a kept rule cannot be doubled
    assert access.may_fix(SimpleNamespace(id=7, bank_id=10))  # already fixed: kept
    assert not access.may_fix(SimpleNamespace(id=8, bank_id=10))
    assert access.may_fix(SimpleNamespace(id=9, bank_id=11))

    assert blueprint_access(owner, SimpleNamespace(rules=[], fixed=[]), [mine]).whole_course
    everything = blueprint_access(admin, SimpleNamespace(rules=[], fixed=[]), [mine, theirs])
    assert everything.whole_course and everything.usable == {10, 11}
    assert not blueprint_access(admin, SimpleNamespace(rules=[], fixed=[]), []).whole_course


# --- The form offers, the server accepts ------------------------------------------------------------

def test_the_blueprint_offers_only_the_banks_the_trainer_may_use(client, login, users, world):
    login(world.other)
    assert bank_options(client.get(f"/exams/{world.others_exam.id}/blueprint").get_data(as_text=True)) == {"乙的题库"}
    client.post("/logout")
    login(world.owner)
    assert bank_options(client.get(f"/exams/{world.owners_exam.id}/blueprint").get_data(as_text=True)) == {"甲的题库"}
    client.post("/logout")
    login(users[Role.ADMIN])
    body = client.get(f"/exams/{world.others_exam.id}/blueprint").get_data(as_text=True)
    assert bank_options(body) == {"甲的题库", "乙的题库", "Every bank of the course"}


def test_a_trainer_who_owns_no_bank_of_the_course_is_told_so(client, login, world):
    stranger = factories.make_user("trainer03", roles=[Role.TRAINER])
    exam = factories.make_exam(stranger, world.other_bank, status="draft", rules=[])
    db.session.commit()
    login(stranger)
    body = client.get(f"/exams/{exam.id}/blueprint").get_data(as_text=True)
    assert 'id="no-usable-banks"' in body and bank_options(body) == set()


@pytest.mark.parametrize("bank", ["theirs", "every bank"])
def test_a_rule_on_a_bank_the_trainer_may_not_use_is_refused_and_nothing_is_saved(client, login, world, bank):
    before, events = rules_of(world.others_exam.id), blueprint_events()
    login(world.other)
    chosen = str(world.bank.id) if bank == "theirs" else ""
    response = client.post(f"/exams/{world.others_exam.id}/blueprint",
                           data={**rule_row(0, bank=chosen, type="single", count="1"), "fixed": ""})
    assert response.status_code == 200
    assert "Rule 1: " + REFUSED_BANK in response.get_data(as_text=True)
    assert rules_of(world.others_exam.id) == before and blueprint_events() == events


def test_a_fixed_question_of_a_bank_the_trainer_may_not_use_is_refused_and_named(client, login, world):
    before = rules_of(world.others_exam.id)
    secret = world.questions["short_answer"].id
    login(world.other)
    body = client.post(f"/exams/{world.others_exam.id}/blueprint",
                       data={**rule_row(0, bank=str(world.other_bank.id), count="1"),
                             "fixed": f"{secret}:5"}).get_data(as_text=True)
    assert REFUSED_FIXED in body and f"{secret}:5" in body and "is-invalid" in body
    assert rules_of(world.others_exam.id) == before


def test_the_pool_feedback_answers_only_for_banks_the_trainer_may_use(client, login, world):
    login(world.other)
    url = f"/exams/{world.others_exam.id}/pool"
    assert client.get(f"{url}?bank={world.other_bank.id}&count=1").get_json()["size"] == 5
    for query in (f"bank={world.bank.id}&count=1", "count=1"):  # another trainer's bank, every bank
        response = client.get(f"{url}?{query}", headers={"Accept": "application/json"})
        assert response.status_code == 403 and "size" not in response.get_json()


def test_an_administrator_may_draw_from_every_bank(client, login, users, world):
    login(users[Role.ADMIN])
    secret = world.questions["single"].id
    data = {**rule_row(0, bank=str(world.bank.id), type="single", count="1"),
            **rule_row(1, bank=str(world.other_bank.id), type="single", count="1"),
            **rule_row(2, type="true_false", count="1"), "fixed": str(secret)}
    assert client.post(f"/exams/{world.others_exam.id}/blueprint", data=data).status_code == 302
    draws, fixed = rules_of(world.others_exam.id)
    assert [draw[0] for draw in draws] == [world.bank.id, world.other_bank.id, None] and fixed == [secret]


# --- A co-owned exam ------------------------------------------------------------------------------------

def _saved_rows(exam, changes: dict[int, dict] | None = None) -> dict:
    """The exam's saved rules as form rows, with `changes` ({row: {field: value}}) applied."""
    data = {"fixed": ""}
    for index, rule in enumerate(exam.rules):
        values = {"bank": str(rule.bank_id or ""), "type": rule.type or "", "count": str(rule.count),
                  "difficulty_min": str(rule.difficulty_min), "difficulty_max": str(rule.difficulty_max),
                  "points_each": str(rule.points_each or "")}
        values.update((changes or {}).get(index, {}))
        data.update(rule_row(index, **values))
    return data


def test_a_co_owner_keeps_the_other_owners_rules_but_cannot_change_or_double_them(client, login, world):
    exam = world.shared
    before = rules_of(exam.id)
    login(world.other)
    page = client.get(f"/exams/{exam.id}/blueprint").get_data(as_text=True)
    assert bank_options(page) == {"甲的题库", "乙的题库"}  # 甲的题库 only because the saved rules use it

    changed = client.post(f"/exams/{exam.id}/blueprint", data=_saved_rows(exam, {0: {"count": "2"}}))
    assert "Rule 1 draws from 甲的题库, whose keys only its owners and administrators see" in changed.get_data(
        as_text=True)
    doubled = client.post(f"/exams/{exam.id}/blueprint", data=_saved_rows(exam) | rule_row(
        5, bank=str(world.bank.id), type="single", count="1", points_each="2"))
    assert "Rule 6 draws from 甲的题库" in doubled.get_data(as_text=True)
    assert rules_of(exam.id) == before

    # Kept as saved (new points are the exam's business), plus a rule on the co-owner's own bank: saved.
    kept = _saved_rows(exam, {0: {"points_each": "3"}}) | rule_row(5, bank=str(world.other_bank.id), count="1")
    assert client.post(f"/exams/{exam.id}/blueprint", data=kept).status_code == 302
    draws, _fixed = rules_of(exam.id)
    assert draws[:5] == before[0] and draws[5][0] == world.other_bank.id


def test_the_bank_owner_changes_a_co_owned_exams_rules_freely(client, login, world):
    login(world.owner)
    data = _saved_rows(world.shared, {0: {"type": "multiple"}})
    assert client.post(f"/exams/{world.shared.id}/blueprint", data=data).status_code == 302
    assert rules_of(world.shared.id)[0][0][1] == "multiple"


# --- The sample paper ----------------------------------------------------------------------------------

def test_the_sample_paper_shows_keys_to_the_bank_owner_and_an_administrator(client, login, users, world):
    for viewer in (world.owner, users[Role.ADMIN]):
        login(viewer)
        body = client.get(f"/exams/{world.shared.id}/preview?seed=3").get_data(as_text=True)
        assert set(leaks(body)) == {"解析KX", "答案KB", "参考KR"}, viewer.staff_no
        assert body.count("answer-key") == 5
        client.post("/logout")


def test_the_sample_paper_hides_keys_from_a_co_owner_who_may_not_see_them(client, login, world):
    login(world.other)
    body = client.get(f"/exams/{world.shared.id}/preview?seed=3").get_data(as_text=True)
    assert "密题1" in body and "密题5" in body  # the questions, as candidates will see them
    assert leaks(body, markup=True) == []
    assert body.count("sample-key-hidden") == 5 and "甲的题库" in body
