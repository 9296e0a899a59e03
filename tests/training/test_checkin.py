"""Check-in codes: issued only in the session's attendance window, kept until half their validity is used,
refused when expired, foreign, malformed or reused, or outside the window; present or late by the time of
check-in."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.errors import DomainError, Forbidden
from app.core.roles import Role
from app.extensions import db
from app.training import checkin
from app.training.models import Attendance, CheckinCode
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

DAY = date(2026, 3, 2)


def local(day: date, hhmm: str) -> datetime:
    """A wall-clock time in the configured zone (Asia/Shanghai), as aware UTC."""
    return datetime.combine(day, time.fromisoformat(hhmm), ZoneInfo("Asia/Shanghai")).astimezone(UTC)


@pytest.fixture
def setup(users):
    trainer = users[Role.TRAINER]
    collector = users[Role.COLLECTOR]
    other = factories.make_user(name="李四")
    batch = factories.make_batch(starts_on=DAY, status="scheduled", members=[collector, other])
    law = factories.make_session(batch, "law", trainer, seats=[collector], room="一号教室")
    ethics = factories.make_session(batch, "integrity", trainer, slot="pm", seats=[other], room="二号教室")
    db.session.commit()
    return trainer, collector, other, law, ethics


def test_code_is_six_random_digits_and_audited(setup):
    trainer, _collector, _other, law, _ethics = setup
    now = local(DAY, "08:20")
    code = checkin.current_code(trainer, law, now=now, ip="1.2.3.4")
    assert len(code.code) == 6 and code.code.isdigit()
    assert code.expires_at == now + timedelta(seconds=120)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == actions.CHECKIN_CODE_ISSUED))
    assert event.target_id == str(law.id)


def test_code_is_kept_until_half_its_validity_then_rotates(setup):
    trainer, _collector, _other, law, _ethics = setup
    start = local(DAY, "08:20")
    first = checkin.current_code(trainer, law, now=start, ip="t")
    assert checkin.current_code(trainer, law, now=start + timedelta(seconds=59), ip="t").id == first.id
    second = checkin.current_code(trainer, law, now=start + timedelta(seconds=60), ip="t")
    assert second.id != first.id
    assert second.code != first.code  # unique among the codes still valid
    assert len(db.session.scalars(select(CheckinCode)).all()) == 2


def test_codes_are_shown_only_in_the_attendance_window(setup):
    trainer, _collector, _other, law, _ethics = setup
    shown_when = "Check-in codes for this session can be shown 2026-03-02 08:00–13:00."
    for moment in (local(DAY - timedelta(days=1), "09:00"), local(DAY, "08:00") - timedelta(seconds=1),
                   local(DAY, "13:00"), local(DAY + timedelta(days=1), "00:10")):
        with pytest.raises(DomainError) as refused:
            checkin.current_code(trainer, law, now=moment, ip="t")
        assert str(refused.value.message) == shown_when
    assert db.session.scalars(select(CheckinCode)).all() == []
    assert checkin.current_code(trainer, law, now=local(DAY, "08:00"), ip="t").code
    assert checkin.current_code(trainer, law, now=local(DAY, "13:00") - timedelta(seconds=1), ip="t").code


def _code_issued(session, issued_at) -> CheckinCode:
    """A code as an earlier release (no window) or a longer CHECKIN_CODE_SECONDS could have left valid."""
    code = CheckinCode(session_id=session.id, code="424242", issued_at=issued_at,
                       expires_at=issued_at + timedelta(hours=3))
    db.session.add(code)
    db.session.flush()
    return code


def test_a_check_in_two_hours_early_is_refused_naming_the_window(setup):
    _trainer, collector, _other, law, _ethics = setup
    _code_issued(law, local(DAY, "06:25"))
    with pytest.raises(DomainError) as refused:
        checkin.check_in(collector, "424242", now=local(DAY, "06:30"))
    assert str(refused.value.message) == "Check-in for this session is open 2026-03-02 08:00–13:00; it has not opened yet."
    assert refused.value.field == "code"
    with pytest.raises(DomainError, match="not opened yet"):
        checkin.check_in(collector, "424242", now=local(DAY, "08:00") - timedelta(seconds=1))
    assert checkin.check_in(collector, "424242", now=local(DAY, "08:00")).status == "present"


def test_a_check_in_after_the_grace_is_refused_and_sends_the_person_to_the_lecturer(setup):
    _trainer, collector, _other, law, _ethics = setup
    _code_issued(law, local(DAY, "12:00"))
    with pytest.raises(DomainError) as refused:
        checkin.check_in(collector, "424242", now=local(DAY, "13:00"))
    assert str(refused.value.message) == ("Check-in for this session was open 2026-03-02 08:00–13:00 and has closed; "
                                          "ask the lecturer to record your attendance.")
    assert db.session.scalars(select(Attendance)).all() == []
    assert checkin.check_in(collector, "424242", now=local(DAY, "13:00") - timedelta(seconds=1)).status == "late"


def test_only_the_lecturer_or_hr_may_issue_codes(setup, users):
    _trainer, collector, _other, law, _ethics = setup
    with pytest.raises(Forbidden):
        checkin.current_code(collector, law, now=local(DAY, "08:20"), ip="t")
    assert checkin.current_code(users[Role.HR], law, now=local(DAY, "08:20"), ip="t").code


def test_check_in_before_the_late_limit_is_present(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:44"), ip="t")
    row = checkin.check_in(collector, f" {code.code[:3]} {code.code[3:]} ", now=local(DAY, "08:45"))
    assert (row.session_id, row.status, row.via, row.recorded_by_id) == (law.id, "present", "code", collector.id)


def test_check_in_after_the_late_limit_is_late(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:45"), ip="t")
    assert checkin.check_in(collector, code.code, now=local(DAY, "08:46")).status == "late"


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", CHECKIN_LATE_MINUTES=30)
def test_the_late_limit_is_a_setting(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:55"), ip="t")
    assert checkin.check_in(collector, code.code, now=local(DAY, "08:56")).status == "present"


def test_full_width_digits_are_accepted(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:20"), ip="t")
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code.code)
    assert checkin.check_in(collector, wide, now=local(DAY, "08:21")).status == "present"


@pytest.mark.parametrize("text", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"])
def test_a_code_that_is_not_six_digits_is_refused(setup, text):
    _trainer, collector, _other, _law, _ethics = setup
    with pytest.raises(DomainError, match="6 digits") as refused:
        checkin.check_in(collector, text, now=local(DAY, "08:21"))
    assert refused.value.field == "code"


def test_an_expired_code_is_refused(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:20"), ip="t")
    with pytest.raises(DomainError, match="ask the lecturer for the current code"):
        checkin.check_in(collector, code.code, now=local(DAY, "08:22"))
    assert checkin.check_in(collector, code.code, now=local(DAY, "08:21") + timedelta(seconds=59)).status == "present"


def test_an_unknown_code_is_refused(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:20"), ip="t")
    wrong = f"{(int(code.code) + 1) % 1000000:06d}"
    with pytest.raises(DomainError, match="ask the lecturer for the current code"):
        checkin.check_in(collector, wrong, now=local(DAY, "08:21"))


def test_a_code_of_another_session_is_refused_naming_it(setup):
    trainer, collector, _other, _law, ethics = setup
    code = checkin.current_code(trainer, ethics, now=local(DAY, "14:00"), ip="t")
    with pytest.raises(DomainError) as refused:
        checkin.check_in(collector, code.code, now=local(DAY, "14:01"))
    message = str(refused.value.message)
    assert "Integrity and professional ethics" in message and "二号教室" in message
    assert "not seated" in message
    assert db.session.scalars(select(Attendance)).all() == []


def test_checking_in_twice_is_refused_with_the_first_time(setup):
    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "09:01"), ip="t")
    checkin.check_in(collector, code.code, now=local(DAY, "09:02"))
    with pytest.raises(DomainError, match="already recorded as late at 09:02"):
        checkin.check_in(collector, code.code, now=local(DAY, "09:02") + timedelta(seconds=30))


def test_a_roll_call_entry_blocks_a_later_check_in(setup):
    from app.training.attendance import record_roll

    trainer, collector, _other, law, _ethics = setup
    record_roll(trainer, law, {collector.id: ("excused", "病假")}, now=local(DAY, "08:35"), ip="t")
    code = checkin.current_code(trainer, law, now=local(DAY, "08:40"), ip="t")
    with pytest.raises(DomainError, match="already recorded as excused at 08:35"):
        checkin.check_in(collector, code.code, now=local(DAY, "08:41"))


def test_someone_marked_absent_who_arrives_checks_in_late(setup):
    from app.training.attendance import record_roll

    trainer, collector, _other, law, _ethics = setup
    record_roll(trainer, law, {collector.id: ("absent", "")}, now=local(DAY, "08:35"), ip="t")
    code = checkin.current_code(trainer, law, now=local(DAY, "09:10"), ip="t")
    row = checkin.check_in(collector, code.code, now=local(DAY, "09:11"))
    assert (row.status, row.via, row.recorded_by_id) == ("late", "code", collector.id)
    assert db.session.scalar(select(db.func.count()).select_from(Attendance)) == 1


def test_a_roll_call_may_still_change_a_check_in(setup):
    from app.training.attendance import record_roll

    trainer, collector, _other, law, _ethics = setup
    code = checkin.current_code(trainer, law, now=local(DAY, "08:40"), ip="t")
    row = checkin.check_in(collector, code.code, now=local(DAY, "08:41"))
    record_roll(trainer, law, {collector.id: ("late", "到得晚")}, now=local(DAY, "12:00"), ip="t")
    db.session.refresh(row)
    assert (row.status, row.via, row.recorded_by_id) == ("late", "roll", trainer.id)
