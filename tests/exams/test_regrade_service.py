"""Regrades on hand-checked examples: a corrected key (rekey) for every auto-graded type and both
multiple-choice policies, voiding, the dry run, the audit trail and idempotence (service level)."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError
from app.core.roles import Role
from app.exams import marking, regrades
from app.exams.attempts import submit
from app.exams.models import Attempt, PaperItem, Regrade
from app.extensions import db
from tests import factories
from tests.exams.marking_support import (
    ALL_RIGHT,
    GRACE,
    LATER,
    NOW,
    D,
    events,
    item_of,
    make_small_exam,
    revise,
    scores,
    sit,
)


@pytest.fixture
def people(users):
    trainer = users[Role.TRAINER]
    candidates = [users[Role.COLLECTOR], factories.make_user("c0002", roles=[Role.COLLECTOR], name="李四"),
                  factories.make_user("c0003", roles=[Role.COLLECTOR], name="王五")]
    db.session.commit()
    return trainer, candidates


def _sit_graded(trainer, candidate, exam, answers, short_points=D(2)):
    """Sit with `answers` (others as ALL_RIGHT) and grade the short answer by hand."""
    attempt = sit(candidate, exam, {**ALL_RIGHT, **answers})
    marking.grade_answer(trainer, item_of(attempt, "short_answer"), points=short_points, comment="", now=NOW,
                         ip="t")
    db.session.commit()
    return attempt


def _snapshot():
    items = db.session.execute(select(PaperItem.id, PaperItem.score, PaperItem.correct, PaperItem.graded_at,
                                      PaperItem.graded_by_id).order_by(PaperItem.id)).all()
    attempts = db.session.execute(select(Attempt.id, Attempt.score, Attempt.passed, Attempt.graded_at)
                                  .order_by(Attempt.id)).all()
    counts = (db.session.scalar(select(func.count()).select_from(Regrade)),
              db.session.scalar(select(func.count()).select_from(AuditEvent)))
    return items, attempts, counts


def test_rekey_single_choice_swaps_who_scores(people):
    trainer, (a, b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    right_before = _sit_graded(trainer, a, exam, {"single": 1})  # 10, pass
    right_after = _sit_graded(trainer, b, exam, {"single": 2})  # 8, pass
    version = item_of(right_before, "single").version
    revise(trainer, questions["single"], correct={2})
    plan = regrades.plan_regrade(exam, version, "rekey")
    assert {(c.attempt.id, c.old_score, c.new_score) for c in plan.changes} == {
        (right_before.id, D(10), D(8)), (right_after.id, D(8), D(10))}
    regrades.apply_regrade(trainer, exam, version, "rekey", reason="答案录错", now=LATER, ip="t")
    db.session.commit()
    assert scores(right_before)["single"] == D(0) and scores(right_after)["single"] == D(2)
    assert (right_before.score, right_after.score) == (D(8), D(10))


@pytest.mark.parametrize("share, expected", [
    (None, {"AC": (D(10), D(8)), "ABC": (D(8), D(10)), "A": (D(8), D(8))}),
    (D("0.5"), {"AC": (D(10), D(9)), "ABC": (D(8), D(10)), "A": (D(9), D(9))}),
])
def test_rekey_multiple_choice_under_each_policy(people, share, expected):
    """Key AC corrected to ABC. Partial 0.5: A (a correct subset) earns 0.5 × 2 = 1 before and after."""
    trainer, candidates = people
    exam, questions = make_small_exam(trainer, candidates, partial_share=share)
    responses = {"AC": [0, 2], "ABC": [0, 1, 2], "A": [0]}
    attempts = {label: _sit_graded(trainer, person, exam, {"multiple": responses[label]})
                for label, person in zip(responses, candidates, strict=True)}
    assert {label: a.score for label, a in attempts.items()} == {k: v[0] for k, v in expected.items()}
    version = item_of(attempts["A"], "multiple").version
    revise(trainer, questions["multiple"], correct={0, 1, 2})
    plan = regrades.apply_regrade(trainer, exam, version, "rekey", reason="漏选项", now=LATER, ip="t")
    db.session.commit()
    for label, attempt in attempts.items():
        db.session.refresh(attempt)
        assert attempt.score == expected[label][1], label
    changed = {label for label, (old, new) in expected.items() if old != new}
    assert {c.attempt.id for c in plan.changes} == {attempts[label].id for label in changed}


def test_rekey_true_false(people):
    trainer, (a, b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    said_true = _sit_graded(trainer, a, exam, {"true_false": True})
    said_false = _sit_graded(trainer, b, exam, {"true_false": False})
    revise(trainer, questions["true_false"], truth=False)
    regrades.apply_regrade(trainer, exam, item_of(said_true, "true_false").version, "rekey", reason="判断反了",
                          now=LATER, ip="t")
    db.session.commit()
    assert (scores(said_true)["true_false"], scores(said_false)["true_false"]) == (D(0), D(2))
    assert (said_true.score, said_false.score) == (D(8), D(10))


def test_rekey_fill_in_the_blank_with_alternatives_and_full_width_digits(people):
    trainer, (a, b, _c) = people
    trainer_bank_exam, questions = make_small_exam(trainer, people[1])
    # The paper goes out with a wrong key for blank 1 ("31"); it is corrected to "30" or "三十".
    revise(trainer, questions["fill_blank"], blanks=[["31"], ["abc"]])
    exam = trainer_bank_exam
    full_width = _sit_graded(trainer, a, exam, {"fill_blank": ["３０", "ABC"]})
    chinese = _sit_graded(trainer, b, exam, {"fill_blank": ["三十", "x"]})
    assert (scores(full_width)["fill_blank"], scores(chinese)["fill_blank"]) == (D(1), D(0))
    version = item_of(full_width, "fill_blank").version
    revise(trainer, questions["fill_blank"], blanks=[["30", "三十"], ["abc"]])
    regrades.apply_regrade(trainer, exam, version, "rekey", reason="填空答案错误", now=LATER, ip="t")
    db.session.commit()
    assert (scores(full_width)["fill_blank"], scores(chinese)["fill_blank"]) == (D(2), D(1))
    assert (full_width.score, chinese.score) == (D(10), D(9))


def test_void_gives_full_points_to_everyone_who_had_it_including_a_short_answer(people):
    trainer, (a, b, _c) = people
    exam, _questions = make_small_exam(trainer, people[1])
    waiting = sit(a, exam, {**ALL_RIGHT, "single": 0})  # short answer not graded yet: no score
    graded = _sit_graded(trainer, b, exam, {"single": 0}, short_points=D("0.5"))  # 6.5
    assert waiting.score is None
    version = item_of(waiting, "short_answer").version
    plan = regrades.plan_regrade(exam, version, "void")
    assert {(c.attempt.id, c.old_score, c.new_score, c.new_passed) for c in plan.changes} == {
        (waiting.id, None, D(8), True), (graded.id, D("6.5"), D(8), True)}
    regrades.apply_regrade(trainer, exam, version, "void", reason="题目有歧义", now=LATER, ip="t")
    db.session.commit()
    assert scores(waiting)["short_answer"] == D(2) and scores(graded)["short_answer"] == D(2)
    assert (waiting.score, waiting.passed, graded.score) == (D(8), True, D(8))


def test_rekey_keeps_scores_given_by_hand(people):
    trainer, (a, _b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    attempt = _sit_graded(trainer, a, exam, {}, short_points=D("1.5"))
    version = item_of(attempt, "short_answer").version
    revise(trainer, questions["short_answer"], reference="新的参考答案")
    plan = regrades.apply_regrade(trainer, exam, version, "rekey", reason="参考答案更新", now=LATER, ip="t")
    db.session.commit()
    assert plan.changes == [] and scores(attempt)["short_answer"] == D("1.5")


def test_the_dry_run_changes_nothing(people):
    trainer, (a, b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    first = _sit_graded(trainer, a, exam, {"single": 1})
    _sit_graded(trainer, b, exam, {"single": 2})
    revise(trainer, questions["single"], correct={2})
    before = _snapshot()
    version = item_of(first, "single").version
    assert len(regrades.plan_regrade(exam, version, "rekey").changes) == 2
    assert len(regrades.plan_regrade(exam, version, "void").changes) == 1  # the first had it right already
    db.session.commit()
    db.session.expire_all()
    assert _snapshot() == before


def test_apply_audits_each_changed_attempt_and_a_second_apply_changes_nothing(people):
    trainer, (a, b, c) = people
    exam, questions = make_small_exam(trainer, people[1])
    loses = _sit_graded(trainer, a, exam, {"single": 1}, short_points=D(0))  # 8 → 6 still passes
    gains = _sit_graded(trainer, b, exam, {"single": 2}, short_points=D(0))  # 6 → 8
    unchanged = _sit_graded(trainer, c, exam, {"single": 0}, short_points=D(0))  # 6 → 6
    version = item_of(loses, "single").version
    revise(trainer, questions["single"], correct={2})
    regrades.apply_regrade(trainer, exam, version, "rekey", reason="答案录错", now=LATER, ip="t")
    db.session.commit()
    regraded = events(actions.ATTEMPT_REGRADED)
    assert {e.target_id: (e.details["score"]["old"], e.details["score"]["new"]) for e in regraded} == {
        str(loses.id): ("8.00", "6.00"), str(gains.id): ("6.00", "8.00")}
    assert all(e.details["reason"] == "答案录错" for e in regraded)
    assert str(unchanged.id) not in {e.target_id for e in regraded}
    assert len(events(actions.REGRADE_APPLIED)) == 1

    snapshot = _snapshot()[:2]
    again = regrades.apply_regrade(trainer, exam, version, "rekey", reason="再次确认", now=LATER, ip="t")
    db.session.commit()
    db.session.expire_all()
    assert again.changes == [] and _snapshot()[:2] == snapshot
    assert len(events(actions.ATTEMPT_REGRADED)) == 2
    assert db.session.scalar(select(func.count()).select_from(Regrade)) == 1


def test_switching_a_rekey_to_a_void_updates_the_single_regrade_row(people):
    trainer, (a, _b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    attempt = _sit_graded(trainer, a, exam, {"single": 1})
    version = item_of(attempt, "single").version
    revise(trainer, questions["single"], correct={2})
    regrades.apply_regrade(trainer, exam, version, "rekey", reason="r1", now=LATER, ip="t")
    regrades.apply_regrade(trainer, exam, version, "void", reason="r2", now=LATER, ip="t")
    db.session.commit()
    [row] = db.session.scalars(select(Regrade)).all()
    assert (row.action, row.key_version_id, row.reason) == ("void", None, "r2")
    assert scores(attempt)["single"] == D(2)


def test_an_attempt_in_progress_gets_the_regrade_when_it_is_submitted(people):
    trainer, (a, _b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    attempt = sit(a, exam, {**ALL_RIGHT, "single": 2}, submit=False)
    version = item_of(attempt, "single").version
    revise(trainer, questions["single"], correct={2})
    plan = regrades.apply_regrade(trainer, exam, version, "rekey", reason="答案录错", now=LATER, ip="t")
    assert plan.attempts == 0
    submit(attempt, now=LATER, grace=GRACE, actor=a, ip="t")
    db.session.commit()
    assert scores(attempt)["single"] == D(2)


def test_rekey_is_refused_without_a_compatible_newer_version(people):
    trainer, (a, _b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    attempt = sit(a, exam, ALL_RIGHT)
    version = item_of(attempt, "single").version
    assert regrades.rekey_refusal(version) is not None  # no newer version yet
    with pytest.raises(DomainError):
        regrades.plan_regrade(exam, version, "rekey")
    revise(trainer, questions["single"], options=["甲", "乙", "丙", "丁", "戊"], correct={4})
    assert "选项数" in str(regrades.rekey_refusal(version))  # the number of options differs
    with pytest.raises(DomainError):
        regrades.apply_regrade(trainer, exam, version, "rekey", reason="x", now=LATER, ip="t")


def test_rekey_is_refused_when_the_newer_version_has_another_number_of_blanks(people):
    trainer, (a, _b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    attempt = sit(a, exam, ALL_RIGHT)
    version = item_of(attempt, "fill_blank").version
    revise(trainer, questions["fill_blank"], stem="甲____乙____丙____", blanks=[["30"], ["abc"], ["x"]])
    assert "空数" in str(regrades.rekey_refusal(version))  # the number of blanks differs
    with pytest.raises(DomainError):
        regrades.plan_regrade(exam, version, "rekey")


def test_a_regrade_needs_a_reason(people):
    trainer, (a, _b, _c) = people
    exam, _questions = make_small_exam(trainer, people[1])
    attempt = sit(a, exam, ALL_RIGHT)
    with pytest.raises(DomainError) as raised:
        regrades.apply_regrade(trainer, exam, item_of(attempt, "single").version, "void", reason="  ", now=LATER,
                              ip="t")
    assert raised.value.field == "reason"


def test_question_uses_report_papers_means_and_newer_versions(people):
    trainer, (a, b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    _sit_graded(trainer, a, exam, {"single": 1})
    _sit_graded(trainer, b, exam, {"single": 0})
    revise(trainer, questions["single"], correct={2})
    uses = {use.version.type: use for use in regrades.question_uses(exam)}
    assert uses["single"].on_papers == 2 and uses["single"].mean_score == D(1) and uses["single"].newer
    assert not uses["multiple"].newer and uses["multiple"].mean_score == D(2)
    assert isinstance(uses["single"].points, Decimal)


def test_an_attempt_still_waiting_for_a_person_is_listed_and_audited_by_its_points(people):
    trainer, (a, _b, _c) = people
    exam, questions = make_small_exam(trainer, people[1])
    waiting = sit(a, exam, {**ALL_RIGHT, "single": 2})  # short answer not graded: no total yet
    version = item_of(waiting, "single").version
    revise(trainer, questions["single"], correct={2})
    [change] = regrades.plan_regrade(exam, version, "rekey").changes
    assert (change.item_old, change.item_new, change.old_score, change.new_score) == (D(0), D(2), None, None)
    regrades.apply_regrade(trainer, exam, version, "rekey", reason="答案录错", now=LATER, ip="t")
    db.session.commit()
    [event] = events(actions.ATTEMPT_REGRADED)
    assert event.details["points"] == {"old": "0.00", "new": "2.00"} and event.details["score"]["new"] is None
