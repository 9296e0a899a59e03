"""A bank's keys and explanations on the bank routes: its owner and administrators read them; another
trainer, HR and collectors get nothing of them (docs/security-keys.md). Exam and practice routes:
tests/exams/test_key_routes.py.

Each route is first shown to reveal the secrets of tests.key_secrets to the owner, so the search for them
in an outsider's response can fail.
"""

import io
from types import SimpleNamespace

import pytest

from app.banks.permissions import can_see_keys
from app.core.roles import Role
from app.extensions import db
from tests.core.test_route_permissions import Visitor
from tests.factories import make_user
from tests.key_secrets import leaks, make_secret_bank

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def world(users):
    bank, questions = make_secret_bank(users[Role.TRAINER])
    other = make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    return SimpleNamespace(bank=bank, questions=questions, other=other)


def key_routes(world) -> dict[str, str]:
    b, single, fill, short = (world.bank.id, world.questions["single"].id, world.questions["fill_blank"].id,
                              world.questions["short_answer"].id)
    return {
        "question page": f"/banks/questions/{short}",
        "a version of a question": f"/banks/questions/{fill}/versions/1",
        "editing a question": f"/banks/questions/{fill}/edit",
        "editing a choice question": f"/banks/questions/{single}/edit",
        "CSV export": f"/banks/{b}/export/csv",
        "XLSX export": f"/banks/{b}/export/xlsx",
        "GIFT export": f"/banks/{b}/export/gift",
    }


def test_who_may_see_a_banks_keys(users, world):
    assert can_see_keys(users[Role.TRAINER], world.bank) and can_see_keys(users[Role.ADMIN], world.bank)
    assert not any(can_see_keys(user, world.bank) for user in (world.other, users[Role.HR], users[Role.COLLECTOR]))


@pytest.mark.parametrize("reader", [Role.TRAINER, Role.ADMIN])
def test_the_owner_and_an_administrator_read_the_keys_on_every_key_route(app, users, world, reader):
    visitor = Visitor(app, users[reader])
    for route, url in key_routes(world).items():
        response = visitor.open("GET", url)
        assert response.status_code == 200 and leaks(response), route


@pytest.mark.parametrize("who", ["other trainer", Role.HR, Role.COLLECTOR])
def test_nobody_else_sees_a_key_on_a_bank_route(app, users, world, who):
    visitor = Visitor(app, world.other if who == "other trainer" else users[who])
    for route, url in key_routes(world).items():
        response = visitor.open("GET", url)
        assert response.status_code == 403 and leaks(response, markup=True) == [], route


def test_the_candidate_preview_shows_even_the_owner_no_key(app, users, world):
    visitor = Visitor(app, users[Role.TRAINER])
    for question in world.questions.values():
        response = visitor.open("GET", f"/banks/questions/{question.id}/preview")
        assert response.status_code == 200 and leaks(response, markup=True) == []


def test_importing_a_question_another_trainers_bank_holds_shows_none_of_its_key(app, world):
    """The import preview may say a question is already in the course; it never shows that bank's key."""
    single = world.questions["single"].current
    file = (f"题型,题干,选项A,选项B,答案,解析\n单选,{single.stem},{single.options[0]},{single.options[1]},B,我的解析\n"
            "判断,收费亭内可以吸烟,,,对,\n")
    visitor = Visitor(app, world.other)
    response = visitor.open("POST", "/banks/import", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(file.encode()), "mine.csv"), "course": "law",
                                  "new_bank": "乙的题库", "text_format": "auto"}, follow_redirects=True)
    assert response.status_code == 200 and "Import preview" in response.get_data(as_text=True)
    assert leaks(response, markup=True) == []
