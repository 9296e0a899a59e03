"""The rule that decides whether a window's change may replace the stored answer (app.exams.saving), alone and
through the service: only a change made after the stored one — in the same window, or in a window that had
seen it — replaces it; everything else is refused with the stored answer, and nothing is written when over."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.roles import Role
from app.exams import attempts as flow
from app.exams.models import PaperItem
from app.exams.saving import LATE, REFUSED, REPLACED, STORED, Change, apply_changes, outcome_of, replaces
from app.exams.services import RuleData
from app.extensions import db
from tests import factories

A, B, C = "a" * 32, "b" * 32, "c" * 32
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
GRACE = timedelta(seconds=30)


def change(window, seq, seen=None, response=1, position=1, flagged=False):
    return Change(position, response, flagged, window, seq, seen or {})


# --- The rule alone --------------------------------------------------------------------------------

def test_a_question_never_answered_takes_any_change():
    assert replaces("", 0, change(A, 1))


def test_a_window_replaces_its_own_earlier_change_only():
    assert replaces(A, 3, change(A, 4))
    assert not replaces(A, 4, change(A, 4))
    assert not replaces(A, 5, change(A, 4))


def test_another_window_replaces_only_what_it_has_seen():
    assert replaces(A, 3, change(B, 1, {A: 3}))
    assert replaces(A, 3, change(B, 1, {A: 7}))  # it saw a later change of A: so A's 3 came before
    assert not replaces(A, 3, change(B, 1, {A: 2}))
    assert not replaces(A, 3, change(B, 9, {C: 9}))
    assert not replaces(A, 3, change(B, 1))


def test_outcomes_name_duplicates_and_later_changes_of_the_same_window():
    assert outcome_of(A, 4, change(A, 4)) == STORED  # a copy of the stored change: acknowledged again
    assert outcome_of(A, 5, change(A, 4)) == REPLACED  # A's later change is stored: acknowledged
    assert outcome_of(A, 3, change(A, 4)) == STORED
    assert outcome_of(B, 1, change(A, 4)) == REFUSED


@given(stored_seq=st.integers(0, 50), seq=st.integers(1, 50), seen=st.dictionaries(
    st.sampled_from([A, B, C]), st.integers(0, 50), max_size=3), stored_by=st.sampled_from([A, B, C]))
def test_a_change_replaces_only_a_stored_change_it_comes_after(stored_by, stored_seq, seq, seen):
    """Whatever the numbers: acceptance implies the same window with a higher number, or `seen` covering it."""
    accepted = replaces(stored_by, stored_seq, change(A, seq, seen))
    came_after = (stored_by == A and stored_seq < seq) or (stored_by != A and seen.get(stored_by, 0) >= stored_seq)
    assert accepted == came_after


# --- Through the service ---------------------------------------------------------------------------

@pytest.fixture
def attempt(users):
    trainer, candidate = users[Role.TRAINER], users[Role.COLLECTOR]
    bank = factories.make_exam_bank(trainer).bank
    rules = [RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in ("single", "true_false")]
    exam = factories.make_exam(trainer, bank, rules=rules, audience=[candidate], now=NOW - timedelta(hours=1),
                               pass_mark=Decimal(2))
    started = flow.start_attempt(candidate, exam, now=NOW, ip="t")
    db.session.commit()
    return started


def stored(attempt, position=1):
    db.session.expire_all()
    return db.session.scalar(select(PaperItem).where(PaperItem.attempt_id == attempt.id,
                                                     PaperItem.position == position))


def save(attempt, *changes, known=0, now=NOW):
    sync = apply_changes(attempt, list(changes), known=known, now=now, grace=GRACE)
    db.session.commit()
    return sync


def test_a_window_that_loaded_before_another_saved_cannot_wipe_that_answer(attempt):
    """Sequence 1 of the issue: B shows the paper as it was, A saves more, B sends its (older) answer."""
    assert save(attempt, change(A, 1, response=0)).all_acknowledged
    b_seen = {A: 1}  # what B's page showed for question 1
    assert save(attempt, change(A, 2, {}, response=2)).all_acknowledged
    refused = save(attempt, change(B, 1, b_seen, response=0))
    assert refused.outcomes == {(B, 1): REFUSED}
    assert [(i.position, i.response, i.changed_by, i.change_seq) for i in refused.items] == [(1, 2, A, 2)]
    assert (stored(attempt).response, stored(attempt).changed_by) == (2, A)


def test_a_window_that_saw_the_latest_answer_replaces_it(attempt):
    save(attempt, change(A, 1, response=0))
    assert save(attempt, change(B, 1, {A: 1}, response=3, flagged=True)).all_acknowledged
    item = stored(attempt)
    assert (item.response, item.flagged, item.changed_by, item.change_seq) == (3, True, B, 1)


def test_a_repeated_request_is_acknowledged_without_writing_again(attempt):
    first = save(attempt, change(A, 1, response=0))
    again = save(attempt, change(A, 1, response=0), known=first.rev)
    assert again.outcomes == {(A, 1): STORED} and again.items == []
    assert stored(attempt).rev == first.rev


def test_a_delayed_older_request_of_the_same_window_changes_nothing(attempt):
    save(attempt, change(A, 2, response=2))
    late = save(attempt, change(A, 1, response=0))
    assert late.outcomes == {(A, 1): REPLACED}
    assert stored(attempt).response == 2


def test_a_save_reports_what_other_windows_changed_since_the_revision_it_knew(attempt):
    first = save(attempt, change(A, 1, response=0, position=1))
    second = save(attempt, change(B, 1, response=True, position=2))
    pulled = save(attempt, known=first.rev)
    assert [(i.position, i.response, i.rev) for i in pulled.items] == [(2, True, second.rev)]
    assert pulled.rev == second.rev
    assert save(attempt, known=second.rev).items == []


def test_changes_to_other_questions_are_stored_beside_a_refused_one(attempt):
    save(attempt, change(A, 1, response=0, position=1))
    sync = save(attempt, change(B, 1, {}, response=3, position=1), change(B, 2, {}, response=False, position=2))
    assert sync.outcomes == {(B, 1): REFUSED, (B, 2): STORED}
    assert not sync.all_acknowledged
    assert (stored(attempt, 1).response, stored(attempt, 2).response) == (0, False)


def test_when_the_attempt_is_over_nothing_is_written_and_earlier_copies_still_count(attempt):
    save(attempt, change(A, 1, response=0))
    late = attempt.deadline_at + GRACE + timedelta(seconds=1)
    sync = save(attempt, change(A, 1, response=0), change(A, 2, {}, response=True, position=2), now=late)
    assert sync.over
    assert sync.outcomes == {(A, 1): STORED, (A, 2): LATE}
    assert stored(attempt, 2).response is None


def test_an_answer_cleared_on_purpose_is_stored_as_cleared(attempt):
    save(attempt, change(A, 1, response=0))
    save(attempt, change(A, 2, response=None))
    item = stored(attempt)
    assert item.response is None and item.answered_at is not None and item.change_seq == 2
