"""Item-analysis pages: who may open them, what they show, both locales, links to edit and regrade."""

from decimal import Decimal

import pytest

from app.core.roles import Role
from app.exams.services import RuleData, set_audience
from app.extensions import db
from tests import factories
from tests.exams.marking_support import NOW, sit
from tests.reports.items_support import ANSWERS, candidates, objective_exam, sit_all


@pytest.fixture
def graded(users, org):
    trainer = users[Role.TRAINER]
    people = candidates(org, 4)
    exam, bank, questions = objective_exam(trainer, people)
    # as in items_support, but everyone says "true": the true/false question is too easy and flagged
    sit_all(exam, people, [{**answer, "true_false": True} for answer in ANSWERS])
    db.session.commit()
    return exam, questions


def exam_url(exam):
    return f"/reports/exams/{exam.id}/items"


def question_url(question):
    return f"/reports/questions/{question.id}/items"


def test_the_owner_sees_the_analysis_with_bars_flags_and_links(client, login, users, graded):
    exam, questions = graded
    login(users[Role.TRAINER])
    page = client.get(exam_url(exam)).get_data(as_text=True)
    assert 'id="item-table"' in page and 'id="sample-warning"' in page
    assert page.count('<meter class="item-bar"') == 4 + 4 + 2  # single, multiple, true/false options
    assert "单选题0" in page
    # the flagged true/false question links to edit and regrade; the others do not
    flagged, fine = questions["true_false"], questions["single"]
    assert f"/exams/{exam.id}/regrade/{flagged.current_version_id}" in page
    assert f"/banks/questions/{flagged.id}/edit" in page
    assert f"/exams/{exam.id}/regrade/{fine.current_version_id}" not in page
    assert f"/banks/questions/{fine.id}/edit" not in page
    assert f"/reports/questions/{fine.id}/items" in page
    assert "<script" not in page.split("</main>")[0].split("<main")[1]


def test_the_results_page_links_to_the_analysis(client, login, users, graded):
    exam, _questions = graded
    login(users[Role.TRAINER])
    page = client.get(f"/exams/{exam.id}/results").get_data(as_text=True)
    assert f'href="/reports/exams/{exam.id}/items" id="item-analysis-link"' in page


@pytest.mark.parametrize("locale, lang", [("zh_Hans", "zh-Hans"), ("en", "en")])
def test_both_pages_render_in_both_locales(client, login, users, graded, locale, lang):
    exam, questions = graded
    trainer = users[Role.TRAINER]
    trainer.locale = locale
    db.session.commit()
    login(trainer)
    for url in (exam_url(exam), question_url(questions["single"])):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in page, url


def test_english_flags_are_plain_words(client, login, users, graded):
    exam, _questions = graded
    trainer = users[Role.TRAINER]
    trainer.locale = "en"
    db.session.commit()
    login(trainer)
    page = client.get(exam_url(exam)).get_data(as_text=True)
    assert "Only 4 graded attempts, fewer than 30" in page
    assert "Only 4 answers: too few to judge." in page
    assert "Too easy: more than nine in ten candidates got it right." in page
    assert "Cronbach" in page


def test_hr_reads_every_exam_but_gets_no_edit_or_regrade_links(client, login, users, graded):
    exam, questions = graded
    login(users[Role.HR])
    page = client.get(exam_url(exam)).get_data(as_text=True)
    assert 'id="item-table"' in page
    assert "/regrade/" not in page and "/edit" not in page
    assert client.get(question_url(questions["multiple"])).status_code == 200


def test_administrators_read_both_pages(client, login, users, graded):
    exam, questions = graded
    login(users[Role.ADMIN])
    assert client.get(exam_url(exam)).status_code == 200
    assert client.get(question_url(questions["single"])).status_code == 200


def test_another_trainer_and_collectors_are_refused(client, login, users, graded):
    exam, questions = graded
    other = factories.make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    login(other)
    assert client.get(exam_url(exam)).status_code == 403
    assert client.get(question_url(questions["single"])).status_code == 403
    client.post("/logout")
    login(users[Role.COLLECTOR])
    assert client.get(exam_url(exam)).status_code == 403
    assert client.get(question_url(questions["single"])).status_code == 403


def test_missing_objects_are_404(client, login, users):
    login(users[Role.HR])
    assert client.get("/reports/exams/999999/items").status_code == 404
    assert client.get("/reports/questions/999999/items").status_code == 404


def test_a_trainer_sees_only_their_exams_on_the_question_page(client, login, users, org, graded):
    exam, questions = graded
    other = factories.make_user("trainer02", roles=[Role.TRAINER])
    people = candidates(org, 1)
    theirs = factories.make_exam(other, questions["single"].bank, title="别人的考试",
                                 rules=[RuleData(count=1, bank_id=questions["single"].bank_id, type="single",
                                                 points_each=Decimal(2))], audience=people, now=NOW,
                                 pass_mark=Decimal(1))
    sit(people[0], theirs, {"single": 1})
    db.session.commit()
    login(users[Role.TRAINER])
    page = client.get(question_url(questions["single"])).get_data(as_text=True)
    assert exam.title in page and "别人的考试" not in page and 'id="hidden-exams"' in page
    client.post("/logout")
    login(other)  # owns an exam that used it, not the bank: sees that exam only, no edit link
    page = client.get(question_url(questions["single"])).get_data(as_text=True)
    assert "别人的考试" in page and 'id="edit-question"' not in page


def test_staff_sitting_the_exam_see_no_analysis(client, login, users, graded):
    exam, _questions = graded
    trainer = users[Role.TRAINER]
    set_audience(trainer, exam, station_ids=[], team_ids=[], user_ids=[trainer.id], now=NOW, ip="t")
    sit(trainer, exam, {}, submit=False)
    login(trainer)
    page = client.get(exam_url(exam)).get_data(as_text=True)
    assert 'id="sitting-notice"' in page and 'id="item-table"' not in page
