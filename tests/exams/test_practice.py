"""Practice: a random active question of the course, graded at once, feedback with the key; never counted;
closed while an exam attempt is running (docs/security.md §19)."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.banks.drafts import Draft, QuestionType
from app.banks.services import add_questions, create_bank
from app.core.roles import Role
from app.courses.catalog import find_course
from app.exams import practice as service
from app.exams.attempts import has_open_attempt, start_attempt
from app.exams.models import Attempt, PracticeAnswer
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
CLOSED_MESSAGE = "Finish your exam first: practice and the wrong-answer book are closed during an exam."


@pytest.fixture
def made(users):
    """A law bank with 4 questions of each type (keys in tests.factories.exam_drafts)."""
    made = factories.make_exam_bank(users[Role.TRAINER])
    db.session.commit()
    return made


def _law(made) -> int:
    return made.bank.course_id


def _right_response(practice: PracticeAnswer):
    key, order = practice.version.key, practice.option_order
    match practice.version.type:
        case "single":
            return order.index(key["correct"][0])
        case "multiple":
            return sorted(order.index(i) for i in key["correct"])
        case "true_false":
            return key["truth"]
        case "fill_blank":
            return [b[0] for b in key["blanks"]]
        case _:
            return "我的回答"


def _start(user, course_id, now=NOW, **filters):
    practice = service.start_practice(user, service.PracticeFilter(course_id=course_id, **filters), now=now,
                                      rng=random.Random(7))
    db.session.commit()
    return practice


# --- Service ------------------------------------------------------------------------------------

def test_start_draws_an_active_question_of_the_course_with_its_current_version(users, made):
    collector = users[Role.COLLECTOR]
    practice = _start(collector, _law(made))
    question_ids = {q.id for q in made.questions}
    assert practice.question_id in question_ids
    assert practice.version_id == next(q.current_version_id for q in made.questions if q.id == practice.question_id)
    assert practice.shown_at == NOW and practice.answered_at is None and practice.response is None


def test_type_filter_and_shuffled_option_order_for_choice_questions(users, made):
    collector = users[Role.COLLECTOR]
    orders = set()
    for n in range(12):
        practice = service.start_practice(collector, service.PracticeFilter(_law(made), type="multiple"),
                                          now=NOW + timedelta(seconds=n), rng=random.Random(n))
        assert practice.version.type == "multiple"
        assert sorted(practice.option_order) == [0, 1, 2, 3]
        orders.add(tuple(practice.option_order))
    assert len(orders) > 1  # shuffled, not always the natural order


def test_questions_never_practised_come_first(users, made):
    collector = users[Role.COLLECTOR]
    seen = set()
    for n in range(4):  # four true/false questions: each once before any repeats
        practice = _start(collector, _law(made), now=NOW + timedelta(minutes=n), type="true_false")
        service.answer_practice(practice, True, now=NOW + timedelta(minutes=n))
        seen.add(practice.question_id)
    assert len(seen) == 4


def test_retired_questions_and_other_courses_are_never_drawn(users, made):
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    retired = [q for q in made.questions if q.current.type == "true_false"]
    for question in retired:
        question.status = "retired"
    other = create_bank(trainer, find_course("integrity"), "廉洁题库", now=NOW, ip="t")
    add_questions(trainer, other, [Draft(QuestionType.TRUE_FALSE, "廉洁判断题", truth=True)], now=NOW)
    db.session.commit()
    assert _start(collector, _law(made), type="true_false") is None
    drawn = {_start(collector, _law(made), now=NOW + timedelta(seconds=n)).question_id for n in range(30)}
    assert drawn.isdisjoint({q.id for q in retired})
    assert drawn <= {q.id for q in made.questions}


def test_a_right_single_choice_scores_full_points(users, made):
    practice = _start(users[Role.COLLECTOR], _law(made), type="single")
    assert service.answer_practice(practice, _right_response(practice), now=NOW)
    assert practice.correct is True and practice.score == Decimal("2.00") and practice.answered_at == NOW


def test_a_correct_subset_of_a_multiple_choice_earns_half_and_counts_as_wrong(users, made):
    practice = _start(users[Role.COLLECTOR], _law(made), type="multiple")
    one_right = _right_response(practice)[:1]
    assert service.answer_practice(practice, set(one_right), now=NOW)
    assert practice.correct is False and practice.score == Decimal("2.00")  # half of 4 points
    assert practice.response == one_right


def test_a_forged_option_index_scores_zero(users, made):
    practice = _start(users[Role.COLLECTOR], _law(made), type="single")
    service.answer_practice(practice, 9, now=NOW)
    assert practice.correct is False and practice.score == Decimal("0.00")


def test_a_short_answer_is_left_for_self_check(users, made):
    practice = _start(users[Role.COLLECTOR], _law(made), type="short_answer")
    service.answer_practice(practice, "我的回答", now=NOW)
    assert practice.correct is None and practice.score is None and practice.response == "我的回答"


def test_an_answered_question_cannot_be_answered_again(users, made):
    practice = _start(users[Role.COLLECTOR], _law(made), type="single")
    wrong = (_right_response(practice) + 1) % 4
    assert service.answer_practice(practice, wrong, now=NOW)
    assert not service.answer_practice(practice, _right_response(practice), now=NOW + timedelta(minutes=1))
    assert practice.correct is False and practice.answered_at == NOW


def test_overview_counts_questions_and_my_practice(users, made):
    collector = users[Role.COLLECTOR]
    right = _start(collector, _law(made), type="single")
    service.answer_practice(right, _right_response(right), now=NOW)
    wrong = _start(collector, _law(made), type="true_false")
    service.answer_practice(wrong, not wrong.version.key["truth"], now=NOW)
    short = _start(collector, _law(made), type="short_answer")
    service.answer_practice(short, "答", now=NOW)
    _start(collector, _law(made))  # shown, never answered: not counted
    summaries = {s.course.code: s for s in service.course_overview(collector)}
    assert list(summaries) == ["law", "integrity", "etiquette", "procedures"]
    law = summaries["law"]
    assert (law.questions, law.answered, law.right, law.graded, law.rate) == (20, 3, 1, 2, 50)
    assert summaries["integrity"].questions == 0 and summaries["integrity"].rate is None
    assert service.course_overview(users[Role.TRAINER])[0].answered == 0


def test_exam_in_progress_until_deadline_and_grace(users, made):
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    exam = factories.make_exam(trainer, made.bank, audience=[collector], now=NOW)
    attempt = start_attempt(collector, exam, now=NOW, ip="t")
    db.session.commit()
    grace = timedelta(seconds=30)
    assert has_open_attempt(collector, NOW + timedelta(minutes=10), grace)
    assert has_open_attempt(collector, attempt.deadline_at + timedelta(seconds=20), grace)
    assert not has_open_attempt(collector, attempt.deadline_at + timedelta(minutes=1), grace)
    assert not has_open_attempt(trainer, NOW, grace)
    attempt.status, attempt.submitted_at, attempt.submitted_how = "submitted", NOW, "candidate"
    db.session.commit()
    assert not has_open_attempt(collector, NOW + timedelta(minutes=10), grace)


# --- Pages --------------------------------------------------------------------------------------

def test_home_lists_the_four_courses_with_counts_and_stats(client, login, users, made):
    login(users[Role.COLLECTOR])
    page = client.get("/practice")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert body.count('data-course="') == 4
    assert 'data-course="law"' in body and ">20<" in body
    assert "a correct but incomplete choice earns 50% of the points" in body


def test_start_answer_and_see_the_key_then_next_question(client, login, users, made):
    collector = users[Role.COLLECTOR]
    login(collector)
    started = client.post("/practice/start", data={"course_id": _law(made), "type": "single"})
    assert started.status_code == 302
    practice = db.session.scalars(select(PracticeAnswer)).one()
    assert started.location.endswith(f"/practice/{practice.id}?type=single")
    page = client.get(started.location).get_data(as_text=True)
    assert 'name="q1"' in page and "单选解析" not in page and "answer-key" not in page
    answer = _right_response(practice)
    result = client.post(f"/practice/{practice.id}?type=single", data={"q1": str(answer)})
    assert result.status_code == 302
    feedback = client.get(result.location).get_data(as_text=True)
    assert 'data-verdict="right"' in feedback
    assert "answer-key" in feedback and "单选解析" in feedback  # the key and the explanation
    assert 'name="type" value="single"' in feedback  # "Next question" keeps the filter
    db.session.refresh(practice)
    assert practice.correct is True and practice.response == answer
    following = client.post("/practice/start", data={"course_id": _law(made), "type": "single"})
    assert following.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 2


def test_wrong_answer_shows_wrong_and_an_answered_item_is_not_answered_again(client, login, users, made):
    collector = users[Role.COLLECTOR]
    login(collector)
    practice = _start(collector, _law(made), type="true_false")
    truth = practice.version.key["truth"]
    client.post(f"/practice/{practice.id}", data={"q1": "false" if truth else "true"})
    again = client.post(f"/practice/{practice.id}", data={"q1": "true" if truth else "false"},
                        follow_redirects=True)
    assert again.status_code == 200
    assert 'data-verdict="wrong"' in again.get_data(as_text=True)
    db.session.refresh(practice)
    assert practice.correct is False


def test_short_answer_shows_the_reference_for_self_check(client, login, users, made):
    collector = users[Role.COLLECTOR]
    login(collector)
    practice = _start(collector, _law(made), type="short_answer")
    page = client.post(f"/practice/{practice.id}", data={"q1": "收费流程是……"}, follow_redirects=True)
    body = page.get_data(as_text=True)
    assert 'data-verdict="self-check"' in body and "参考答案" in body


def test_an_empty_answer_is_not_graded(client, login, users, made):
    collector = users[Role.COLLECTOR]
    login(collector)
    practice = _start(collector, _law(made), type="single")
    page = client.post(f"/practice/{practice.id}", data={})
    assert page.status_code == 200 and "Answer the question first" in page.get_data(as_text=True)
    db.session.refresh(practice)
    assert practice.answered_at is None


def test_another_users_practice_is_not_found(client, login, users, made):
    practice = _start(users[Role.COLLECTOR], _law(made))
    login(users[Role.TRAINER])
    assert client.get(f"/practice/{practice.id}").status_code == 404
    assert client.post(f"/practice/{practice.id}", data={"q1": "0"}).status_code == 404
    assert client.get("/practice/999999").status_code == 404
    db.session.refresh(practice)
    assert practice.answered_at is None


def test_no_matching_question_flashes_and_returns_home(client, login, users, made):
    login(users[Role.COLLECTOR])
    integrity = find_course("integrity")
    page = client.post("/practice/start", data={"course_id": integrity.id}, follow_redirects=True)
    assert page.status_code == 200 and "No question matches" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


def test_wrong_only_draws_from_the_wrong_answer_book(client, login, users, made):
    collector = users[Role.COLLECTOR]
    login(collector)
    assert client.post("/practice/start", data={"course_id": _law(made), "wrong_only": "y"},
                       follow_redirects=True).get_data(as_text=True).count("No question matches") == 1
    missed = _start(collector, _law(made), type="single")
    service.answer_practice(missed, (_right_response(missed) + 1) % 4, now=NOW)
    db.session.commit()
    for _n in range(3):
        response = client.post("/practice/start", data={"course_id": _law(made), "wrong_only": "y"})
        assert response.status_code == 302 and "wrong_only=y" in response.location
    drawn = db.session.scalars(select(PracticeAnswer).where(PracticeAnswer.id != missed.id)).all()
    assert len(drawn) == 3 and {p.question_id for p in drawn} == {missed.question_id}


def test_practice_pages_redirect_to_my_exams_during_an_exam(client, login, users, made):
    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    practice = _start(collector, _law(made), type="single")
    exam = factories.make_exam(trainer, made.bank, audience=[collector])
    from app.core.clock import utcnow

    start_attempt(collector, exam, now=utcnow(), ip="t")
    db.session.commit()
    login(collector)
    for method, url, data in (("get", "/practice", None), ("post", "/practice/start", {"course_id": _law(made)}),
                              ("get", f"/practice/{practice.id}", None),
                              ("post", f"/practice/{practice.id}", {"q1": str(_right_response(practice))}),
                              ("get", "/my/mistakes", None)):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302, url
        assert "/practice" not in response.location and "/mistakes" not in response.location
        final = client.get(response.location, follow_redirects=True)
        body = final.get_data(as_text=True)
        assert final.status_code == 200
        assert CLOSED_MESSAGE in body
        assert "answer-key" not in body and "单选解析" not in body
    db.session.refresh(practice)
    assert practice.answered_at is None
    assert db.session.scalar(select(func.count()).select_from(PracticeAnswer)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_practice_page_renders_in_both_locales(client, login, users, made, locale):
    collector = users[Role.COLLECTOR]
    collector.locale = locale
    open_item = _start(collector, _law(made), type="multiple")
    done = _start(collector, _law(made), now=NOW + timedelta(minutes=1), type="fill_blank")
    service.answer_practice(done, ["30", "x"], now=NOW + timedelta(minutes=1))
    db.session.commit()
    login(collector)
    for url in ("/practice", f"/practice/{open_item.id}", f"/practice/{done.id}", "/my/mistakes"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{locale.replace("_", "-")}">' in response.get_data(as_text=True)
    assert 'data-verdict="partly"' in client.get(f"/practice/{done.id}").get_data(as_text=True)
