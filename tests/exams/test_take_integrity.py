"""Integrity of the candidate's URLs: stale windows, sequence numbers, deadline and grace, strict bodies,
foreign attempts, and no key, correctness or score in anything fetched during an attempt (SECURITY 12-19)."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.exams.models import Attempt, PaperItem
from app.extensions import db
from tests import factories
from tests.exams.take_helpers import claim, empty_fields, make_exam, position_of, right_fields, save, start

GRACE = timedelta(seconds=30)


@pytest.fixture
def exam(users):
    return make_exam(users[Role.TRAINER], [users[Role.COLLECTOR]],
                     types=("single", "multiple", "true_false", "fill_blank", "short_answer"))


@pytest.fixture
def attempt(client, users, login, exam):
    login(users[Role.COLLECTOR])
    return start(client, exam)


def _clock(monkeypatch, when):
    monkeypatch.setattr("app.exams.views.take.utcnow", lambda: when)


def _responses(attempt_id):
    db.session.expire_all()
    return {item.position: item.response
            for item in db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt_id))}


def test_a_save_from_a_window_that_lost_the_claim_is_refused(client, attempt):
    old = claim(client, attempt).get_json()["writer"]
    new = claim(client, attempt).get_json()["writer"]
    refused = save(client, attempt, old, 1, right_fields(attempt))
    assert refused.status_code == 409 and refused.get_json() == {"status": "elsewhere"}
    assert all(response is None for response in _responses(attempt.id).values())
    assert save(client, attempt, new, 1, right_fields(attempt)).get_json()["status"] == "saved"


def test_an_older_sequence_number_is_a_duplicate_and_changes_nothing(client, attempt):
    writer = claim(client, attempt).get_json()["writer"]
    assert save(client, attempt, writer, 2, right_fields(attempt)).get_json()["status"] == "saved"
    stale = save(client, attempt, writer, 1, empty_fields(attempt))
    assert stale.status_code == 200
    data = stale.get_json()
    assert data["status"] == "duplicate" and data["seq"] == 2 and data["saved_at"]
    assert all(response is not None for response in _responses(attempt.id).values())


def test_a_save_within_the_grace_is_accepted(client, attempt, monkeypatch):
    writer = claim(client, attempt).get_json()["writer"]
    _clock(monkeypatch, attempt.deadline_at + GRACE - timedelta(seconds=1))
    response = save(client, attempt, writer, 1, right_fields(attempt))
    assert response.status_code == 200 and response.get_json()["remaining"] == 0


def test_after_deadline_and_grace_saves_and_claims_get_410_and_the_attempt_is_closed(client, attempt, monkeypatch):
    writer = claim(client, attempt).get_json()["writer"]
    save(client, attempt, writer, 1, right_fields(attempt))
    _clock(monkeypatch, attempt.deadline_at + GRACE + timedelta(seconds=1))
    late = save(client, attempt, writer, 2, empty_fields(attempt))
    result_url = f"/my/attempts/{attempt.id}/result"
    assert late.status_code == 410 and late.get_json() == {"status": "over", "result_url": result_url}
    db.session.expire_all()
    closed = db.session.get(Attempt, attempt.id)
    assert closed.status == "submitted" and closed.submitted_how == "deadline"
    assert all(response is not None for response in _responses(attempt.id).values())  # the last saved answers
    assert claim(client, attempt).status_code == 410
    assert client.get(f"/my/attempts/{attempt.id}/time").get_json()["status"] == "submitted"


def test_opening_the_paper_after_the_deadline_closes_it_and_shows_the_result(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.deadline_at + GRACE + timedelta(seconds=1))
    response = client.get(f"/my/attempts/{attempt.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "submitted"


def test_the_time_endpoint_gives_the_servers_remaining_time(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.started_at + timedelta(minutes=12, seconds=30))
    data = client.get(f"/my/attempts/{attempt.id}/time").get_json()
    assert data == {"status": "in_progress", "remaining": 17 * 60 + 30, "deadline": attempt.deadline_at.isoformat()}


MALFORMED = {
    "not json": "not json",
    "a list": [],
    "no writer": {"seq": 1, "answers": {}},
    "writer not text": {"writer": 5, "seq": 1, "answers": {}},
    "seq text": {"writer": "w", "seq": "1", "answers": {}},
    "seq zero": {"writer": "w", "seq": 0, "answers": {}},
    "seq bool": {"writer": "w", "seq": True, "answers": {}},
    "seq float": {"writer": "w", "seq": 1.5, "answers": {}},
    "answers list": {"writer": "w", "seq": 1, "answers": []},
    "bad field name": {"writer": "w", "seq": 1, "answers": {"csrf_token": ["x"]}},
    "field name injection": {"writer": "w", "seq": 1, "answers": {"q1'; drop": ["x"]}},
    "value not a list": {"writer": "w", "seq": 1, "answers": {"q1": "0"}},
    "value not text": {"writer": "w", "seq": 1, "answers": {"q1": [0]}},
    "nested value": {"writer": "w", "seq": 1, "answers": {"q1": [["0"]]}},
    "flagged text": {"writer": "w", "seq": 1, "answers": {}, "flagged": ["1"]},
    "flagged object": {"writer": "w", "seq": 1, "answers": {}, "flagged": {"1": True}},
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("route", ["save", "submit"])
def test_malformed_bodies_get_400_json(client, attempt, body, route):
    writer = claim(client, attempt).get_json()["writer"]
    if isinstance(body, dict) and body.get("writer") == "w":
        body = {**body, "writer": writer}
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(f"/my/attempts/{attempt.id}/{route}", data=data, content_type="application/json")
    assert response.status_code == 400
    reply = response.get_json()
    assert reply["status"] == "invalid" and reply["error"]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"


def test_a_body_over_256_kb_is_refused(client, attempt):
    writer = claim(client, attempt).get_json()["writer"]
    response = save(client, attempt, writer, 1, {"q1": ["x" * 20000] * 14})
    assert response.status_code == 400 and response.get_json()["status"] == "invalid"


def test_a_forged_option_position_is_stored_but_scores_nothing(client, attempt):
    writer = claim(client, attempt).get_json()["writer"]
    single = position_of(attempt, "single")
    save(client, attempt, writer, 1, {f"q{single}": ["7"]})
    client.post(f"/my/attempts/{attempt.id}/submit")
    db.session.expire_all()
    item = next(i for i in db.session.get(Attempt, attempt.id).items if i.position == single)
    assert item.response == 7 and item.score == 0


def test_another_candidates_attempt_is_not_found_on_every_url(app, users, attempt):
    other = factories.make_user("c0002", roles=[Role.COLLECTOR])
    db.session.commit()
    stranger = app.test_client()
    stranger.post("/login", data={"staff_no": other.staff_no, "password": factories.PASSWORD})
    base = f"/my/attempts/{attempt.id}"
    body = {"writer": "w", "seq": 1, "answers": {}, "flagged": []}
    calls = [("GET", base, None), ("POST", f"{base}/claim", {}), ("POST", f"{base}/save", body),
             ("GET", f"{base}/time", None), ("GET", f"{base}/submit", None), ("POST", f"{base}/submit", None),
             ("POST", f"{base}/submit", body), ("GET", f"{base}/result", None)]
    for method, url, payload in calls:
        response = stranger.open(url, method=method, json=payload) if payload is not None else \
            stranger.open(url, method=method)
        assert response.status_code == 404, f"{method} {url}"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"
    assert db.session.get(Attempt, attempt.id).writer == ""


def _secrets(attempt) -> list[str]:
    """Texts that would give the key away: explanations, reference answers, blank alternatives."""
    found = []
    for item in attempt.items:
        version = item.version
        if version.explanation:
            found.append(version.explanation)
        key = version.key or {}
        if key.get("reference"):
            found.append(key["reference"])
        # ASCII alternatives ("abc") could turn up by chance in tokens; the Chinese ones cannot
        found += [alternative for blank in key.get("blanks", []) for alternative in blank if not alternative.isascii()]
    return found


def test_nothing_fetched_during_an_attempt_gives_the_key_away(client, attempt):
    base = f"/my/attempts/{attempt.id}"
    writer = claim(client, attempt).get_json()["writer"]
    bodies = {
        "claim": claim(client, attempt),
        "paper": client.get(base),
        "save": save(client, attempt, client.post(f"{base}/claim", json={}).get_json()["writer"], 1,
                     empty_fields(attempt), flagged=[1]),
        "time": client.get(f"{base}/time"),
        "submit page": client.get(f"{base}/submit"),
        "list": client.get("/my/exams"),
        "start page": client.get(f"/my/exams/{attempt.exam_id}"),
        "result (redirects)": client.get(f"{base}/result", follow_redirects=True),
    }
    assert writer
    secrets = _secrets(attempt)
    assert secrets
    for name, response in bodies.items():
        assert response.status_code == 200, name
        text = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in text, f"{name} shows {secret!r}"
        assert not re.search(r"answer-key|is-key|Correct answer|text-bg-success", text), name
        if response.is_json:
            keys = set(re.findall(r'"(\w+)":', text))
            assert not keys & {"correct", "score", "key", "passed", "points", "truth", "blanks"}, name
    paper = bodies["paper"].get_data(as_text=True)
    # the correct options are not marked: each option input looks the same but for its value
    for item in attempt.items:
        if item.version.type in ("single", "multiple"):
            inputs = re.findall(rf'<input class="form-check-input" type="\w+"\s+name="q{item.position}" id="[^"]+" '
                                rf'value="\d+">', paper)
            assert len(inputs) == len(item.version.options)
