"""The trainer's side of identity, IDs and the letter rule on the web: the import preview's warnings and
choices (questions other banks have, unsupported questions, updates by ID, letters), the question editor's
"keep the order" box, and the grading page of an essay imported without a model answer."""

import re

import pytest

from app.accounts.actors import SYSTEM
from app.banks.importing import import_bank, read_bank_file
from app.banks.models import Bank, Question, QuestionVersion
from app.core.clock import utcnow
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from tests.banks.test_bank_pages import token_in, upload
from tests.banks.test_importing import GIFT, HEADER, ROWS, csv_bytes
from tests.banks.test_question_pages import SINGLE, _stored, errors_of, form
from tests.banks.test_question_pages import bank as bank  # noqa: F401, PLC0414 (fixture)

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

ID_HEADER = "编号," + HEADER
ID_ROWS = tuple(f"L-{n},{row}" for n, row in enumerate(ROWS, start=1))
NEW_ROW = "判断,收费站应当公示收费标准。,,,,,对,1,1,,,,"


@pytest.fixture
def trainer(client, login, users):
    login(users[Role.TRAINER])
    return users[Role.TRAINER]


@pytest.fixture
def law_bank(users):
    """Bank "law" of course law, holding ROWS, owned by the trainer."""
    ensure_courses()
    result = import_bank(SYSTEM, find_course("law"), "law", read_bank_file(csv_bytes(*ROWS), "law.csv"), now=utcnow(),
                         ip="t")
    result.bank.owners.append(users[Role.TRAINER])
    db.session.commit()
    return result.bank


def count(page: str, name: str) -> int:
    return int(re.search(rf'id="count-{name}">(\d+)<', page).group(1))


def questions_in(name: str) -> int:
    bank = db.session.scalar(db.select(Bank).where(Bank.name == name))
    return 0 if bank is None else db.session.scalar(db.select(db.func.count(Question.id))
                                                    .where(Question.bank_id == bank.id))


# --- Questions another bank of the course has -------------------------------------------------------

def test_the_preview_lists_questions_other_banks_have_and_skips_them_when_the_box_is_ticked(client, trainer, law_bank):
    response = upload(client, csv_bytes(*ROWS, NEW_ROW), "law.csv", new_bank="law (2)")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert count(page, "in-course") == 5 and "Bank law of this course already has this question" in page
    assert re.search(r'<input class="form-check-input" type="checkbox" name="skip_existing" value="y" '
                     r'id="skip-existing" checked>', page)
    assert "Skip the 5 questions that other banks of this course already have" in page
    done = client.post(f"/banks/import/{token_in(response)}", data={"skip_existing": "y"})
    assert done.status_code == 303
    assert questions_in("law (2)") == 1


def test_unticking_the_box_imports_them_all_the_same(client, trainer, law_bank):
    response = upload(client, csv_bytes(*ROWS, NEW_ROW), "law.csv", new_bank="law (2)")
    unticked = {"skip_unsupported": ""}  # a browser sends the form (its CSRF token) without the box
    assert client.post(f"/banks/import/{token_in(response)}", data=unticked).status_code == 303
    assert questions_in("law (2)") == 6


# --- Unsupported questions --------------------------------------------------------------------------

MATCHING = GIFT + "\n::Q6:: 把收费站与城市配对。 {=东郊 -> 北京 =西郊 -> 上海 =北环 -> 天津}\n"


def test_unsupported_questions_are_listed_and_the_others_imported_on_request(client, trainer):
    response = upload(client, MATCHING.encode(), "bank.gift", new_bank="GIFT题库")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    table = page.split('id="import-unsupported"')[1].split("</table>")[0]
    assert "1 question of a type this system does not have" in table
    assert "Question 6 (Q6): matching questions are not supported, so it cannot be imported." in table
    assert '<input type="hidden" name="skip_unsupported" value="y">' in page
    assert "Import the other 5 questions" in page
    token = token_in(response)
    refused = client.post(f"/banks/import/{token}", data={"skip_existing": "y"})  # no choice: nothing stored
    assert refused.status_code == 422 and "matching questions are not supported" in refused.get_data(as_text=True)
    assert questions_in("GIFT题库") == 0
    response = upload(client, MATCHING.encode(), "bank.gift", new_bank="GIFT题库")
    done = client.post(f"/banks/import/{token_in(response)}", data={"skip_unsupported": "y"}, follow_redirects=True)
    assert "5 questions were imported into GIFT题库 and 0 updated (new versions); 1 questions were skipped." \
        in done.get_data(as_text=True)
    assert questions_in("GIFT题库") == 5


# --- IDs ---------------------------------------------------------------------------------------------

def test_a_re_import_with_ids_shows_what_it_updates_and_makes_new_versions(client, trainer):
    first = upload(client, csv_bytes(*ID_ROWS, header=ID_HEADER), new_bank="法规")
    client.post(f"/banks/import/{token_in(first)}", data={"skip_existing": "y"})
    bank = db.session.scalar(db.select(Bank).where(Bank.name == "法规"))
    edited = ID_ROWS[2].replace("私自收取现金", "私自收取通行费")
    response = upload(client, csv_bytes(*ID_ROWS[:2], edited, *ID_ROWS[3:], header=ID_HEADER), bank=str(bank.id))
    page = response.get_data(as_text=True)
    assert (count(page, "updated"), count(page, "unchanged"), count(page, "single")) == (1, 4, 0)
    assert "papers already drawn keep the version they have" in page
    assert "Import 1 question" in page
    client.post(f"/banks/import/{token_in(response)}", data={"skip_existing": "y"})
    versions = db.session.scalars(db.select(QuestionVersion.stem).join(Question, Question.id == QuestionVersion.question_id)
                                  .where(Question.bank_id == bank.id)
                                  .order_by(QuestionVersion.id)).all()
    assert len(versions) == 6 and versions[-1] == "收费员可以私自收取通行费而不出具票据。"
    question = db.session.scalar(db.select(Question).where(Question.bank_id == bank.id).order_by(Question.id)
                                 .offset(2))
    detail = client.get(f"/banks/questions/{question.id}").get_data(as_text=True)
    assert re.search(r'id="external-id">L-3<', detail)


# --- The letter rule -----------------------------------------------------------------------------------

def test_the_preview_flags_an_explanation_that_names_letters(client, trainer):
    row = "多选,收费纪律要求有（ ）。,不放人情车,不擅自放行,可酌情免费,,AB,3,2,纪律,C即酌情免费，属于违纪。,,"
    page = upload(client, csv_bytes(row), new_bank="纪律").get_data(as_text=True)
    warnings = page.split('id="import-warnings"')[1].split("</table>")[0]
    assert "<td class=\"text-nowrap\">2</td><td class=\"text-nowrap\">解析</td>" in warnings
    assert "“C即酌情免费，属于违纪。” names an option by its letter" in warnings


def test_the_editor_shows_the_letter_rule_and_asks_for_it_when_the_explanation_names_letters(client, trainer,
                                                                                             users, bank):
    question = _stored(users, bank, SINGLE)
    page = client.get(f"/banks/questions/{question.id}/edit").get_data(as_text=True)
    assert 'name="keep_order"' in page and 'id="keep_order" name="keep_order" type="checkbox" value="y">' in page
    fields = form(stem=SINGLE.stem, option_a="站区醒目位置", option_b="网站", answer="A", topic="公示",
                  explanation="B不对：网站不是收费站。")
    refused = client.post(f"/banks/questions/{question.id}/edit", data=fields)
    assert errors_of(refused) == [
        "“B不对：网站不是收费站。” names an option by its letter or points at other options, which only holds if the "
        "options keep the order written: tick this box, or rewrite the text."]
    saved = client.post(f"/banks/questions/{question.id}/edit", data={**fields, "keep_order": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).current.keep_option_order
    detail = client.get(f"/banks/questions/{question.id}").get_data(as_text=True)
    assert re.search(r'id="option-order">As written \(the letter rule\)<', detail)
    page = client.get(f"/banks/questions/{question.id}/edit").get_data(as_text=True)
    assert 'id="keep_order" name="keep_order" type="checkbox" value="y">' in page


def test_the_trainer_may_keep_the_order_for_reasons_of_their_own(client, trainer, users, bank):
    question = _stored(users, bank, SINGLE)
    response = client.post(f"/banks/questions/{question.id}/edit", data=form(
        stem=SINGLE.stem, option_a="站区醒目位置", option_b="网站", answer="A", topic="公示",
        explanation=SINGLE.explanation, keep_order="y"))
    assert response.status_code == 302
    db.session.expire_all()
    current = db.session.get(Question, question.id).current
    assert (current.number, current.keep_option_order) == (2, True)
    diff = client.get(f"/banks/questions/{question.id}/versions/2").get_data(as_text=True)
    assert "Option order" in diff


# --- Essays without a model answer ---------------------------------------------------------------------

def test_the_grading_page_says_an_imported_essay_has_no_reference_answer(client, login, users):
    from tests.exams.marking_support import ALL_RIGHT, make_small_exam, revise, sit

    now = utcnow()
    exam, questions = make_small_exam(users[Role.TRAINER], [users[Role.COLLECTOR]], now=now)
    revise(users[Role.TRAINER], questions["short_answer"], reference="")
    attempt = sit(users[Role.COLLECTOR], exam, ALL_RIGHT, now=now)
    login(users[Role.TRAINER])
    version = next(item.version_id for item in attempt.items if item.version.type == "short_answer")
    page = client.get(f"/exams/{exam.id}/grading/{version}").get_data(as_text=True)
    assert "This question has no reference answer (it was imported without one)" in page
    assert "先收费后放行" in page
    detail = client.get(f"/banks/questions/{questions['short_answer'].id}").get_data(as_text=True)
    assert "No reference answer" in detail


def test_of_another_trainers_bank_the_preview_says_only_that_it_has_the_question(client, trainer, users):
    """Naming the bank and the question, or saying its answer differs, would let an upload probe keys the trainer
    may not see."""
    from tests.factories import make_user

    other = make_user("trainer02", roles=[Role.TRAINER])
    ensure_courses()
    result = import_bank(other, find_course("law"), "别人的题库", read_bank_file(
        csv_bytes(*ID_ROWS[:3], header=ID_HEADER), "law.csv"), now=utcnow(), ip="t")
    db.session.commit()
    assert [owner.id for owner in result.bank.owners] == [other.id]
    probe = ROWS[2].replace(",错,", ",对,")  # the other bank's true/false question, with the other answer
    page = upload(client, csv_bytes(probe), new_bank="我的题库").get_data(as_text=True)
    assert "Another bank of this course, which you do not manage, already has this question." in page
    assert "别人的题库" not in page and "different answer" not in page
    response = upload(client, csv_bytes(ID_ROWS[0].replace("《收费公路管理条例》", "《条例》"), header=ID_HEADER),
                      new_bank="我的题库")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The ID L-1 belongs to a question of another bank of this course, which you do not manage." in page
    assert "别人的题库" not in page
