"""Declared leave: recorded and removed with an audit trail; leave over a batch the person is in warns."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.training import leave
from app.training.models import Unavailability
from tests.factories import make_batch
from tests.training.test_allocation_service import place
from tests.training.test_plans import NOW, START, make_plan_org

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def test_leave_is_recorded_and_removed_with_audit(app, users):
    hr, person = users[Role.HR], users[Role.COLLECTOR]
    assert leave.add_unavailability(hr, person, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 3),
                                    reason=" 年休假 ", now=NOW, ip="test") == []
    row = db.session.scalar(select(Unavailability))
    assert (row.user_id, row.reason, row.created_by_id) == (person.id, "年休假", hr.id)
    added = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.UNAVAILABILITY_ADDED))
    assert added.details == {"staff_no": person.staff_no, "starts_on": "2026-05-01", "ends_on": "2026-05-03",
                             "reason": "年休假"}
    leave.remove_unavailability(hr, row, now=NOW, ip="test")
    assert db.session.scalar(select(Unavailability)) is None
    removed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.UNAVAILABILITY_REMOVED))
    assert removed.target_id == added.target_id and removed.details["starts_on"] == "2026-05-01"


def test_leave_ending_before_it_starts_is_refused_and_ranges_may_overlap(app, users):
    hr, person = users[Role.HR], users[Role.COLLECTOR]
    with pytest.raises(DomainError, match="before the first day") as caught:
        leave.add_unavailability(hr, person, starts_on=date(2026, 5, 3), ends_on=date(2026, 5, 1), reason="",
                                 now=NOW, ip="t")
    assert caught.value.field == "ends_on"
    for _ in range(2):
        leave.add_unavailability(hr, person, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1), reason="",
                                 now=NOW, ip="t")
    assert len(db.session.scalars(select(Unavailability)).all()) == 2


def test_leave_over_a_batch_the_person_is_in_is_recorded_and_names_the_batch(app, users):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    person, batch = setup.people[0], setup.batches[1]
    place(setup.plan, person, batch)
    finished = make_batch("旧期", starts_on=batch.starts_on, status="finished", members=[person])
    affected = leave.add_unavailability(setup.hr, person, starts_on=batch.ends_on,
                                        ends_on=batch.ends_on + timedelta(days=30), reason="", now=NOW, ip="t")
    assert affected == [batch] and finished not in affected
    assert db.session.scalar(select(Unavailability)) is not None


def test_the_leave_page_adds_warns_filters_and_removes(app, client, users, login):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    person = setup.people[0]
    place(setup.plan, person, setup.batches[0])
    db.session.commit()
    login(users[Role.HR])
    response = client.post("/training/leave", data={"staff_no": person.staff_no.upper(),
                                                    "starts_on": START.isoformat(), "ends_on": START.isoformat(),
                                                    "reason": "病假"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "was recorded" in page
    assert "already in batch 第1期" in page and 'id="leave-table"' in page and "病假" in page
    other = client.get("/training/leave", query_string={"q": "nobody"}).get_data(as_text=True)
    assert 'id="no-leave"' in other
    row = db.session.scalar(select(Unavailability))
    removed = client.post("/training/leave/remove", data={"id": row.id}, follow_redirects=True)
    assert "was removed" in removed.get_data(as_text=True)
    assert db.session.scalar(select(Unavailability)) is None
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        [actions.UNAVAILABILITY_ADDED, actions.UNAVAILABILITY_REMOVED]))).all()) == 2


def test_the_leave_form_names_an_unknown_staff_no_and_bad_dates(app, client, users, login):
    login(users[Role.HR])
    unknown = client.post("/training/leave", data={"staff_no": "zz999", "starts_on": "2026-05-01",
                                                   "ends_on": "2026-05-01"})
    assert unknown.status_code == 400 and "zz999" in unknown.get_data(as_text=True)
    backwards = client.post("/training/leave", data={"staff_no": users[Role.COLLECTOR].staff_no,
                                                     "starts_on": "2026-05-03", "ends_on": "2026-05-01"})
    assert backwards.status_code == 400 and "before the first day" in backwards.get_data(as_text=True)
    assert db.session.scalar(select(Unavailability)) is None


def test_the_leave_page_is_in_chinese_by_default(app, client, users, login):
    users[Role.HR].locale = "zh_Hans"
    db.session.commit()
    login(users[Role.HR])
    page = client.get("/training/leave").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "培训计划" in page and "筛选" in page
