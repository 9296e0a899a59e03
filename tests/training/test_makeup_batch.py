"""Make-up batches (补训): absentees with the courses they missed become members of a new planning batch
linked to the original; empty selections, duplicate names and bad dates are refused."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.errors import DomainError, Forbidden
from app.core.localtime import local_today
from app.core.roles import Role
from app.extensions import db
from app.training import makeup
from app.training.attendance import absentees, record_roll
from app.training.models import Batch
from tests import factories
from tests.training.test_checkin import local

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)
NOW = local(DAY + timedelta(days=1), "18:00")


@pytest.fixture
def finished(users):
    """Batch 第一期: a missed law (full day 1); b missed integrity (day 2 morning); c attended all."""
    trainer = users[Role.TRAINER]
    a, b, c = (factories.make_user(f"c50{n}") for n in range(3))
    batch = factories.make_batch("第一期", starts_on=DAY, days=2, status="finished", members=[a, b, c])
    law = factories.make_session(batch, "law", trainer, slot="full", seats=[a, b, c])
    ethics = factories.make_session(batch, "integrity", trainer, day=DAY + timedelta(days=1), seats=[a, b, c])
    record_roll(trainer, law, {a.id: ("absent", ""), b.id: ("present", ""), c.id: ("present", "")},
                now=local(DAY, "17:00"), ip="t")
    record_roll(trainer, ethics, {a.id: ("present", ""), b.id: ("excused", "病假"), c.id: ("late", "")},
                now=local(DAY + timedelta(days=1), "09:00"), ip="t")
    db.session.commit()
    return batch, (a, b, c)


def test_makeup_batch_takes_the_chosen_people_and_courses(users, finished):
    original, (a, b, _c) = finished
    assert [(u.staff_no, codes) for u, codes in absentees(original, NOW)] == [("c500", ["law"]),
                                                                             ("c501", ["integrity"])]
    batch = makeup.create_makeup_batch(users[Role.HR], original, name="第一期 补训", starts_on=DAY + timedelta(days=7),
                                       ends_on=DAY + timedelta(days=8), people={a.id: ["law"], b.id: ["integrity"]},
                                       now=NOW, ip="1.2.3.4")
    assert (batch.status, batch.plan, batch.makeup_of_id) == ("planning", None, original.id)
    assert sorted((m.user_id, m.courses, m.plan_id) for m in batch.members) == [(a.id, ["law"], None),
                                                                                 (b.id, ["integrity"], None)]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.MAKEUP_BATCH_CREATED))
    assert event.details["members"] == {"c500": ["law"], "c501": ["integrity"]}


def test_makeup_batch_refusals(users, finished):
    original, (a, _b, _c) = finished
    hr = users[Role.HR]
    ok = {"name": "补训一", "starts_on": DAY + timedelta(days=7), "ends_on": DAY + timedelta(days=7),
          "people": {a.id: ["law"]}, "now": NOW, "ip": "t"}
    for changes, message in [({"people": {}}, "at least one"), ({"people": {a.id: []}}, "at least one"),
                             ({"name": "第一期"}, "already exists"), ({"name": "  "}, "name"),
                             ({"ends_on": DAY + timedelta(days=6)}, "before the first day"),
                             ({"starts_on": DAY, "ends_on": DAY}, "already passed"),
                             ({"starts_on": None}, "first and last day"),
                             ({"people": {a.id: ["procedures"]}}, "no course procedures"),
                             ({"people": {users[Role.HR].id: ["law"]}}, "hr01 was not trained")]:
        with pytest.raises(DomainError, match=message):
            makeup.create_makeup_batch(hr, original, **{**ok, **changes})
    with pytest.raises(Forbidden):
        makeup.create_makeup_batch(users[Role.TRAINER], original, **ok)
    assert db.session.scalars(select(Batch)).all() == [original]


def test_makeup_page_preselects_absentees_and_creates_the_batch(client, login, users):
    hr, collector = users[Role.HR], users[Role.COLLECTOR]
    today = local_today(utcnow())
    original = factories.make_batch("第九期", starts_on=today - timedelta(days=3), status="finished",
                                    members=[collector])
    session = factories.make_session(original, "etiquette", users[Role.TRAINER], seats=[collector])
    record_roll(users[Role.TRAINER], session, {collector.id: ("absent", "")}, now=local(original.starts_on, "09:00"),
                ip="t")
    db.session.commit()
    login(hr)
    page = client.get(f"/training/batches/{original.id}/makeup").get_data(as_text=True)
    assert 'value="第九期 补训"' in page
    assert f'value="{collector.id}:etiquette" id="pick-{collector.id}-etiquette" checked' in page
    response = client.post(f"/training/batches/{original.id}/makeup", data={
        "name": "第九期 补训", "starts_on": (today + timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(), "picks": [f"{collector.id}:etiquette"]})
    assert response.status_code == 302
    created = db.session.scalar(select(Batch).where(Batch.makeup_of_id == original.id))
    assert response.headers["Location"].endswith(f"/training/batches/{created.id}")
    assert [(m.user_id, m.courses) for m in created.members] == [(collector.id, ["etiquette"])]
    again = client.post(f"/training/batches/{original.id}/makeup", data={
        "name": "第九期 补训", "starts_on": (today + timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(), "picks": [f"{collector.id}:etiquette"]})
    assert again.status_code == 409 and "already exists" in again.get_data(as_text=True)
    nothing = client.post(f"/training/batches/{original.id}/makeup", data={
        "name": "第九期 再补训", "starts_on": (today + timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat()})
    assert nothing.status_code == 400 and "Choose at least one person" in nothing.get_data(as_text=True)


@pytest.mark.parametrize("role,expected", [(Role.HR, 200), (Role.ADMIN, 200), (Role.TRAINER, 403),
                                           (Role.COLLECTOR, 403)])
def test_makeup_page_is_for_the_training_office(client, login, users, role, expected):
    batch = factories.make_batch(starts_on=local_today(utcnow()) - timedelta(days=3), status="finished")
    db.session.commit()
    login(users[role])
    response = client.get(f"/training/batches/{batch.id}/makeup")
    assert response.status_code == expected
    if expected == 200:
        assert "no one to train again" in response.get_data(as_text=True)
