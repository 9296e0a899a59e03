"""Seats on publish: parallel rooms split evenly, capacity, nobody in two places at once, leave, idempotence."""

from datetime import UTC, date, datetime

import pytest

from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.training.models import Attendance, Seat, Unavailability
from app.training.seating import seat_batch
from tests import factories

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)
MONDAY = date(2030, 3, 4)


@pytest.fixture
def people(app, org):
    team = org.stations[0].teams[0]
    return [factories.make_user(f"s{n:04d}", name=f"学员{n}", team=team) for n in range(1, 5)]


@pytest.fixture
def trainers(app):
    return [factories.make_user(f"tr{n}", roles=[Role.TRAINER], name=f"讲师{n}") for n in range(1, 3)]


def seats_of(session) -> set[int]:
    return {seat.user_id for seat in session.seats}


def test_a_course_in_two_parallel_rooms_is_split_between_them(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=people)
    room_a = factories.make_session(batch, "law", trainers[0], room="A", capacity=2)
    room_b = factories.make_session(batch, "law", trainers[1], room="B", capacity=2)
    seat_batch(batch, now=NOW)
    assert len(room_a.seats) == 2 and len(room_b.seats) == 2
    assert seats_of(room_a) | seats_of(room_b) == {person.id for person in people}


def test_every_course_gets_a_seat(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=people)
    law = factories.make_session(batch, "law", trainers[0], slot="am")
    ethics = factories.make_session(batch, "integrity", trainers[0], slot="pm")
    seat_batch(batch, now=NOW)
    assert seats_of(law) == seats_of(ethics) == {person.id for person in people}


def test_a_member_with_listed_courses_gets_only_those(people, trainers):
    batch = factories.make_batch("补训", starts_on=MONDAY, members=people[:1])
    batch.members[0].courses = ["integrity"]
    law = factories.make_session(batch, "law", trainers[0], slot="am")
    ethics = factories.make_session(batch, "integrity", trainers[0], slot="pm")
    seat_batch(batch, now=NOW)
    assert seats_of(law) == set() and seats_of(ethics) == {people[0].id}


def test_too_few_seats_are_refused_with_the_numbers(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=people[:3])
    factories.make_session(batch, "law", trainers[0], capacity=2)
    with pytest.raises(DomainError) as refused:
        seat_batch(batch, now=NOW)
    assert "Course Laws and regulations in batch 第一期 has 3 people but 2 seats" in str(refused.value.message)


def test_nobody_is_seated_in_two_sessions_at_once_across_batches(people, trainers):
    earlier = factories.make_batch("第一期", starts_on=MONDAY, status="scheduled")
    factories.make_session(earlier, "law", trainers[0], room="A", seats=[people[0]])
    later = factories.make_batch("第二期", starts_on=MONDAY, members=[people[0]])
    factories.make_session(later, "integrity", trainers[1], room="B")
    with pytest.raises(DomainError) as refused:
        seat_batch(later, now=NOW)
    message = str(refused.value.message)
    assert "s0001 学员1 would be in two sessions at once" in message
    assert "第一期" in message and "第二期" in message


def test_a_full_day_clashes_with_a_morning_in_the_same_batch(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=[people[0]])
    factories.make_session(batch, "law", trainers[0], slot="full", room="A")
    factories.make_session(batch, "integrity", trainers[1], slot="am", room="B")
    with pytest.raises(DomainError, match="two sessions at once"):
        seat_batch(batch, now=NOW)


def test_the_search_finds_the_one_arrangement_that_works(people, trainers):
    """law runs morning and afternoon, integrity only in the morning: the person takes law in the afternoon."""
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=[people[0]])
    law_am = factories.make_session(batch, "law", trainers[0], slot="am", room="A")
    law_pm = factories.make_session(batch, "law", trainers[0], slot="pm", room="A")
    ethics = factories.make_session(batch, "integrity", trainers[1], slot="am", room="B")
    seat_batch(batch, now=NOW)
    assert seats_of(law_pm) == seats_of(ethics) == {people[0].id} and seats_of(law_am) == set()


def test_a_person_on_leave_that_day_is_refused(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=[people[1]])
    factories.make_session(batch, "law", trainers[0])
    db.session.add(Unavailability(user_id=people[1].id, starts_on=date(2030, 3, 3), ends_on=MONDAY,
                                  reason="年假", created_at=NOW))
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        seat_batch(batch, now=NOW)
    assert "s0002 学员2 is on leave on 2030-03-04" in str(refused.value.message)


def test_seating_twice_changes_nothing(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=people)
    room_a = factories.make_session(batch, "law", trainers[0], room="A", capacity=3)
    room_b = factories.make_session(batch, "law", trainers[1], room="B", capacity=3)
    seat_batch(batch, now=NOW)
    before = (seats_of(room_a), seats_of(room_b))
    seat_batch(batch, now=NOW)
    db.session.expire_all()
    assert (seats_of(room_a), seats_of(room_b)) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Seat)) == 4


def test_existing_valid_seats_are_kept(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=people)
    room_a = factories.make_session(batch, "law", trainers[0], room="A", capacity=4)
    room_b = factories.make_session(batch, "law", trainers[1], room="B", capacity=4, seats=people[:3])
    seat_batch(batch, now=NOW)
    assert {person.id for person in people[:3]} <= seats_of(room_b)
    assert len(room_a.seats) + len(room_b.seats) == 4


def test_seats_of_people_who_left_are_dropped_unless_they_have_attendance(people, trainers):
    batch = factories.make_batch("第一期", starts_on=MONDAY, members=people[:1])
    session = factories.make_session(batch, "law", trainers[0], seats=people[:2])
    seat_batch(batch, now=NOW)
    assert seats_of(session) == {people[0].id}

    session.seats.append(Seat(user_id=people[2].id))
    db.session.add(Attendance(session_id=session.id, user_id=people[2].id, status="present", recorded_at=NOW))
    db.session.flush()
    with pytest.raises(DomainError, match="s0003 学员3 has attendance"):
        seat_batch(batch, now=NOW)
