"""Integrity of the candidate's URLs: stale windows, repeated and delayed requests, deadline and grace, strict
bodies, foreign attempts, and no key, correctness or score in anything fetched during an attempt (SECURITY
12-19)."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.exams.models import Attempt, PaperItem
from app.extensions import db
from tests import factories
from tests.exams.take_helpers import empty_fields, make_exam, position_of, right_fields, save_fields, start, window

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


def test_a_window_loaded_before_another_saved_cannot_blank_that_answer(client, attempt):
    """Sequence 1: B renders the paper, A saves answers, B changes something else and sends everything it has."""
    first, second = window(client, attempt), window(client, attempt)
    first.answer_all(right_fields(attempt))
    assert first.save().status_code == 200
    stale = second.body()
    stale["changes"] = [{"q": p, "fields": fields, "flagged": False, "win": second.id, "seq": n, "seen": {}}
                        for n, (p, (fields, _flag)) in enumerate(sorted(second.shown.items()), start=1)]
    refused = client.post(f"/my/attempts/{attempt.id}/save", json=stale)
    assert refused.status_code == 409 and refused.get_json()["status"] == "refused"
    answered = {int(name[1:].split("-")[0]) for name in right_fields(attempt)}
    outcomes = {r["seq"]: r["outcome"] for r in refused.get_json()["results"]}
    assert {n for n, outcome in outcomes.items() if outcome == "refused"} == answered
    assert all(_responses(attempt.id)[position] is not None for position in answered)


def test_a_repeated_request_is_acknowledged_again_and_a_delayed_older_one_changes_nothing(client, attempt):
    page = window(client, attempt)
    single = position_of(attempt, "single")
    page.answer(single, {f"q{single}": ["1"]})
    older = page.body()
    page.answer(single, {f"q{single}": ["2"]})
    newer = page.body()
    assert client.post(f"/my/attempts/{attempt.id}/save", json=newer).status_code == 200
    again = client.post(f"/my/attempts/{attempt.id}/save", json=newer)
    assert again.status_code == 200 and again.get_json()["results"][0]["outcome"] == "stored"
    late = client.post(f"/my/attempts/{attempt.id}/save", json=older)
    assert late.status_code == 200 and late.get_json()["results"][0]["outcome"] == "replaced"
    assert _responses(attempt.id)[single] == 2


def test_a_save_within_the_grace_is_accepted(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.deadline_at + GRACE - timedelta(seconds=1))
    response = save_fields(client, attempt, right_fields(attempt))
    assert response.status_code == 200 and response.get_json()["remaining"] == 0


def test_after_deadline_and_grace_a_save_gets_410_naming_what_was_not_stored(client, attempt, monkeypatch):
    page = window(client, attempt)
    page.answer_all(right_fields(attempt))
    page.save()
    _clock(monkeypatch, attempt.deadline_at + GRACE + timedelta(seconds=1))
    page.answer_all(empty_fields(attempt))
    late = page.save()
    assert late.status_code == 410
    data = late.get_json()
    assert data["status"] == "over" and data["result_url"] == f"/my/attempts/{attempt.id}/result"
    assert {result["outcome"] for result in data["results"]} == {"late"}
    db.session.expire_all()
    closed = db.session.get(Attempt, attempt.id)
    assert closed.status == "submitted" and closed.submitted_how == "deadline"
    assert all(response is not None for response in _responses(attempt.id).values())  # the last saved answers
    assert client.post(f"/my/attempts/{attempt.id}/save", json={"known": 0, "changes": []}).status_code == 410


def test_opening_the_paper_after_the_deadline_closes_it_and_shows_the_result(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.deadline_at + GRACE + timedelta(seconds=1))
    response = client.get(f"/my/attempts/{attempt.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "submitted"


def test_every_save_gives_the_servers_remaining_time(client, attempt, monkeypatch):
    _clock(monkeypatch, attempt.started_at + timedelta(minutes=12, seconds=30))
    reply = client.post(f"/my/attempts/{attempt.id}/save", json={"known": 0, "changes": []}).get_json()
    assert reply["remaining"] == 17 * 60 + 30


W = "0123456789abcdef" * 2


def _change(**values):
    return {"known": 0, "changes": [{"q": 1, "fields": {}, "flagged": False, "win": W, "seq": 1, "seen": {}} | values]}


MALFORMED = {
    "not json": "not json",
    "a list": [],
    "known text": {"known": "1", "changes": []},
    "known negative": {"known": -1, "changes": []},
    "changes object": {"known": 0, "changes": {}},
    "change not object": {"known": 0, "changes": [1]},
    "no question": {"known": 0, "changes": [{"fields": {}, "win": W, "seq": 1}]},
    "question zero": _change(q=0),
    "question text": _change(q="1"),
    "no window": {"known": 0, "changes": [{"q": 1, "fields": {}, "seq": 1}]},
    "window not hex": _change(win="w" * 32),
    "window short": _change(win="abc"),
    "seq text": _change(seq="1"),
    "seq zero": _change(seq=0),
    "seq bool": _change(seq=True),
    "seq float": _change(seq=1.5),
    "seq huge": _change(seq=2**40),
    "seen list": _change(seen=[]),
    "seen value text": _change(seen={W: "1"}),
    "fields list": _change(fields=[]),
    "bad field name": _change(fields={"csrf_token": ["x"]}),
    "field of another question": _change(fields={"q2": ["0"]}),
    "field name injection": _change(fields={"q1'; drop": ["x"]}),
    "value not a list": _change(fields={"q1": "0"}),
    "value not text": _change(fields={"q1": [0]}),
    "nested value": _change(fields={"q1": [["0"]]}),
    "flagged text": _change(flagged="1"),
    "question not on the paper": _change(q=99),
    "question twice": {"known": 0, "changes": [_change()["changes"][0], _change(seq=2)["changes"][0]]},
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("route", ["save", "submit"])
def test_malformed_bodies_get_400_json_and_change_nothing(client, attempt, body, route):
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(f"/my/attempts/{attempt.id}/{route}", data=data, content_type="application/json")
    assert response.status_code == 400
    reply = response.get_json()
    assert reply["status"] == "invalid" and reply["error"]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"
    assert db.session.get(Attempt, attempt.id).rev == 0


def test_a_body_over_256_kb_is_refused(client, attempt):
    response = client.post(f"/my/attempts/{attempt.id}/save", json=_change(fields={"q1": ["x" * 20000] * 14}))
    assert response.status_code == 400 and response.get_json()["status"] == "invalid"


def test_a_forged_option_position_is_stored_but_scores_nothing(client, attempt):
    single = position_of(attempt, "single")
    save_fields(client, attempt, {f"q{single}": ["7"]})
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
    body = _change(fields={"q1": ["0"]})
    calls = [("GET", base, None), ("POST", f"{base}/save", body), ("GET", f"{base}/clock", None),
             ("GET", f"{base}/submit", None), ("POST", f"{base}/submit", None),
             ("POST", f"{base}/submit", body), ("GET", f"{base}/result", None)]
    for method, url, payload in calls:
        response = stranger.open(url, method=method, json=payload) if payload is not None else \
            stranger.open(url, method=method)
        assert response.status_code == 404, f"{method} {url}"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"
    assert db.session.get(Attempt, attempt.id).rev == 0


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
    first = window(client, attempt)
    first.answer_all({}, flagged=[2])  # another window's change, sent back to the next one
    first.save()
    bodies = {
        "paper": client.get(base),
        "save": save_fields(client, attempt, empty_fields(attempt), flagged=[1]),
        "save (other window's answers come back)": client.post(f"{base}/save", json={"known": 0, "changes": []}),
        "heartbeat": client.get(f"{base}/clock"),
        "submit page": client.get(f"{base}/submit"),
        "list": client.get("/my/exams"),
        "start page": client.get(f"/my/exams/{attempt.exam_id}"),
        "result (redirects)": client.get(f"{base}/result", follow_redirects=True),
    }
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
