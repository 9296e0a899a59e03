"""The definition of a person's result for an exam (app/exams/results.py) on hand-made attempts: the highest
graded score counts (the earliest of equal ones), not the highest percentage; pending while nothing is graded;
an open attempt is no result; and the Python form the exports use picks what the SQL form picks."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.exams.models import Attempt
from app.exams.results import counted_number, result_of, results_of
from app.extensions import db
from tests import factories
from tests.evaluation.support import exam_for

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

# Per case: attempts as (number, status, score, paper total); the counted attempt's number and its state.
CASES = {
    "highest score, not highest percentage": ([(1, "submitted", "6", "10"), (2, "submitted", "5", "8")], 1, "passed"),
    "equal scores: the earliest": ([(1, "submitted", "7", "10"), (2, "submitted", "7", "10")], 1, "passed"),
    "a later, better attempt": ([(1, "submitted", "4", "10"), (2, "submitted", "9", "10")], 2, "passed"),
    "graded beats ungraded": ([(1, "submitted", "3", "10"), (2, "submitted", None, "10")], 1, "failed"),
    "nothing graded: the latest, pending": ([(1, "submitted", None, "10"), (2, "submitted", None, "10")], 2,
                                            "pending"),
    "an open attempt is no result": ([(1, "submitted", "5", "10"), (2, "in_progress", None, "10")], 1, "failed"),
}


def _attempt(exam, user, number, status, score, total):
    score = None if score is None else Decimal(score)
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, status=status, seed=1, started_at=NOW,
                      deadline_at=NOW + timedelta(minutes=30), submitted_at=NOW if status == "submitted" else None,
                      max_score=Decimal(total), score=score, passed=None if score is None else score >= exam.pass_mark)
    db.session.add(attempt)
    return attempt


@pytest.fixture
def cases(app):
    """One person per case, all on one exam (pass mark 6 points)."""
    batch = factories.make_batch(starts_on=NOW.date(), now=NOW)
    exam = exam_for(batch, "law", pass_mark=6)
    people = {}
    for name, (attempts, _number, _state) in CASES.items():
        person = people[name] = factories.make_user()
        for number, status, score, total in attempts:
            _attempt(exam, person, number, status, score, total)
    db.session.commit()
    return exam, people


@pytest.mark.parametrize("name", list(CASES))
def test_the_counted_attempt(cases, name):
    exam, people = cases
    attempts, number, state = CASES[name]
    result = result_of(people[name].id, exam.id)
    assert (result.number, result.state) == (number, state)
    assert counted_number([(n, status, None if score is None else Decimal(score))
                           for n, status, score, _total in attempts]) == number


def test_the_result_carries_the_counted_attempts_figures(cases):
    exam, people = cases
    result = result_of(people["highest score, not highest percentage"].id, exam.id)
    assert (result.score, result.max_score, result.percent, result.passed) == (Decimal(6), Decimal(10),
                                                                              Decimal("60.00"), True)
    assert result_of(people["graded beats ungraded"].id, exam.id).waiting
    assert not result.waiting


def test_no_submitted_attempt_is_no_result(cases):
    exam, _people = cases
    stranger = factories.make_user()
    _attempt(exam, stranger, 1, "in_progress", None, "10")
    db.session.commit()
    assert result_of(stranger.id, exam.id) is None
    assert counted_number([(1, "in_progress", None)]) is None


def test_one_query_reads_everyone(cases):
    exam, people = cases
    found = results_of(exam_ids=[exam.id])
    assert {user_id for user_id, _exam in found} == {person.id for person in people.values()}
    assert results_of(exam_ids=[]) == {} and results_of(user_ids=[]) == {}
