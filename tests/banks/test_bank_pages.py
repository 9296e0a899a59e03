"""The bank pages: banks per course, creating and editing a bank, owners, the question browser's filters,
search and pages, bulk actions, and importing a file from the web (upload → preview → confirm)."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.drafts import Draft, QuestionType
from app.banks.models import Bank, Question
from app.banks.services import add_questions, create_bank
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.uploads.models import PendingUpload
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LAW = Path(__file__).resolve().parents[2] / "question_banks" / "law" / "law.csv"
HEADER = "题型,题干,选项A,选项B,选项C,答案,分值,难度,知识点"


def make_bank(owner, name="法规题库", course="law") -> Bank:
    ensure_courses()
    bank = create_bank(owner, find_course(course), name, now=NOW, ip="t")
    db.session.commit()
    return bank


def draft(stem, kind=QuestionType.TRUE_FALSE, difficulty=3, topics=(), **fields) -> Draft:
    if kind is QuestionType.TRUE_FALSE:
        fields.setdefault("truth", True)
    return Draft(type=kind, stem=stem, difficulty=difficulty, topics=list(topics), **fields)


def fill(owner, bank, drafts) -> list[Question]:
    questions = add_questions(owner, bank, drafts, now=NOW)
    db.session.commit()
    return questions


def listed_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def trainer(client, login, users):
    login(users[Role.TRAINER])
    return users[Role.TRAINER]


# --- Banks --------------------------------------------------------------------------------------

def test_the_index_lists_the_four_courses_and_the_trainers_own_banks_with_counts(client, trainer, users):
    mine = make_bank(trainer)
    questions = fill(trainer, mine, [draft("一"), draft("二"), draft("三")])
    questions[0].status = "retired"
    other = make_user("trainer02", roles=[Role.TRAINER])
    make_bank(other, "别人的题库", "etiquette")
    page = client.get("/banks").get_data(as_text=True)
    for name in ("Laws and regulations", "Integrity and professional ethics",
                 "Service norms, etiquette, Youth Civilization Post",
                 "Management rules, toll procedures, counterfeit detection"):
        assert name in page
    assert "法规题库" in page and "别人的题库" not in page
    row = page[page.index(f'href="/banks/{mine.id}"'):]
    assert re.search(r'<td class="text-end">2</td>\s*<td class="text-end">1</td>', row)


def test_administrators_see_every_bank(client, login, users):
    make_bank(users[Role.TRAINER], "甲题库")
    make_bank(make_user("trainer02", roles=[Role.TRAINER]), "乙题库", "integrity")
    login(users[Role.ADMIN])
    page = client.get("/banks").get_data(as_text=True)
    assert "甲题库" in page and "乙题库" in page


def test_a_trainer_creates_a_bank_and_owns_it(client, trainer):
    response = client.post("/banks/new", data={"course": "procedures", "name": " 假钞识别 ", "description": "人民币"})
    bank = db.session.scalar(db.select(Bank))
    assert response.headers["Location"] == f"/banks/{bank.id}"
    assert (bank.name, bank.course.code, bank.description) == ("假钞识别", "procedures", "人民币")
    assert [owner.id for owner in bank.owners] == [trainer.id]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_CREATED))
    again = client.post("/banks/new", data={"course": "procedures", "name": "假钞识别"})
    assert "already has a bank named 假钞识别" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Bank.id))) == 1


def test_the_new_bank_form_preselects_the_course_it_came_from(client, trainer):
    page = client.get("/banks/new?course=etiquette").get_data(as_text=True)
    assert re.search(r'<option selected value="etiquette">|<option value="etiquette" selected>', page)


def test_renaming_a_bank_is_audited_and_unchanged_saves_say_so(client, trainer):
    bank = make_bank(trainer)
    client.post(f"/banks/{bank.id}/edit", data={"name": "法规新题库", "description": "说明"})
    assert db.session.get(Bank, bank.id).name == "法规新题库"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_UPDATED))
    assert event.details == {"name": ["法规题库", "法规新题库"], "description": True}
    response = client.post(f"/banks/{bank.id}/edit", data={"name": "法规新题库", "description": "说明"},
                           follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)


def test_an_administrator_assigns_owners_and_the_new_owner_can_open_the_bank(app, client, login, users):
    bank = make_bank(users[Role.TRAINER])
    second = make_user("trainer02", roles=[Role.TRAINER], name="第二讲师")
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"staff_no": second.staff_no, "password": PASSWORD})
    assert other.get(f"/banks/{bank.id}").status_code == 403
    login(users[Role.ADMIN])
    page = client.get(f"/banks/{bank.id}/owners").get_data(as_text=True)
    assert "第二讲师 (trainer02)" in page and "人事" not in page  # only trainers can own banks
    client.post(f"/banks/{bank.id}/owners", data={"owners": [str(users[Role.TRAINER].id), str(second.id)]})
    assert sorted(o.staff_no for o in db.session.get(Bank, bank.id).owners) == ["trainer01", "trainer02"]
    assert other.get(f"/banks/{bank.id}").status_code == 200
    refused = client.post(f"/banks/{bank.id}/owners", data={"owners": [str(users[Role.HR].id)]})
    assert refused.status_code == 200 and "not a valid choice" in refused.get_data(as_text=True)
    assert len(db.session.get(Bank, bank.id).owners) == 2


# --- The question browser -----------------------------------------------------------------------

@pytest.fixture
def browsed(trainer):
    bank = make_bank(trainer)
    questions = fill(trainer, bank, [
        draft("收费站应公示收费标准", difficulty=1, topics=["公示"]),
        draft("100%的车辆应当缴费", difficulty=2, topics=["缴费"]),
        draft("车道_编号规则", difficulty=2),
        draft("简述绿色通道", kind=QuestionType.SHORT_ANSWER, reference="免费", difficulty=5, topics=["公示"]),
        draft("Markdown **粗体** <b>标签</b>", kind=QuestionType.SINGLE, options=["甲", "乙"], correct={0},
              points=Decimal("2.5")),
    ])
    questions[2].status = "retired"
    db.session.commit()
    return bank, questions


def test_the_browser_filters_by_type_difficulty_topic_and_status(client, browsed):
    bank, q = browsed
    url = f"/banks/{bank.id}"
    assert listed_ids(client.get(url)) == [q[0].id, q[1].id, q[3].id, q[4].id]  # active by default
    assert listed_ids(client.get(url + "?status=retired")) == [q[2].id]
    assert listed_ids(client.get(url + "?status=all")) == [x.id for x in q]
    assert listed_ids(client.get(url + "?type=short_answer")) == [q[3].id]
    assert listed_ids(client.get(url + "?difficulty=2&status=all")) == [q[1].id, q[2].id]
    topic = next(t for t in q[0].topics if t.name == "公示")
    assert listed_ids(client.get(url + f"?topic={topic.id}")) == [q[0].id, q[3].id]
    assert listed_ids(client.get(url + "?difficulty=9&topic=abc&status=bogus&type=essay")) == listed_ids(
        client.get(url))  # bad values are ignored


def test_search_matches_the_current_stem_with_percent_and_underscore_taken_literally(client, browsed):
    bank, q = browsed
    url = f"/banks/{bank.id}?status=all&q="
    assert listed_ids(client.get(url + "100%25")) == [q[1].id]
    assert listed_ids(client.get(url + "%25")) == [q[1].id]
    assert listed_ids(client.get(url + "_")) == [q[2].id]
    assert listed_ids(client.get(url + "markdown")) == [q[4].id]  # case-insensitive
    assert listed_ids(client.get(url + "收费站")) == [q[0].id]


def test_the_list_shows_the_stem_as_escaped_plain_text_with_its_details(client, browsed):
    bank, q = browsed
    page = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert "Markdown **粗体** &lt;b&gt;标签&lt;/b&gt;" in page and "<strong>" not in page
    row = page[page.index(f'id="pick-{q[4].id}"'):]
    row = row[:row.index("</tr>")]
    assert "Single choice" in row and "2.5" in row and "v1" in row and "Active" in row


def test_the_browser_shows_50_questions_a_page(client, trainer):
    bank = make_bank(trainer)
    fill(trainer, bank, [draft(f"判断题{n:03d}") for n in range(120)])
    first = client.get(f"/banks/{bank.id}")
    assert len(listed_ids(first)) == 50 and "120 questions found." in first.get_data(as_text=True)
    assert f'href="/banks/{bank.id}?page=2&amp;status=active"' in first.get_data(as_text=True)
    assert len(listed_ids(client.get(f"/banks/{bank.id}?page=3"))) == 20
    assert listed_ids(client.get(f"/banks/{bank.id}?page=9")) == []


# --- Bulk actions -------------------------------------------------------------------------------

def test_bulk_add_topic_retire_and_restore(client, browsed):
    bank, q = browsed
    ids = [str(q[0].id), str(q[1].id)]
    back = f"/banks/{bank.id}?type=true_false"
    response = client.post(f"/banks/{bank.id}/bulk", data={"ids": ids, "action": "add_topic", "topic": "新知识点",
                                                            "back": back})
    assert response.headers["Location"] == back
    assert all("新知识点" in [t.name for t in db.session.get(Question, int(i)).topics] for i in ids)
    client.post(f"/banks/{bank.id}/bulk", data={"ids": ids, "action": "retire"})
    assert {db.session.get(Question, int(i)).status for i in ids} == {"retired"}
    client.post(f"/banks/{bank.id}/bulk", data={"ids": ids + [str(q[2].id)], "action": "restore"})
    assert {db.session.get(Question, x.id).status for x in q[:3]} == {"active"}
    retired = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.QUESTION_RETIRED)).all()
    assert len(retired) == 2


def test_bulk_actions_never_touch_questions_of_another_bank(client, browsed, users):
    bank, q = browsed
    other_bank = make_bank(users[Role.TRAINER], "第二题库")
    foreign = fill(users[Role.TRAINER], other_bank, [draft("别的题库的题")])[0]
    response = client.post(f"/banks/{bank.id}/bulk", data={"ids": [str(foreign.id)], "action": "retire"},
                           follow_redirects=True)
    assert "Select at least one question." in response.get_data(as_text=True)
    assert db.session.get(Question, foreign.id).status == "active"


def test_bulk_add_topic_needs_a_topic_and_a_selection(client, browsed):
    bank, q = browsed
    page = client.post(f"/banks/{bank.id}/bulk", data={"ids": [str(q[0].id)], "action": "add_topic", "topic": " "},
                       follow_redirects=True).get_data(as_text=True)
    assert "Enter the topic to add." in page
    page = client.post(f"/banks/{bank.id}/bulk", data={"action": "retire"}, follow_redirects=True)
    assert "Select at least one question." in page.get_data(as_text=True)


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", WTF_CSRF_ENABLED=True)
def test_bulk_actions_need_the_csrf_token(client, users):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True))
    csrf = token.group(1) or token.group(2)
    client.post("/login", data={"staff_no": "trainer01", "password": PASSWORD, "csrf_token": csrf})
    bank = make_bank(users[Role.TRAINER])
    question = fill(users[Role.TRAINER], bank, [draft("题")])[0]
    assert client.post(f"/banks/{bank.id}/bulk", data={"ids": [str(question.id)], "action": "retire"}).status_code == 400
    assert db.session.get(Question, question.id).status == "active"
    page = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    form_token = re.search(r'id="bulk-form".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S).group(1)
    client.post(f"/banks/{bank.id}/bulk", data={"ids": [str(question.id)], "action": "retire",
                                                "csrf_token": form_token})
    assert db.session.get(Question, question.id).status == "retired"


# --- Import from the web ------------------------------------------------------------------------

def upload(client, data: bytes, filename="bank.csv", **fields):
    form = {"file": (io.BytesIO(data), filename), "course": "law", "bank": "", "new_bank": "", "text_format": "auto"}
    form.update(fields)
    return client.post("/banks/import", data=form, content_type="multipart/form-data")


def token_in(response) -> str:
    return re.search(r'action="/banks/import/([^"/]+)"', response.get_data(as_text=True)).group(1)


def csv_bytes(*rows) -> bytes:
    return "\n".join([HEADER, *rows, ""]).encode()


GOOD = csv_bytes("单选,收费站的职责是（ ）。,收费,修路,,A,2,中,职责",
                 "判断,收费员可以罚款。,,,,错,1,易,纪律",
                 "判断,收费员可以罚款。,,,,错,1,易,纪律")


def test_a_shipped_bank_is_previewed_as_candidates_will_see_it_then_imported(client, trainer):
    response = upload(client, LAW.read_bytes(), "law.csv", new_bank="法规")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="count-single"' in page and page.count('class="card question mb-3"') == 50
    shipped = len(list(csv.reader(io.StringIO(LAW.read_text(encoding="utf-8-sig"))))) - 1  # a row per question
    assert f"The first 50 of {shipped} questions are shown" in page
    assert "new bank 法规" in page
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0  # nothing stored yet
    token = token_in(response)
    done = client.post(f"/banks/import/{token}")
    bank = db.session.scalar(db.select(Bank).where(Bank.name == "法规"))
    assert done.status_code == 303 and done.headers["Location"] == f"/banks/{bank.id}"
    assert db.session.scalar(db.select(db.func.count(Question.id))) == shipped
    assert [o.id for o in bank.owners] == [trainer.id]
    assert db.session.scalar(db.select(PendingUpload)) is None
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED))
    assert client.post(f"/banks/import/{token}").status_code == 404  # a second confirmation imports nothing


def test_the_preview_counts_types_and_warns_about_repeats(client, trainer):
    page = upload(client, GOOD, new_bank="新题库").get_data(as_text=True)
    assert re.search(r'id="count-single">1<', page) and re.search(r'id="count-true_false">1<', page)
    assert re.search(r'id="count-skipped">1<', page)
    assert "The same question as row 3; it is skipped." in page


def test_errors_are_listed_with_row_and_column_and_nothing_is_kept(client, trainer):
    bad = csv_bytes("单选,题干,甲,乙,,E,2,中,", "判断,,,,,也许,1,,")
    response = upload(client, bad, new_bank="新题库")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    rows = re.findall(r'<tr><td class="text-nowrap">(\d+)</td><td class="text-nowrap">([^<]+)</td>', page)
    assert ("2", "答案") in rows and ("3", "题干") in rows and ("3", "答案") in rows
    assert 'action="/banks/import/' not in page.split('id="import-errors"')[1]  # no confirm button
    assert db.session.scalar(db.select(PendingUpload)) is None and db.session.scalar(db.select(Bank)) is None


def test_importing_into_an_existing_bank_skips_what_it_already_has(client, trainer):
    bank = make_bank(trainer)
    fill(trainer, bank, [draft("收费员可以罚款。", truth=False)])
    response = upload(client, GOOD, bank=str(bank.id))
    assert "The bank already has this question" in response.get_data(as_text=True)
    client.post(f"/banks/import/{token_in(response)}")
    assert db.session.scalar(db.select(db.func.count(Question.id)).where(Question.bank_id == bank.id)) == 2


def test_a_new_bank_needs_a_name_and_may_not_take_another_trainers_bank(client, trainer, users):
    response = upload(client, GOOD)
    assert response.status_code == 400 and "Choose a bank, or enter the name of a new one." in response.get_data(
        as_text=True)
    make_bank(make_user("trainer02", roles=[Role.TRAINER]), "别人的题库")
    response = upload(client, GOOD, new_bank="别人的题库")
    assert response.status_code == 400 and "owned by other trainers" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_a_bank_chosen_by_id_must_be_the_users(client, trainer):
    other = make_bank(make_user("trainer02", roles=[Role.TRAINER]), "别人的题库")
    assert upload(client, GOOD, bank=str(other.id)).status_code in (400, 403)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_discarding_an_upload_imports_nothing(client, trainer):
    token = token_in(upload(client, GOOD, new_bank="新题库"))
    response = client.post(f"/banks/import/{token}/discard", follow_redirects=True)
    assert "nothing was imported" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(PendingUpload)) is None and db.session.scalar(db.select(Bank)) is None


def test_gift_and_aiken_files_are_imported_from_the_web(client, trainer):
    gift = "::T1::收费站的主要职责是什么？{=收费 ~修路}\n\n::T2::ETC是电子收费。{T}\n".encode()
    response = upload(client, gift, "bank.txt", new_bank="GIFT题库")
    assert response.status_code == 200, response.get_data(as_text=True)
    client.post(f"/banks/import/{token_in(response)}")
    aiken = "收费站的主要职责是？\nA. 收费\nB. 修路\nANSWER: A\n".encode()
    response = upload(client, aiken, "bank.aiken", new_bank="Aiken题库")
    client.post(f"/banks/import/{token_in(response)}")
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 3


def test_another_users_upload_token_finds_nothing(app, client, trainer, users):
    token = token_in(upload(client, GOOD, new_bank="新题库"))
    admin = app.test_client()
    admin.post("/login", data={"staff_no": users[Role.ADMIN].staff_no, "password": PASSWORD})
    assert admin.get(f"/banks/import/{token}").status_code == 404
    assert admin.post(f"/banks/import/{token}").status_code == 404
    assert db.session.scalar(db.select(PendingUpload)) is not None
