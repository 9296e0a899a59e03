"""The wrong-answer book: practice answers graded wrong and wrong exam items once the review is released."""

import random
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.core.clock import utcnow
from app.core.roles import Role
from app.courses.catalog import find_course
from app.exams import attempts as flow
from app.exams import practice
from app.exams.mistakes import mistake_book, mistakes_of, wrong_question_ids
from app.exams.saving import answer_at_once
from app.exams.services import RuleData
from app.extensions import db
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
GRACE = timedelta(seconds=30)
AUTO_TYPES = ("single", "multiple", "true_false", "fill_blank")


@pytest.fixture
def made(users):
    made = factories.make_exam_bank(users[Role.TRAINER])
    db.session.commit()
    return made


def _exam(users, made, now, **settings):
    rules = [RuleData(count=1, bank_id=made.bank.id, type=t, points_each=Decimal(2)) for t in AUTO_TYPES]
    values = {"pass_mark": Decimal(4), "title": "法规月考", "partial_share": Decimal("0.5")} | settings
    return factories.make_exam(users[Role.TRAINER], made.bank, rules=rules, audience=[users[Role.COLLECTOR]],
                               now=now, **values)


def _sit(exam, candidate, now):
    """Single wrong, multiple half right, true/false right, fill-in wrong; submitted at now + 5 minutes."""
    attempt = flow.start_attempt(candidate, exam, now=now, ip="t")
    responses = {}
    for item in attempt.items:
        key, order = item.version.key, item.option_order
        match item.version.type:
            case "single":
                responses[item.position] = (order.index(key["correct"][0]) + 1) % 4
            case "multiple":
                responses[item.position] = [order.index(key["correct"][0])]
            case "true_false":
                responses[item.position] = key["truth"]
            case "fill_blank":
                responses[item.position] = ["四十", "xyz"]
    answer_at_once(attempt, responses, window="test", now=now + timedelta(minutes=4), grace=GRACE)
    flow.submit(attempt, now=now + timedelta(minutes=5), grace=GRACE, actor=candidate, ip="t")
    db.session.commit()
    return attempt


def _types(found):
    return sorted(m.version.type for m in found)


def test_exam_mistakes_appear_only_after_the_review_is_released(users, made):
    collector = users[Role.COLLECTOR]
    exam = _exam(users, made, NOW, release_review="after_close")
    attempt = _sit(exam, collector, NOW)
    assert attempt.score == Decimal("3.00")  # true/false 2, and half of the multiple choice's 2
    assert mistakes_of(collector, now=NOW + timedelta(minutes=10)) == []
    after = exam.closes_at + timedelta(minutes=1)
    found = mistakes_of(collector, now=after)
    assert _types(found) == ["fill_blank", "multiple", "single"]  # the right true/false is not listed
    assert all(m.exam.id == exam.id and m.when == NOW + timedelta(minutes=5) for m in found)
    multiple = next(m for m in found if m.version.type == "multiple")
    assert multiple.score == Decimal("1.00") and multiple.points == Decimal("2.00")
    review = multiple.review()
    assert [o.correct for o in review.options].count(True) == 2
    assert [o.chosen for o in review.options].count(True) == 1


def test_review_at_submit_lists_at_once_and_never_does_not(users, made):
    collector = users[Role.COLLECTOR]
    _sit(_exam(users, made, NOW, release_review="at_submit"), collector, NOW)
    assert len(mistakes_of(collector, now=NOW + timedelta(minutes=6))) == 3
    never = _exam(users, made, NOW, release_review="never", title="不公布的考试")
    _sit(never, collector, NOW)
    later = never.closes_at + timedelta(days=1)
    assert {m.exam.title for m in mistakes_of(collector, now=later)} == {"法规月考"}


def test_an_attempt_in_progress_adds_nothing(users, made):
    collector = users[Role.COLLECTOR]
    exam = _exam(users, made, NOW, release_review="at_submit")
    flow.start_attempt(collector, exam, now=NOW, ip="t")
    db.session.commit()
    assert mistakes_of(collector, now=NOW + timedelta(minutes=1)) == []


def test_practice_answers_graded_wrong_are_listed_newest_first(users, made):
    collector = users[Role.COLLECTOR]
    law = made.bank.course_id
    shown = []
    for n, question_type in enumerate(("true_false", "true_false", "short_answer")):
        item = practice.start_practice(collector, practice.PracticeFilter(law, type=question_type),
                                       now=NOW + timedelta(minutes=n), rng=random.Random(n))
        truth = item.version.key.get("truth")
        response = "答" if truth is None else (truth if n == 0 else not truth)
        practice.answer_practice(item, response, now=NOW + timedelta(minutes=n))
        shown.append(item)
    unanswered = practice.start_practice(collector, practice.PracticeFilter(law), now=NOW, rng=random.Random(9))
    db.session.commit()
    found = mistakes_of(collector, now=NOW + timedelta(hours=1))
    assert [(m.question_id, m.from_practice) for m in found] == [(shown[1].question_id, True)]
    assert unanswered.answered_at is None
    assert wrong_question_ids(collector, now=NOW) == {shown[1].question_id}
    assert mistakes_of(users[Role.TRAINER], now=NOW) == []


def test_book_groups_by_course_and_filters(users, made):
    collector, trainer = users[Role.COLLECTOR], users[Role.TRAINER]
    _sit(_exam(users, made, NOW, release_review="at_submit"), collector, NOW)
    other = factories.make_exam_bank(trainer, course_code="integrity")
    item = practice.start_practice(collector, practice.PracticeFilter(other.bank.course_id, type="true_false"),
                                   now=NOW + timedelta(hours=1), rng=random.Random(1))
    practice.answer_practice(item, not item.version.key["truth"], now=NOW + timedelta(hours=1))
    db.session.commit()
    groups = mistake_book(collector, now=NOW + timedelta(hours=2))
    assert [(g.course.code, len(g.mistakes)) for g in groups] == [("law", 3), ("integrity", 1)]
    only = mistake_book(collector, now=NOW + timedelta(hours=2), course_id=other.bank.course_id)
    assert [(g.course.code, len(g.mistakes)) for g in only] == [("integrity", 1)]


def test_page_shows_mistakes_with_key_source_and_practise_again(client, login, users, made):
    collector = users[Role.COLLECTOR]
    now = utcnow() - timedelta(hours=1)
    exam = _exam(users, made, now, release_review="at_submit")
    _sit(exam, collector, now)
    login(collector)
    page = client.get("/my/mistakes")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body.count('class="row g-3 border-top pt-3 mb-2 mistake"') == 3
    assert "法规月考" in body and "answer-key" in body and "单选解析" in body
    assert "once the trainer releases the review" in body
    law = find_course("law")
    assert f'/practice?course_id={law.id}&amp;wrong_only=y' in body
    again = client.get(f"/practice?course_id={law.id}&wrong_only=y").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*id="wrong_only"[^>]*>', again).group(0)
    assert "checked" in checkbox
    empty = client.get(f"/my/mistakes?course_id={find_course('integrity').id}").get_data(as_text=True)
    assert 'id="no-mistakes"' in empty


def test_page_hides_exam_questions_until_released(client, login, users, made):
    collector = users[Role.COLLECTOR]
    now = utcnow() - timedelta(hours=1)
    _sit(_exam(users, made, now, release_review="after_close"), collector, now)
    login(collector)
    body = client.get("/my/mistakes").get_data(as_text=True)
    assert 'id="no-mistakes"' in body and "单选解析" not in body and "answer-key" not in body
