"""Creating many staff at once (the roster import) follows the same rules as creating one."""

from datetime import UTC, datetime

import pytest

from app.accounts.actors import SYSTEM
from app.accounts.models import User
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import Conflict, DomainError
from app.core.roles import Role
from app.extensions import db
from app.org.staff import StaffData, create_staff_many

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _count(model) -> int:
    return len(db.session.scalars(db.select(model)).all())


def test_each_new_person_gets_their_own_audit_event(users):
    made = create_staff_many(SYSTEM, [StaffData("n1", "王五"), StaffData("n2", "李四", roles={Role.TRAINER})],
                             ip="cli", now=NOW)
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.USER_CREATED)).all()
    assert {e.target_id for e in events} == {str(u.id) for u in made}
    assert made[1].roles == {Role.TRAINER}


@pytest.mark.parametrize("numbers", [("n1", "N1"), ("c0001", "n2")], ids=["twice in the batch", "already taken"])
def test_a_repeated_or_taken_staff_number_refuses_the_whole_batch(users, numbers):
    before = _count(User), _count(AuditEvent)
    with pytest.raises(Conflict):
        create_staff_many(SYSTEM, [StaffData(no, "某人") for no in numbers], ip="cli", now=NOW)
    db.session.rollback()
    assert (_count(User), _count(AuditEvent)) == before


def test_only_administrators_give_roles_other_than_collector(users):
    with pytest.raises(DomainError):
        create_staff_many(users[Role.HR], [StaffData("n1", "王五", roles={Role.ADMIN})], ip="x", now=NOW)
