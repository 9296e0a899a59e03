"""Who may see and change question banks: owners and administrators; another trainer gets 403, HR and
toll collectors never see a bank's contents (403 on every bank route)."""

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app.banks import permissions
from app.banks.drafts import Draft, QuestionType
from app.banks.models import Bank, Question
from app.banks.services import add_questions, create_bank
from app.core.clock import utcnow
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.uploads.services import keep_upload
from tests.core.test_route_permissions import Visitor
from tests.factories import make_user

NOW = datetime(2026, 3, 1, tzinfo=UTC)
BANK_FILE = "题型,题干,答案\n判断,收费员应当文明服务。,对\n".encode()


def person(*roles, active=True, user_id=1):
    return SimpleNamespace(id=user_id, is_authenticated=True, active=active,
                           has_role=lambda *wanted: bool(set(wanted) & set(roles)))


def test_the_rules_as_plain_functions():
    owner, other = person(Role.TRAINER, user_id=1), person(Role.TRAINER, user_id=2)
    admin, hr, collector = person(Role.ADMIN, user_id=3), person(Role.HR, user_id=4), person(Role.COLLECTOR, user_id=5)
    bank = SimpleNamespace(owners=[owner])
    assert permissions.can_manage_bank(owner, bank) and permissions.can_manage_bank(admin, bank)
    assert not any(permissions.can_manage_bank(p, bank) for p in (other, hr, collector))
    assert not permissions.can_manage_bank(person(Role.TRAINER, active=False, user_id=1), bank)
    # An owner who lost the trainer role (now HR only) no longer sees the keys.
    assert not permissions.can_manage_bank(person(Role.HR, user_id=1), bank)
    assert permissions.can_create_bank(other) and permissions.can_create_bank(admin)
    assert not permissions.can_create_bank(hr) and not permissions.can_create_bank(collector)
    assert permissions.can_assign_owners(admin) and not permissions.can_assign_owners(owner)
    assert permissions.can_see_image(owner, [SimpleNamespace(owners=[]), bank])
    assert not permissions.can_see_image(other, [bank])
    assert not permissions.can_use_banks(SimpleNamespace(is_authenticated=False))


@pytest.fixture
def world(users):
    """A bank owned by trainer01 with one question, a second trainer, and pending uploads."""
    ensure_courses()
    bank = create_bank(users[Role.TRAINER], find_course("law"), "法规题库", now=NOW, ip="t")
    question = add_questions(users[Role.TRAINER], bank, [
        Draft(type=QuestionType.FILL_BLANK, stem="限速____公里/小时。", blanks=[["一百二十公里"]]),
    ], now=NOW)[0]
    other = make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    return SimpleNamespace(bank=bank, question=question, other=other)


def routes(world) -> list[tuple[str, str, dict]]:
    b, q = world.bank.id, world.question.id
    return [
        ("GET", f"/banks/{b}", {}),
        ("GET", f"/banks/{b}/edit", {}),
        ("POST", f"/banks/{b}/edit", {"name": "改名", "description": ""}),
        ("GET", f"/banks/{b}/owners", {}),
        ("POST", f"/banks/{b}/bulk", {"ids": [str(q)], "action": "retire"}),
        ("GET", f"/banks/{b}/questions/new", {}),
        ("POST", f"/banks/{b}/questions/new", {"type": "true_false", "stem": "新题", "answer": "对"}),
        ("GET", f"/banks/questions/{q}", {}),
        ("GET", f"/banks/questions/{q}/versions/1", {}),
        ("GET", f"/banks/questions/{q}/edit", {}),
        ("POST", f"/banks/questions/{q}/edit", {"type": "fill_blank", "stem": "限速____。", "answer": "1"}),
        ("GET", f"/banks/questions/{q}/preview", {}),
        ("POST", f"/banks/questions/{q}/retire", {}),
        ("POST", f"/banks/questions/{q}/restore", {}),
        ("GET", f"/banks/{b}/export", {}),
        ("GET", f"/banks/{b}/export/csv", {}),
        ("GET", f"/banks/{b}/export/xlsx", {}),
        ("GET", f"/banks/{b}/export/gift", {}),
    ]


def _unchanged(world) -> bool:
    db.session.expire_all()
    bank = db.session.get(Bank, world.bank.id)
    question = db.session.get(Question, world.question.id)
    count = db.session.scalar(db.select(db.func.count(Question.id)))
    return (bank.name, question.status, len(question.versions), count) == ("法规题库", "active", 1, 1)


@pytest.mark.parametrize("who", ["other trainer", Role.HR, Role.COLLECTOR])
def test_only_owners_and_administrators_reach_a_bank(app, users, world, who):
    user = world.other if who == "other trainer" else users[who]
    visitor = Visitor(app, user)
    problems = []
    for method, url, data in routes(world):
        status = visitor.open(method, url, data=data).status_code
        if status != 403:
            problems.append(f"{method} {url}: {status}")
    assert not problems, "\n".join(problems)
    assert _unchanged(world)
    page = visitor.open("GET", "/banks")
    assert page.status_code == (200 if who == "other trainer" else 403)
    if who == "other trainer":
        assert "法规题库" not in page.get_data(as_text=True)


def test_the_owner_reaches_every_route_except_choosing_owners(app, users, world):
    visitor = Visitor(app, users[Role.TRAINER])
    for method, url, data in routes(world):
        status = visitor.open(method, url, data=data).status_code
        expected = 403 if url.endswith("/owners") else (200, 302)
        assert status == expected if expected == 403 else status in expected, f"{method} {url}: {status}"


def test_administrators_reach_every_route(app, users, world):
    visitor = Visitor(app, users[Role.ADMIN])
    for method, url, data in routes(world):
        status = visitor.open(method, url, data=data).status_code
        assert status in (200, 302), f"{method} {url}: {status}"


def test_missing_objects_are_404_for_those_who_may_use_banks(app, users, world):
    visitor = Visitor(app, users[Role.TRAINER])
    for url in ("/banks/999999", "/banks/questions/999999", f"/banks/questions/{world.question.id}/versions/9",
                "/banks/999999/export/csv", "/banks/images/" + "a" * 64):
        assert visitor.open("GET", url).status_code == 404, url


def test_hr_and_collectors_cannot_import_or_create_banks(app, users, world):
    for role in (Role.HR, Role.COLLECTOR):
        visitor = Visitor(app, users[role])
        assert visitor.open("GET", "/banks/import").status_code == 403
        assert visitor.open("POST", "/banks/import", data={"file": (io.BytesIO(BANK_FILE), "b.csv"),
                                                           "course": "law", "new_bank": "x"}).status_code == 403
        assert visitor.open("POST", "/banks/new", data={"course": "law", "name": "x"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Bank.id))) == 1


def test_an_upload_for_a_bank_the_user_no_longer_manages_is_refused_at_confirmation(app, users, world):
    token = keep_upload(BANK_FILE, kind="bank", filename="b.csv", options={"bank_id": world.bank.id,
                                                                            "format": "auto"},
                        owner=world.other, now=utcnow())
    db.session.commit()
    visitor = Visitor(app, world.other)
    assert visitor.open("GET", f"/banks/import/{token}").status_code == 403
    assert visitor.open("POST", f"/banks/import/{token}").status_code == 403
    assert _unchanged(world)
