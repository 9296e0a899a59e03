"""A released review of an earlier attempt stays closed while the candidate sits another attempt: it would
show the keys of questions the open paper may hold (docs/security.md §19)."""

from datetime import UTC, datetime, timedelta

from app.core.clock import utcnow
from app.core.roles import Role
from app.exams import attempts as flow
from app.exams.grading import attempt_items, update_totals
from app.extensions import db
from tests import factories

GRACE = timedelta(seconds=30)


def test_the_review_of_a_first_attempt_is_closed_while_the_second_is_open(client, login, users):
    trainer, candidate = users[Role.TRAINER], users[Role.COLLECTOR]
    bank = factories.make_exam_bank(trainer).bank
    exam = factories.make_exam(trainer, bank, audience=[candidate], attempts_allowed=2, release_score="at_submit",
                               release_review="at_submit")
    now = utcnow()
    first = flow.start_attempt(candidate, exam, now=now, ip="t")
    flow.submit(first, now=now, grace=GRACE, actor=candidate, ip="t")
    for item in first.items:  # grade the short answer so the score and the review exist
        if item.score is None:
            item.score, item.graded_by_id = item.points, trainer.id
    db.session.flush()
    update_totals(first, attempt_items(first), now=now)
    db.session.commit()
    explanations = [item.version.explanation for item in first.items if item.version.explanation]
    assert explanations
    login(candidate)

    shown = client.get(f"/my/attempts/{first.id}/result").get_data(as_text=True)
    assert all(text in shown for text in explanations)

    second = flow.start_attempt(candidate, exam, now=datetime.now(UTC), ip="t")
    db.session.commit()
    closed = client.get(f"/my/attempts/{first.id}/result").get_data(as_text=True)
    assert not any(text in closed for text in explanations)

    flow.submit(second, now=datetime.now(UTC), grace=GRACE, actor=candidate, ip="t")
    db.session.commit()
    reopened = client.get(f"/my/attempts/{first.id}/result").get_data(as_text=True)
    assert all(text in reopened for text in explanations)
