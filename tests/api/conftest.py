"""API fixtures: a token factory, a small world of staff, a batch, exams and submitted attempts, and signed-off
evaluations on top of it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask.globals import _cv_app

from app.api import clients
from app.api.scopes import SCOPES
from app.core.roles import Role
from app.evaluation import computing, review
from app.evaluation.models import Evaluation
from app.exams.models import Attempt
from app.extensions import db
from app.training.models import Attendance, TrainingPlan
from tests import factories
from tests.evaluation import support

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SIGNED = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def make_token(app, users):
    """make_token(scopes=all, name=...) → a committed client's token."""

    def _make(scopes=tuple(SCOPES), name="HR system"):
        _client, token = clients.create_client(users[Role.ADMIN], name, list(scopes), ip="test", now=T0)
        db.session.commit()
        return token

    return _make


@pytest.fixture
def token(make_token):
    return make_token()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def attempt(exam, user, *, number=1, score="8", max_score="10", passed=True, submitted_at=T0,
            status="submitted") -> Attempt:
    row = Attempt(exam_id=exam.id, user_id=user.id, number=number, status=status, seed=1,
                  started_at=submitted_at - timedelta(minutes=20), deadline_at=submitted_at + timedelta(minutes=10),
                  submitted_at=submitted_at if status == "submitted" else None,
                  max_score=Decimal(max_score), score=None if score is None else Decimal(score), passed=passed)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def world(app, users, org):
    """Two stations' collectors, a batch of three, a law exam, an etiquette exam, a make-up exam and a draft,
    and submitted attempts (plus one still in progress, which the API must not show)."""
    east, west = org.stations
    trainer = users[Role.TRAINER]
    collector = users[Role.COLLECTOR]  # east, first team
    east2 = factories.make_user("c0002", name="李四", team=east.teams[1], position="收费员")
    west1 = factories.make_user("c0003", name="王五", team=west.teams[0], position="班长")
    gone = factories.make_user("c0004", name="赵六", station=west, active=False)
    batch = factories.make_batch("第一期", members=[collector, east2, west1])
    law_bank = factories.make_exam_bank(trainer, "law", per_type=1)
    etiquette_bank = factories.make_exam_bank(trainer, "etiquette", per_type=1)
    law = factories.make_exam(trainer, law_bank.bank, audience=[east, west], title="法规考试")
    etiquette = factories.make_exam(trainer, etiquette_bank.bank, audience=[east, west], title="礼仪考试")
    makeup = factories.make_exam(trainer, law_bank.bank, audience=[collector], title="法规补考")
    makeup.makeup_of_id = law.id
    draft = factories.make_exam(trainer, law_bank.bank, status="draft", title="草稿")
    results = SimpleNamespace(
        a=attempt(law, collector, score="5", passed=False, submitted_at=T0),
        b=attempt(law, east2, score="9", submitted_at=T0 + timedelta(hours=1)),
        c=attempt(law, west1, score="7.5", submitted_at=T0 + timedelta(days=1)),
        d=attempt(etiquette, collector, score=None, passed=None, submitted_at=T0 + timedelta(days=2)),
        e=attempt(makeup, collector, score="8", submitted_at=T0 + timedelta(days=3)),
        f=attempt(etiquette, gone, submitted_at=T0 + timedelta(days=4)),
        open=attempt(etiquette, east2, status="in_progress"),
    )
    db.session.commit()
    return SimpleNamespace(east=east, west=west, collector=collector, east2=east2, west1=west1, gone=gone,
                           batch=batch, law=law, etiquette=etiquette, makeup=makeup, draft=draft,
                           results=results, users=users)


@pytest.fixture
def evaluated(world):
    """Evaluations computed and signed off through the real services: 第二期 (with a plan, attendance and one
    override) signed off on 2026-06-02, 第四期 on 2026-06-05; 第三期 only computed and 第五期 reopened, so
    neither may be given out."""
    hr, trainer = world.users[Role.HR], world.users[Role.TRAINER]
    plan = TrainingPlan(name="2026年度培训", created_at=support.NOW)
    db.session.add(plan)
    second = support.batch_of([world.collector, world.east2, world.west1], plan=plan, name="第二期")
    exams = support.exams_for(second)
    support.results(world.collector, exams, 95, 90, 85, 80)  # 89.00 good
    support.results(world.east2, exams, 92, 95, 90, 88)  # 91.40 excellent, award
    support.results(world.west1, exams, 55, 90, 90, 90)  # 76.00, law failed → make-up required
    makeup = support.exam_for(second, "law", makeup_of=exams["law"])
    support.result(world.west1, makeup, "97.5")  # counted at the make-up's pass mark, 60
    held = [factories.make_session(second, code, trainer, day=second.starts_on + timedelta(days=n),
                                   seats=[world.collector]) for n, code in enumerate(("law", "integrity"))]
    for session, status in zip(held, ("present", "absent"), strict=True):
        db.session.add(Attendance(session_id=session.id, user_id=world.collector.id, status=status,
                                  recorded_at=support.NOW, via="roll"))
    third = support.batch_of([world.collector], name="第三期")
    fourth = support.batch_of([world.west1, world.east2], name="第四期")
    fifth = support.batch_of([world.east2], name="第五期")
    for batch in (second, third, fourth, fifth):
        computing.compute_batch(hr, batch, now=support.NOW, ip="test")
    overridden = _evaluation(second, world.east2)
    review.override(hr, overridden, "none", "处分期内，不参与评优", now=support.NOW, ip="test")
    review.sign_off(hr, second, now=SIGNED, ip="test")
    review.sign_off(hr, fourth, now=SIGNED + timedelta(days=3), ip="test")
    review.sign_off(hr, fifth, now=SIGNED, ip="test")
    review.reopen(hr, fifth, "成绩有误", now=SIGNED + timedelta(hours=1), ip="test")
    db.session.commit()
    return SimpleNamespace(second=second, third=third, fourth=fourth, fifth=fifth, plan=plan,
                           overridden=overridden, of=_evaluation)


def _evaluation(batch, user) -> Evaluation:
    return db.session.scalar(db.select(Evaluation).where(Evaluation.batch_id == batch.id,
                                                         Evaluation.user_id == user.id))


def isolated(app):
    """The WSGI app with each request in its own app context (as IsolatedClient does for the test client)."""

    def wsgi(environ, start_response):
        saved = _cv_app.set(None)
        try:
            return app(environ, start_response)
        finally:
            _cv_app.reset(saved)

    return wsgi
