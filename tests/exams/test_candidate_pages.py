"""The candidate's pages read what they show in a constant number of SQL statements — home, 我的考试 and the start
page whatever the number of exams, the paper, submit and result pages whatever the number of questions — and
我的考试 still puts every exam in the group its audience, window, attempts, make-up rule and attendance say."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.banks.models import Image
from app.core.clock import utcnow
from app.core.roles import Role
from app.courses.catalog import find_course
from app.exams.models import Attempt, Exam
from app.exams.services import RuleData, publish, set_audience
from app.exams.states import AttemptState, ExamState
from app.extensions import db
from app.training.models import Attendance, AttendanceWaiver
from tests import factories
from tests.exams.take_helpers import AUTO_TYPES, start
from tests.exams.test_question_pictures import PNG
from tests.statements import statements

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")




def _submitted(exam, user, score=None, passed=None, number=1):
    now = utcnow()
    db.session.add(Attempt(exam_id=exam.id, user_id=user.id, number=number, status=AttemptState.SUBMITTED, seed=1,
                           started_at=now - timedelta(hours=1), deadline_at=now - timedelta(minutes=30),
                           submitted_at=now - timedelta(minutes=40), max_score=Decimal(10),
                           score=None if score is None else Decimal(score), passed=passed))


def _closed(exam):
    now = utcnow()
    exam.status, exam.opens_at, exam.closes_at = ExamState.CLOSED, now - timedelta(days=2), now - timedelta(days=1)


def _makeup(trainer, bank, original):
    """A published make-up exam of `original` (no audience of its own: the original's decides)."""
    made = factories.make_exam(trainer, bank, title=f"{original.title} make-up", status="draft")
    made.makeup_of_id = original.id
    publish(trainer, made, now=utcnow(), ip="t")
    return made


def _by_batch(trainer, bank, batch, **settings):
    made = factories.make_exam(trainer, bank, status="draft", **settings)
    set_audience(trainer, made, station_ids=[], team_ids=[], user_ids=[], batch_ids=[batch.id], now=utcnow(), ip="t")
    publish(trainer, made, now=utcnow(), ip="t")
    return made


def _groups(page: str) -> dict[str, set[str]]:
    """{group: titles of the exams listed in it} from 我的考试."""
    groups = {}
    for state, body in re.findall(r'<section class="mb-4" id="exams-(\w+)">(.*?)</section>', page, re.S):
        groups[state] = set(re.findall(r'<span class="fw-semibold">([^<]+)</span>', body))
    return groups


@pytest.fixture
def world(users, org):
    """The collector (east station, its first team) and a trainer's banks in three courses."""
    trainer = users[Role.TRAINER]
    banks = {code: factories.make_exam_bank(trainer, code).bank for code in ("law", "integrity", "etiquette")}
    db.session.commit()
    return users[Role.COLLECTOR], trainer, banks


def test_my_exams_puts_each_exam_in_the_group_its_rules_say(client, login, world, org):
    collector, trainer, banks = world
    law = banks["law"]
    east, west = org.stations
    exam = lambda title, audience=(collector,), bank=law, **kw: factories.make_exam(  # noqa: E731
        trainer, bank, title=title, audience=audience, **kw)
    exam("by station", [east])
    exam("by team", [east.teams[0]])
    exam("by person")
    _by_batch(trainer, law, factories.make_batch(members=[collector]), title="by batch")
    exam("other station", [west])
    exam("other team", [east.teams[1]])
    exam("tomorrow", opens_at=utcnow() + timedelta(days=1), closes_at=utcnow() + timedelta(days=2))
    sat = exam("sat and closed")
    _submitted(sat, collector, 8, True)
    _closed(sat)
    used = exam("all attempts used")
    _submitted(used, collector, 3, False)
    moved = exam("sat then moved away")
    _submitted(moved, collector, None, None)
    set_audience(trainer, moved, station_ids=[west.id], team_ids=[], user_ids=[], now=utcnow(), ip="t")
    failed, passed, pending, running = (exam(f"original {n}") for n in ("failed", "passed", "pending", "running"))
    _submitted(failed, collector, 2, False)
    _submitted(failed, collector, 4, False, number=2)
    _submitted(passed, collector, 2, False)
    _submitted(passed, collector, 9, True, number=2)  # the best attempt counts
    _submitted(pending, collector, None, None)
    for original in (failed, passed, pending):
        _closed(original)
    for original in (failed, passed, pending, running):
        _makeup(trainer, law, original)
    # Attendance: absent from an ended integrity session (refused); absent from etiquette too, but waived.
    held = factories.make_batch(starts_on=utcnow().date() - timedelta(days=5), status="finished", members=[collector])
    for code in ("integrity", "etiquette"):
        session = factories.make_session(held, code, trainer, seats=[collector])
        db.session.add(Attendance(session_id=session.id, user_id=collector.id, status="absent", recorded_at=utcnow(),
                                  recorded_by_id=trainer.id))
    db.session.add(AttendanceWaiver(user_id=collector.id, course_id=find_course("etiquette").id, reason="病假证明",
                                    granted_at=utcnow(), granted_by_id=trainer.id))
    exam("missed training", bank=banks["integrity"])
    exam("waived training", bank=banks["etiquette"])
    db.session.commit()

    login(collector)
    page = client.get("/my/exams").get_data(as_text=True)
    assert _groups(page) == {
        "open": {"by station", "by team", "by person", "by batch", "original failed make-up", "original running",
                 "waived training"},
        "upcoming": {"tomorrow", "original running make-up"},
        "finished": {"sat and closed", "all attempts used", "sat then moved away", "original failed",
                     "original passed", "original pending", "missed training"},
    }
    assert "This exam has not opened yet." in page
    assert "The make-up exam opens to candidates once the original exam has closed." in page
    assert "You missed training sessions of this course" in page
    reasons = {"all attempts used": "You have used all your attempts at this exam.",
               "sat then moved away": "You are not among the candidates of this exam.",
               "original passed make-up": None, "original pending make-up": None, "other team": None,
               "missed training": "You missed training sessions of this course",
               "by batch": 'id="start-exam"', "original failed make-up": 'id="start-exam"'}
    for title, reason in reasons.items():
        shown = client.get(f"/my/exams/{db.session.scalar(db.select(Exam.id).where(Exam.title == title))}")
        assert shown.status_code == (200 if reason else 404), title
        assert reason is None or reason in shown.get_data(as_text=True), title


def test_a_collector_without_station_or_team_sees_only_what_names_them(client, login, world, org):
    _collector, trainer, banks = world
    loner = factories.make_user("c0100", roles=[Role.COLLECTOR])
    factories.make_exam(trainer, banks["law"], title="for stations", audience=org.stations)
    factories.make_exam(trainer, banks["law"], title="for teams", audience=[t for s in org.stations for t in s.teams])
    named = factories.make_exam(trainer, banks["law"], title="for the loner", audience=[loner])
    db.session.commit()
    login(loner)
    assert _groups(client.get("/my/exams").get_data(as_text=True)) == {"open": {"for the loner"}}
    assert client.get(f"/my/exams/{named.id}").status_code == 200
    others = [e for e in db.session.scalars(db.select(Exam)) if e.id != named.id]
    assert all(client.get(f"/my/exams/{e.id}").status_code == 404 for e in others)


def _open_exams(trainer, bank, collector, org, count: int, prefix: str):
    """`count` open exams whose audiences name the collector's station, team, the collector or a batch in turn,
    plus a make-up exam of a closed exam the collector failed."""
    batch = factories.make_batch(members=[collector])
    station, team = org.stations[0], org.stations[0].teams[0]
    for index in range(count):
        title = f"{prefix} {index}"
        if index % 4 == 3:
            _by_batch(trainer, bank, batch, title=title)
        else:
            factories.make_exam(trainer, bank, title=title, audience=[(station, team, collector)[index % 4]])
    original = factories.make_exam(trainer, bank, title=f"{prefix} original", audience=[collector])
    _submitted(original, collector, 1, False)
    _closed(original)
    _makeup(trainer, bank, original)
    db.session.commit()


def test_home_my_exams_and_the_start_page_do_not_read_more_for_more_exams(client, login, world, org):
    collector, trainer, banks = world
    held = factories.make_batch(starts_on=utcnow().date() - timedelta(days=5), status="finished", members=[collector])
    session = factories.make_session(held, "law", trainer, seats=[collector])
    db.session.add(Attendance(session_id=session.id, user_id=collector.id, status="present", recorded_at=utcnow(),
                              recorded_by_id=trainer.id))
    _open_exams(trainer, banks["law"], collector, org, 1, "first")
    first = db.session.scalar(db.select(Exam).where(Exam.title == "first 0"))
    login(collector)
    pages = ("/me", "/my/exams", f"/my/exams/{first.id}")
    one = [statements(client, path) for path in pages]
    _open_exams(trainer, banks["law"], collector, org, 10, "more")
    assert len(_groups(client.get("/my/exams").get_data(as_text=True))["open"]) == (1 + 1) + (10 + 1)
    ten = [statements(client, path) for path in pages]
    assert ten == one
    home, my_exams, start_page = ten
    # The session, its user and roles are 3; close_overdue's read is 1; then 我的考试 reads the attempts, the
    # exams with their audiences, and the attendance; the start page adds the exam and its paper total.
    assert home <= 5 and my_exams <= 7 and start_page <= 12


def _paper_exam(trainer, collector, count: int):
    """An open exam of `count` automatically graded questions, each with a picture of its own, reviewed at
    submit."""
    made = factories.make_exam_bank(trainer, per_type=8)
    bank = made.bank
    shares = [count // len(AUTO_TYPES) + (1 if i < count % len(AUTO_TYPES) else 0) for i in range(len(AUTO_TYPES))]
    rules = [RuleData(count=n, bank_id=bank.id, type=kind, points_each=Decimal(2))
             for kind, n in zip(AUTO_TYPES, shares, strict=True) if n]
    exam = factories.make_exam(trainer, bank, rules=rules, audience=[collector], release_review="at_submit",
                               title=f"{count} questions")
    versions = [question.current for question in made.questions if question.current.type in AUTO_TYPES]
    for index, version in enumerate(versions):
        data = PNG + bytes([index, count])  # distinct pictures
        image = Image(sha256=f"{index:02d}{count:02d}".ljust(64, "0"), content_type="image/png", data=data,
                      created_at=utcnow())
        db.session.add(image)
        db.session.flush()
        version.image_id = image.id
    db.session.commit()
    return exam


def test_paper_submit_and_result_pages_do_not_read_more_for_more_questions(client, login, world):
    collector, trainer, _banks = world
    login(collector)
    counts = {}
    for questions in (5, 30):
        exam = _paper_exam(trainer, collector, questions)
        attempt = start(client, exam)
        assert len(attempt.items) == questions
        assert client.get(f"/my/attempts/{attempt.id}").get_data(as_text=True).count("data:image/png") == questions
        paper = statements(client, f"/my/attempts/{attempt.id}")
        submit = statements(client, f"/my/attempts/{attempt.id}/submit")
        client.post(f"/my/attempts/{attempt.id}/submit")
        result = client.get(f"/my/attempts/{attempt.id}/result").get_data(as_text=True)
        assert result.count('class="card mb-3 review-item"') == questions
        assert result.count("data:image/png;base64,") == questions  # each picture once
        counts[questions] = (paper, submit, statements(client, f"/my/attempts/{attempt.id}/result"))
    assert counts[30] == counts[5]
