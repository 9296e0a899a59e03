"""One person's result for an exam is the same number on every surface (app/exams/results.py): the
dashboard, the HR exports, the API, the transcript, the candidate's own exam list and the evaluation.

The story, through the real services: 张三 sits 法规考试 (pass mark 6) twice and fails both; a question's
points were lowered between the two sittings, so the papers total 10 and 8. He then passes the make-up exam.
A regrade (the true/false key was wrong) lifts the first attempt to 6 of 10 (60 %, passed) and the second to
5 of 8 (62.5 %, still failed). His result is the first attempt: the highest score, 6 points, 60 %, passed
at the first sitting — not the second attempt's higher percentage, and not the make-up exam.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from flask_babel import force_locale, gettext

from app.api import clients
from app.api.scopes import SCOPES
from app.core.clock import utcnow
from app.core.roles import Role
from app.evaluation import computing
from app.exams import papers, regrades
from app.exams.models import AudienceEntry
from app.exams.results import result_of
from app.exams.services import ExamSettings, RuleData, create_makeup, publish
from app.extensions import db
from app.reports import dashboards
from app.reports.exports import RESULT_COLUMNS, TRANSCRIPT_COLUMNS
from tests import factories
from tests.exams.marking_support import item_of, revise
from tests.exams.marking_support import sit as sit_at

ITEM_TYPES = ("single", "multiple", "true_false", "fill_blank")


def _sit(candidate, exam, answers, now):
    """Sit and submit with the given answers (original option indexes), at `now`."""
    attempt = sit_at(candidate, exam, answers, now=now)
    assert attempt.status == "submitted"
    return attempt


def _story(users):
    now = utcnow()
    trainer, hr = users[Role.TRAINER], users[Role.HR]
    person = factories.make_user("zs001", name="张三")
    made = factories.make_exam_bank(trainer, per_type=1)  # single 2, multiple 4, true/false 1, fill in 3 points
    questions = {q.current.type: q for q in made.questions}
    # The question's own points on the paper (points_each None), so a change of points changes later papers.
    rules = [RuleData(count=1, bank_id=made.bank.id, type=kind) for kind in ITEM_TYPES]
    start = now - timedelta(hours=5)
    law = factories.make_exam(trainer, made.bank, rules=rules, audience=[person], now=start, title="法规考试",
                              opens_at=start, closes_at=now - timedelta(hours=3), attempts_allowed=2)
    batch = factories.make_batch(starts_on=(now - timedelta(days=3)).date(), members=[person], now=start)
    db.session.add(AudienceEntry(exam_id=law.id, batch_id=batch.id))
    db.session.flush()
    # First sitting (paper of 10): single right 2, multiple wrong 0, true/false "false" 0, fill in right 3 → 5.
    first = _sit(person, law, {"single": 1, "multiple": [0], "true_false": False, "fill_blank": ["30", "abc"]},
                 start + timedelta(minutes=5))
    revise(trainer, questions["multiple"], points=Decimal(2))
    # Second sitting (paper of 8): single 2, multiple 2, true/false "false" 0, fill in wrong 0 → 4.
    second = _sit(person, law, {"single": 1, "multiple": [0, 2], "true_false": False, "fill_blank": ["x", "y"]},
                  start + timedelta(minutes=45))
    assert (first.score, first.max_score, first.passed) == (Decimal(5), Decimal(10), False)
    assert (second.score, second.max_score, second.passed) == (Decimal(4), Decimal(8), False)
    # Failed twice: the make-up exam admits him; he passes it with 6.5 of 8.
    makeup = create_makeup(trainer, law, ExamSettings(title="法规补考", opens_at=now - timedelta(hours=2),
                                                      closes_at=now + timedelta(hours=2), duration_minutes=30,
                                                      pass_mark=Decimal(6)), now=now - timedelta(hours=2), ip="t")
    publish(trainer, makeup, now=now - timedelta(hours=2), ip="t")
    made_up = _sit(person, makeup, {"single": 1, "multiple": [0, 2], "true_false": True,
                                    "fill_blank": ["30", "x"]}, now - timedelta(minutes=90))
    assert (made_up.score, made_up.max_score, made_up.passed) == (Decimal("6.5"), Decimal(8), True)
    # The regrade: the true/false key was wrong ("false" is right) on 法规考试.
    old_version = item_of(first, "true_false").version
    revise(trainer, questions["true_false"], truth=False)
    regrades.apply_regrade(trainer, law, old_version, "rekey", reason="判断题答案录错", now=now - timedelta(hours=1),
                          ip="t")
    db.session.commit()
    for attempt in (first, second, made_up):
        db.session.refresh(attempt)
    assert (first.score, first.passed) == (Decimal(6), True)  # 60 %
    assert (second.score, second.passed) == (Decimal(5), False)  # 62.5 %, a higher percentage that failed
    return now, trainer, hr, person, law, makeup, batch, first, made_up


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    return rows[1:]


def _zh(msgid: str, **values) -> str:
    with force_locale("zh_Hans"):
        return gettext(msgid, **values)


def test_one_result_for_a_person_is_the_same_on_every_surface(app, client, login, users):
    now, _trainer, hr, person, law, makeup, batch, first, made_up = _story(users)
    expected = {law.id: (first.id, Decimal(6), Decimal("60.00"), True),
                makeup.id: (made_up.id, Decimal("6.5"), Decimal("81.25"), True)}

    # The definition itself.
    for exam in (law, makeup):
        result = result_of(person.id, exam.id)
        assert (result.attempt_id, result.score, result.percent, result.passed) == expected[exam.id]

    # Dashboard: one result per exam, its percentage and pass/fail.
    figures = {f.exam_id: f for f in dashboards.exam_figures(dashboards.Filters())}
    for exam in (law, makeup):
        assert (figures[exam.id].results, figures[exam.id].passed) == (1, 1)
        assert Decimal(str(figures[exam.id].mean_percent)) == expected[exam.id][2].quantize(Decimal("0.1"))
    distribution = dashboards.score_distribution(dashboards.Filters(), law)
    assert distribution.counts[6] == 1 and sum(distribution.counts) == 1  # 60 %, not 62.5 % (bin 6 either way)
    assert distribution.pass_mark_percent == 60.0  # of the counted paper (10 points), not the 8-point one
    assert dashboards.pass_rates_by_course(dashboards.Filters())[0].passed == 1

    # Exports (HR): every attempt, the counted one marked, with the result's score, percentage and pass/fail.
    login(hr)
    keys = [column.key for column in RESULT_COLUMNS]
    for path in ("/reports/results.csv", f"/reports/exams/{law.id}/results.csv"):
        rows = [dict(zip(keys, row, strict=True)) for row in _csv(client.get(path)) if row[0] == person.staff_no]
        for exam in (law, makeup):
            counted = [row for row in rows if row["exam"] == exam.title and row["counted"] == _zh("Yes")]
            assert len(counted) == 1, (path, exam.title)
            row = counted[0]
            _attempt_id, score, percent, passed = expected[exam.id]
            assert (Decimal(row["score"]), Decimal(row["percent"])) == (score, percent)
            assert row["result"] == _zh("Pass" if passed else "Fail")
        assert len([row for row in rows if row["exam"] == law.title]) == 2

    # Transcript (HR): the same marking and figures.
    keys = [column.key for column in TRANSCRIPT_COLUMNS]
    rows = [dict(zip(keys, row, strict=True)) for row in _csv(client.get(f"/reports/staff/{person.id}/transcript.csv"))]
    for exam in (law, makeup):
        counted = [row for row in rows if row["exam"] == exam.title and row["counted"] == _zh("Yes")]
        assert len(counted) == 1
        _attempt_id, score, percent, passed = expected[exam.id]
        assert (Decimal(counted[0]["score"]), Decimal(counted[0]["percent"])) == (score, percent)
        assert counted[0]["result"] == _zh("Pass")

    # API: the counted attempt carries the result's score and pass/fail.
    _client, token = clients.create_client(users[Role.ADMIN], "HR system", list(SCOPES), ip="t", now=now)
    db.session.commit()
    body = client.get(f"/api/v1/results?staff_no={person.staff_no}", headers={"Authorization": f"Bearer {token}"})
    assert body.status_code == 200
    rows = body.get_json()["data"]
    assert len(rows) == 3
    for exam in (law, makeup):
        counted = [row for row in rows if row["exam_id"] == exam.id and row["counted"]]
        assert len(counted) == 1
        attempt_id, score, _percent, passed = expected[exam.id]
        got = (counted[0]["id"], Decimal(str(counted[0]["score"])), counted[0]["passed"])
        assert got == (attempt_id, score, passed)

    # The candidate's own exam list: the counted attempt, its score and pass/fail.
    shown = {row.exam.id: row for row in papers.exam_rows(person, now)}
    assert shown[law.id].attempt.id == first.id and shown[law.id].score_shown
    own = app.test_client()
    own.post("/login", data={"staff_no": person.staff_no, "password": factories.PASSWORD})
    page = own.get("/my/exams").get_data(as_text=True)
    assert ">" + _zh("%(score)s of %(total)s points", score="6", total="10") in page
    assert ">" + _zh("%(score)s of %(total)s points", score="6.5", total="8") in page  # the make-up exam
    assert ">" + _zh("%(score)s of %(total)s points", score="5", total="8") not in page

    # Evaluation: 法规 passed at the first sitting with the counted attempt's 60 %, the make-up not needed.
    evaluations = computing.compute_batch(hr, batch, now=now, ip="t")
    law_course = evaluations[0].courses["law"]
    assert law_course["status"] == "passed"
    assert (Decimal(law_course["counted"]), law_course["attempt_id"]) == (Decimal("60.00"), first.id)
