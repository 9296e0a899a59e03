"""The exam page's heartbeat (GET /my/attempts/<id>/clock): the time left and the attempt's revision from one
read of the attempt row, the owner checked in that read, nothing written — not even closing an attempt past its
grace — and never cached. A window whose revision the heartbeat confirms has missed nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.exams.models import Attempt
from app.extensions import db
from tests import factories
from tests.exams.take_helpers import make_exam, position_of, start, window
from tests.statements import recorded_statements

GRACE = timedelta(seconds=30)


@pytest.fixture
def exam(users):
    return make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]])


@pytest.fixture
def attempt(client, users, login, exam):
    login(users[Role.COLLECTOR])
    return start(client, exam)


def _clock(monkeypatch, when):
    monkeypatch.setattr("app.exams.views.take.utcnow", lambda: when)


def test_the_heartbeat_gives_the_time_left_and_the_revision_and_is_never_cached(client, attempt):
    reply = client.get(f"/my/attempts/{attempt.id}/clock")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    data = reply.get_json()
    assert data["status"] == "open" and data["rev"] == 0
    assert 0 < data["remaining"] <= attempt.exam.duration_minutes * 60


def test_the_heartbeat_is_one_read_of_the_attempt_and_writes_nothing(client, attempt):
    url = f"/my/attempts/{attempt.id}/clock"
    client.get(url)  # the login session's once-a-minute touch, if due, is done
    with recorded_statements() as seen:
        assert client.get(url).status_code == 200
    exam_side = [s for s in seen if "attempts" in s or "paper_items" in s]
    assert len(exam_side) == 1 and exam_side[0].startswith("SELECT attempts.rev"), "\n".join(seen)
    assert "paper_items" not in exam_side[0] and "attempts.user_id = " in exam_side[0]
    assert not [s for s in seen if s.split()[0] in ("INSERT", "UPDATE", "DELETE")], "\n".join(seen)
    assert len(seen) == 2, "\n".join(seen)  # the login session with its user and roles, then the attempt


def test_past_the_grace_the_heartbeat_says_over_and_closes_nothing(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.deadline_at + GRACE + timedelta(seconds=1))
    reply = client.get(f"/my/attempts/{attempt.id}/clock")
    assert reply.status_code == 410 and reply.headers["Cache-Control"] == "no-store"
    assert reply.get_json()["status"] == "over"
    assert reply.get_json()["result_url"] == f"/my/attempts/{attempt.id}/result"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"  # the save it leads to closes it
    assert client.post(f"/my/attempts/{attempt.id}/save", json={"known": 0, "changes": []}).status_code == 410


def test_within_the_grace_the_heartbeat_is_open_with_no_time_left(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.deadline_at + GRACE - timedelta(seconds=1))
    reply = client.get(f"/my/attempts/{attempt.id}/clock")
    assert reply.status_code == 200 and reply.get_json()["remaining"] == 0


def test_someone_elses_attempt_or_no_attempt_is_not_found(app, client, attempt):
    other = factories.make_user("c9999", roles=[Role.COLLECTOR])
    db.session.commit()
    stranger = app.test_client()
    stranger.post("/login", data={"staff_no": other.staff_no, "password": factories.PASSWORD})
    assert stranger.get(f"/my/attempts/{attempt.id}/clock").status_code == 404
    assert client.get(f"/my/attempts/{attempt.id + 1000}/clock").status_code == 404
    assert client.get(f"/my/attempts/{attempt.id}/clock").status_code == 200


def test_signed_out_the_heartbeat_answers_401_in_json(client, attempt):
    client.post("/logout")
    reply = client.get(f"/my/attempts/{attempt.id}/clock", headers={"Accept": "application/json"})
    assert reply.status_code == 401


def test_another_windows_save_moves_the_revision_and_the_sync_brings_its_answer(client, attempt):
    first, second = window(client, attempt), window(client, attempt)
    single = position_of(attempt, "single")
    beat, synced = second.heartbeat()
    assert beat.get_json()["rev"] == second.known and synced is None  # nothing new: no save request
    first.answer(single, {f"q{single}": ["1"]})
    assert first.save().status_code == 200
    beat, synced = second.heartbeat()
    assert beat.get_json()["rev"] > 0 and synced is not None and synced.status_code == 200
    assert second.shown[single][0] == {f"q{single}": ["1"]}
    assert second.known == beat.get_json()["rev"]


def test_a_sync_brings_a_window_to_the_heartbeats_revision_even_after_a_save_that_wrote_nothing(client, attempt):
    """A save whose every change was refused still takes a revision; a sync must report it, or every heartbeat
    after it would ask for another sync."""
    first, second = window(client, attempt), window(client, attempt)
    single = position_of(attempt, "single")
    second.answer(single, {f"q{single}": ["2"]})
    first.answer(single, {f"q{single}": ["1"]})
    assert first.save().status_code == 200
    assert second.save().status_code == 409  # refused: nothing written, the revision moved
    beat, synced = first.heartbeat()
    assert synced is not None and first.known == beat.get_json()["rev"]
    beat, synced = first.heartbeat()
    assert synced is None, "the window's revision was not brought up to the heartbeat's"


def test_the_paper_page_knows_the_attempts_revision(client, attempt):
    first = window(client, attempt)
    single = position_of(attempt, "single")
    first.answer(single, {f"q{single}": ["1"]})
    body = first.body()
    assert first.save().status_code == 200
    assert client.post(f"/my/attempts/{attempt.id}/save", json=body).status_code == 200  # a retry: nothing written
    loaded = window(client, attempt)
    db.session.expire_all()
    stored_rev = db.session.scalar(select(Attempt.rev).where(Attempt.id == attempt.id))
    assert stored_rev == 2 and loaded.known == stored_rev
    assert loaded.heartbeat()[1] is None
