"""Exam integrity through HTTP, as a browser (or a forger) meets it (docs/security.md §12, §13, §16–§19).

The routes follow the candidate contract: start (form POST), paper, save (JSON, as the page's script
sends it: tests/exams/paper_window.py), submit, result. The clock the views use (`app.core.clock.utcnow`, imported by app.exams.views.take) is
patched, so deadlines and grace are tested to the second. The bank's key texts are unique markers
(KEYMARK…, EXPLAINMARK…, FILLKEY…, REFMARK…), so a search for them in what a candidate can fetch means
something.
"""

import json
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from app.banks.drafts import Draft, QuestionType
from app.banks.services import add_questions, create_bank
from app.core.clock import utcnow
from app.core.permissions import BUILTIN_PUBLIC_ENDPOINTS, access_of
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.courses.models import Lesson, LessonAttachment
from app.exams.models import Attempt, PaperItem, PracticeAnswer
from app.exams.views import take
from app.extensions import db
from tests import factories
from tests.exams.paper_window import Window

PER_TYPE = 2
FORBIDDEN_JSON_KEYS = {"correct", "score", "passed", "key", "truth", "explanation", "reference", "is_correct"}


# --- A bank whose keys are markers ---------------------------------------------------------------

def marked_drafts():
    """Two questions of each type. Choice options come in pairs KEYMARK (correct) / WRONGOPT (wrong), so a
    page that shows options shows both equally often; explanations, blanks and references never show."""
    drafts = []
    for n in range(PER_TYPE):
        drafts += [
            Draft(QuestionType.SINGLE, f"单选{n}：收费站的职责？",
                  options=[f"WRONGOPT-S{n}a", f"KEYMARK-S{n}", f"WRONGOPT-S{n}b", f"WRONGOPT-S{n}c"], correct={1},
                  difficulty=3, points=Decimal(2), explanation=f"EXPLAINMARK-S{n}"),
            Draft(QuestionType.MULTIPLE, f"多选{n}：选出正确项",
                  options=[f"KEYMARK-M{n}a", f"WRONGOPT-M{n}a", f"KEYMARK-M{n}b", f"WRONGOPT-M{n}b"],
                  correct={0, 2}, difficulty=3, points=Decimal(2), explanation=f"EXPLAINMARK-M{n}"),
            Draft(QuestionType.TRUE_FALSE, f"判断{n}：收费员应当文明服务", truth=True, difficulty=3,
                  points=Decimal(2), explanation=f"EXPLAINMARK-T{n}"),
            Draft(QuestionType.FILL_BLANK, f"填空{n}：限速____公里，车道____条",
                  blanks=[[f"FILLKEY{n}a", f"FILLALT{n}a"], [f"FILLKEY{n}b"]], difficulty=3, points=Decimal(2),
                  explanation=f"EXPLAINMARK-F{n}"),
            Draft(QuestionType.SHORT_ANSWER, f"简答{n}：说明收费流程", reference=f"REFMARK-{n}", difficulty=3,
                  points=Decimal(2), explanation=f"EXPLAINMARK-A{n}"),
        ]
    return drafts


NEVER_SHOWN = [f"{prefix}{n}" for n in range(PER_TYPE)
               for prefix in ("EXPLAINMARK-S", "EXPLAINMARK-M", "EXPLAINMARK-T", "EXPLAINMARK-F", "EXPLAINMARK-A",
                              "FILLKEY", "FILLALT", "REFMARK-")]
OPTION_GROUPS = [[f"WRONGOPT-S{n}a", f"KEYMARK-S{n}", f"WRONGOPT-S{n}b", f"WRONGOPT-S{n}c"] for n in range(PER_TYPE)] + [
    [f"KEYMARK-M{n}a", f"WRONGOPT-M{n}a", f"KEYMARK-M{n}b", f"WRONGOPT-M{n}b"] for n in range(PER_TYPE)]


@pytest.fixture
def world(users, org):
    """An exam (owned by trainer01) that the collector and a second collector sit; another trainer who owns
    nothing; a second exam for the collector only. Results released at submit, to make leaks visible."""
    trainer = users[Role.TRAINER]
    ensure_courses()
    bank = create_bank(trainer, find_course("law"), "标记题库", now=utcnow(), ip="t")
    add_questions(trainer, bank, marked_drafts(), now=utcnow())
    station = org.stations[0]
    other = factories.make_user("c0002", roles=[Role.COLLECTOR], name="李四", station=station,
                                team=station.teams[1])
    stranger_trainer = factories.make_user("trainer02", roles=[Role.TRAINER], name="讲师二")
    exam = factories.make_exam(trainer, bank, audience=[users[Role.COLLECTOR], other], release_review="at_submit")
    solo = factories.make_exam(trainer, bank, audience=[users[Role.COLLECTOR]], title="单人考试")
    db.session.commit()
    return SimpleNamespace(exam=exam, solo=solo, bank=bank, trainer=trainer, collector=users[Role.COLLECTOR],
                           other=other, stranger_trainer=stranger_trainer, hr=users[Role.HR],
                           admin=users[Role.ADMIN])


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(take, "utcnow", clock)
    return clock


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"staff_no": user.staff_no, "password": factories.PASSWORD})
    assert response.status_code == 302, f"could not log in as {user.staff_no}"
    return client


def start(client, exam) -> int:
    response = client.post(f"/my/exams/{exam.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.fullmatch(r"/my/attempts/(\d+)", urlsplit(response.headers["Location"]).path)
    assert match, f"start redirected to {response.headers['Location']}, not the paper"
    return int(match.group(1))


def window(client, attempt_id) -> Window:
    return Window(client, attempt_id).load()


def save(client, attempt_id, answers, flagged=()):
    """A freshly loaded window answers with `answers` (inputs by name) and saves: the reply."""
    page = window(client, attempt_id)
    page.answer_all(answers, flagged=flagged)
    return page.save()


def items_of(attempt_id) -> dict[str, PaperItem]:
    """The attempt's items by type (one per type on these papers), fresh from the database."""
    db.session.expire_all()
    items = db.session.scalars(select(PaperItem).where(PaperItem.attempt_id == attempt_id)
                               .order_by(PaperItem.position)).all()
    return {item.version.type: item for item in items}


def fresh_attempt(attempt_id) -> Attempt:
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def right_answers(items) -> dict[str, list[str]]:
    """The form fields of a fully right paper, by displayed position."""
    answers = {}
    for kind, item in items.items():
        name, order = f"q{item.position}", item.option_order
        if kind == "single":
            answers[name] = [str(order.index(1))]
        elif kind == "multiple":
            answers[name] = [str(order.index(0)), str(order.index(2))]
        elif kind == "true_false":
            answers[name] = ["true"]
        elif kind == "fill_blank":
            answers[f"{name}-1"], answers[f"{name}-2"] = ["限速30"], ["两条"]  # wrong on purpose: no markers
        else:
            answers[name] = ["我的回答"]
    return answers


# --- Deadline, grace, overdue (docs/security.md §12, §13) ---------------------------------------

def test_a_save_one_second_inside_the_grace_is_kept_and_one_second_after_is_refused(app, world, clock):
    grace = timedelta(seconds=app.config["EXAM_GRACE_SECONDS"])
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    page = window(client, attempt_id)
    deadline = fresh_attempt(attempt_id).deadline_at
    assert deadline == clock.now + timedelta(minutes=30)
    items = items_of(attempt_id)
    single = f"q{items['single'].position}"

    clock.now = deadline + grace - timedelta(seconds=1)
    page.answer_all({single: ["2"]})
    inside = page.save()
    assert inside.status_code == 200 and inside.get_json()["status"] == "saved"
    assert inside.get_json()["remaining"] == 0

    clock.now = deadline + grace + timedelta(seconds=1)
    page.answer_all({single: ["3"]})
    late = page.save()
    assert late.status_code == 410
    assert late.get_json()["status"] == "over" and late.get_json()["results"][0]["outcome"] == "late"
    assert urlsplit(late.get_json()["result_url"]).path == f"/my/attempts/{attempt_id}/result"
    attempt = fresh_attempt(attempt_id)
    assert (attempt.status, attempt.submitted_how) == ("submitted", "deadline")
    assert items_of(attempt_id)["single"].response == 2  # the answer saved in time, not the late one
    assert client.post(f"/my/attempts/{attempt_id}/save", json={"known": 0, "changes": []}).status_code == 410


def test_a_submit_after_deadline_and_grace_closes_the_attempt_as_overdue(app, world, clock):
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    items = items_of(attempt_id)
    page = window(client, attempt_id)
    page.answer_all(right_answers(items))
    assert page.save().status_code == 200
    clock.now = fresh_attempt(attempt_id).deadline_at + timedelta(seconds=app.config["EXAM_GRACE_SECONDS"] + 1)
    page.answer_all({f"q{items['true_false'].position}": ["false"]})
    response = page.send("submit")
    assert response.status_code == 410  # the page learns that its last change was not taken
    assert [result["outcome"] for result in response.get_json()["results"]] == ["late"]
    attempt = fresh_attempt(attempt_id)
    assert (attempt.status, attempt.submitted_how) == ("submitted", "deadline")
    assert items_of(attempt_id)["true_false"].response is True  # the late final state was not taken


def test_an_overdue_attempt_is_closed_on_the_next_page_with_its_saved_answers(app, world, clock):
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    items = items_of(attempt_id)
    clock.now += timedelta(minutes=5)
    assert save(client, attempt_id, right_answers(items)).get_json()["status"] == "saved"

    clock.now = fresh_attempt(attempt_id).deadline_at + timedelta(seconds=app.config["EXAM_GRACE_SECONDS"] + 1)
    response = client.get(f"/my/attempts/{attempt_id}")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/my/attempts/{attempt_id}/result"
    attempt = fresh_attempt(attempt_id)
    assert (attempt.status, attempt.submitted_how) == ("submitted", "deadline")
    graded = items_of(attempt_id)
    assert {kind: item.score for kind, item in graded.items()} == {
        "single": 2, "multiple": 2, "true_false": 2, "fill_blank": 0, "short_answer": None}


def test_every_save_counts_the_time_down_with_the_server_clock(app, world, clock):
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    clock.now += timedelta(minutes=12, seconds=5)
    reply = client.post(f"/my/attempts/{attempt_id}/save", json={"known": 0, "changes": []}).get_json()
    assert reply["status"] == "saved"
    assert reply["remaining"] == 30 * 60 - 12 * 60 - 5


# --- Forged answers, stale tabs, resume (docs/security.md §16–§18) ------------------------------

@pytest.mark.parametrize("forged", [["7"], ["4"], ["-1"], ["x"], ["1.0"], ["\uff11"], ["999"], []])
def test_a_forged_option_index_scores_zero(app, world, clock, forged):
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    items = items_of(attempt_id)
    answers = right_answers(items)
    answers[f"q{items['single'].position}"] = forged
    answers[f"q{items['multiple'].position}"].append("7")  # the right boxes plus one that does not exist
    page = window(client, attempt_id)
    page.answer_all(answers)
    response = page.save()
    assert response.status_code == 200
    page.answer_all(answers)
    response = page.send("submit")
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    graded = items_of(attempt_id)
    assert graded["single"].score == 0
    assert graded["multiple"].score == 0
    assert graded["true_false"].score == 2  # the honest answer next to them was graded


def test_a_stale_tabs_change_is_refused_and_the_newer_answer_stays(app, world, clock):
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    old_tab = window(client, attempt_id)
    single = items_of(attempt_id)["single"].position
    old_tab.answer(single, {f"q{single}": ["0"]})
    assert old_tab.save().status_code == 200
    new_tab = window(client, attempt_id)
    assert new_tab.shown[single][0] == {f"q{single}": ["0"]}
    new_tab.answer(single, {f"q{single}": ["3"]})
    assert new_tab.save().get_json()["status"] == "saved"

    old_tab.answer(single, {f"q{single}": ["1"]})  # the old tab never saw the 3
    stale = old_tab.save()
    assert stale.status_code == 409 and stale.get_json()["status"] == "refused"
    assert old_tab.refused == [single] and old_tab.shown[single][0] == {f"q{single}": ["3"]}
    assert items_of(attempt_id)["single"].response == 3
    old_tab.answer(single, {f"q{single}": ["2"]})  # now it has seen the 3: its next change is taken
    assert old_tab.save().status_code == 200
    assert items_of(attempt_id)["single"].response == 2


@pytest.mark.parametrize("body", [None, [], {"known": 0, "changes": [{"q": 1, "seq": 0}]},
                                  {"known": "0", "changes": []},
                                  {"known": 0, "changes": [{"q": 1, "win": "a" * 32, "seq": 1, "fields": {"q1": "0"}}]},
                                  {"known": 0, "changes": [{"q": 1, "win": "a" * 32, "seq": 1,
                                                            "fields": {"<script>": ["0"]}}]},
                                  {"known": 0, "changes": [{"q": 1, "win": "a" * 32, "seq": 1, "flagged": "1"}]}])
def test_a_malformed_save_is_refused_as_invalid(app, world, clock, body):
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    response = client.post(f"/my/attempts/{attempt_id}/save", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["status"] == "invalid" and response.get_json()["error"]
    assert fresh_attempt(attempt_id).rev == 0


class FormState(HTMLParser):
    """The answers a page's inputs hold (checked boxes, text values, textareas) and where each stem sits."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if not re.fullmatch(r"q\d+(-\d+)?", name):
            return
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            self.values.setdefault(name, [])
            if "checked" in attrs:
                self.values[name].append(attrs.get("value"))
        elif tag == "input":
            self.values[name] = [attrs.get("value") or ""]
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def test_resume_on_another_device_restores_answers_order_and_the_servers_time(app, world, clock):
    first = signed_in(app, world.collector)
    attempt_id = start(first, world.exam)
    items = items_of(attempt_id)
    answers = right_answers(items)
    answers[f"q{items['short_answer'].position}"] = ["第一行\n第二行 <b>不是标签</b>"]
    flagged = [items["multiple"].position]
    first_tab = window(first, attempt_id)
    first_tab.answer_all(answers, flagged)
    assert first_tab.save().get_json()["status"] == "saved"

    clock.now += timedelta(minutes=10, seconds=30)
    second = signed_in(app, world.collector)  # the browser crashed: a new session on another machine
    assert start(second, world.exam) == attempt_id  # Start again resumes the same attempt
    page = second.get(f"/my/attempts/{attempt_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    state = FormState()
    state.feed(body)
    for name, values in answers.items():
        assert sorted(state.values.get(name, [])) == sorted(values), name
    stems = [item.version.stem.split("：")[0] for item in sorted(items.values(), key=lambda i: i.position)]
    positions = [body.find(stem) for stem in stems]
    assert -1 not in positions and positions == sorted(positions), "questions not in the stored order"
    for item in items.values():  # option order as stored at start
        if item.version.type in ("single", "multiple"):
            shown = [body.find(item.version.options[index]) for index in item.option_order]
            assert -1 not in shown and shown == sorted(shown), f"options of q{item.position} not in stored order"
    remaining = 30 * 60 - 10 * 60 - 30
    resumed = window(second, attempt_id).save().get_json()
    assert resumed["remaining"] == remaining
    assert f'data-remaining="{remaining}"' in body, "the page does not carry the server's time"
    first_tab.answer(items["multiple"].position, {}, flagged=False)  # the first device, still open, unflags
    assert first_tab.save().status_code == 200  # it had seen the stored answer (its own): taken
    assert items_of(attempt_id)["multiple"].flagged is False


# --- Nothing a candidate fetches during an attempt carries the key (docs/security.md §19) -------

def _json_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _json_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_keys(inner)


def _leaks(label, response) -> list[str]:
    body = response.get_data(as_text=True)
    problems = [f"{label}: contains {marker}" for marker in NEVER_SHOWN if marker in body]
    for group in OPTION_GROUPS:
        counts = {marker: len(re.findall(re.escape(marker) + r"(?![0-9a-z])", body)) for marker in group}
        if len(set(counts.values())) > 1:
            problems.append(f"{label}: correct and wrong options shown unequally {counts}")
    # The API's OpenAPI document names fields ("score") in its schemas; it is the same for everyone and holds
    # no values, so only its text is searched (above), not its keys.
    if response.is_json and label != "GET /api/v1/openapi.json":
        keys = set(_json_keys(response.get_json())) & FORBIDDEN_JSON_KEYS
        if keys:
            problems.append(f"{label}: JSON keys {sorted(keys)}")
    if re.search(r"data-(correct|key|answer)|is-correct|correct-option", body):
        problems.append(f"{label}: a correctness attribute")
    return problems


def _crawl_arguments(world, attempt_id):
    practice = PracticeAnswer(user_id=world.collector.id, course_id=world.bank.course_id,
                              question_id=items_of(attempt_id)["single"].question_id,
                              version_id=items_of(attempt_id)["single"].version_id, option_order=[0, 1, 2, 3],
                              shown_at=utcnow())
    now = utcnow()
    lesson = Lesson(course_id=world.bank.course_id, title="课程", body="正文", created_at=now, updated_at=now)
    attachment = LessonAttachment(lesson=lesson, filename="a.pdf", content_type="application/pdf", size=9,
                                  sha256="0" * 64, data=b"%PDF-1.4\n", created_at=now)
    db.session.add_all([practice, lesson, attachment])
    db.session.commit()
    return {"exam_id": world.exam.id, "attempt_id": attempt_id, "practice_id": practice.id, "sha256": "0" * 64,
            "session_id": 1, "user_id": world.collector.id, "course_code": world.bank.course.code,
            "lesson_id": lesson.id, "attachment_id": attachment.id, "fmt": "csv"}


def test_no_response_a_candidate_can_fetch_during_an_attempt_carries_the_key(app, world, clock):
    client = signed_in(app, world.collector)
    fetched = {}
    fetched["POST start"] = client.post(f"/my/exams/{world.exam.id}/start", follow_redirects=True)
    attempt_id = fresh_attempt_id(world)
    items = items_of(attempt_id)
    answers = right_answers(items)
    tab = window(client, attempt_id)
    tab.answer_all(answers, [1])
    repeat = tab.body()
    fetched["POST save"] = tab.save()
    fetched["POST save (repeated)"] = client.post(f"/my/attempts/{attempt_id}/save", json=repeat)
    fetched["POST save (invalid)"] = client.post(f"/my/attempts/{attempt_id}/save", json={"known": "x"})
    arguments = _crawl_arguments(world, attempt_id)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in BUILTIN_PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        if not access_of(app.view_functions[rule.endpoint]).admits(world.collector):
            continue
        unknown = rule.arguments - arguments.keys()
        assert not unknown, f"add a value for {unknown} ({rule.rule}) to _crawl_arguments"
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: arguments[name] for name in rule.arguments})
        fetched[f"GET {url}"] = client.get(url, follow_redirects=True)
    fetched["GET paper as JSON"] = client.get(f"/my/attempts/{attempt_id}", headers={"Accept": "application/json"})
    stale = window(client, attempt_id)  # a second tab that loaded before the first tab's next change
    tab.answer_all(answers)
    fetched["POST save (first tab again)"] = tab.save()
    stale.answer_all(answers)
    fetched["POST save (refused)"] = stale.save()
    fetched["POST save (new tab, what changed)"] = stale.save()

    assert fresh_attempt(attempt_id).status == "in_progress", "the crawl must run during the attempt"
    for page in (f"/my/attempts/{attempt_id}", f"/my/attempts/{attempt_id}/submit",
                 "/my/exams", f"/my/exams/{world.exam.id}", "/me"):
        assert fetched[f"GET {page}"].status_code == 200, page
    paper = fetched[f"GET /my/attempts/{attempt_id}"].get_data(as_text=True)
    assert all(f"KEYMARK-{tag}" in paper or f"WRONGOPT-{tag}" not in paper for tag in ("S0", "S1")), \
        "the paper's single-choice options are not on the page: the search would be empty"
    problems = [problem for label, response in fetched.items() for problem in _leaks(label, response)]
    assert not problems, "\n".join(problems)
    served = {label: response.status_code for label, response in fetched.items() if response.status_code >= 500}
    assert not served, served


def fresh_attempt_id(world) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Attempt.id).where(Attempt.exam_id == world.exam.id,
                                                      Attempt.user_id == world.collector.id))


def test_the_markers_would_be_found_once_the_review_is_released(app, world, clock):
    """The crawl's search is not empty: after submit (review released at submit) the key shows."""
    client = signed_in(app, world.collector)
    attempt_id = start(client, world.exam)
    items = items_of(attempt_id)
    page = window(client, attempt_id)
    page.answer_all(right_answers(items))
    assert page.send("submit").status_code == 200
    db.session.expire_all()
    graded = fresh_attempt(attempt_id)
    graded_short = items_of(attempt_id)["short_answer"]
    graded_short.score, graded_short.graded_by_id = Decimal(2), world.trainer.id
    from app.exams.grading import grade_attempt

    grade_attempt(graded, now=utcnow())
    db.session.commit()
    result = client.get(f"/my/attempts/{attempt_id}/result")
    assert result.status_code == 200
    assert _leaks("result", result), "the released review shows no key: the crawl's markers would be blind"


# --- IDOR: another person's attempt, another trainer's exam -----------------------------------------

CANDIDATE_ROUTES = [("GET", "/my/attempts/{a}"),
                    ("POST", "/my/attempts/{a}/save"),
                    ("GET", "/my/attempts/{a}/submit"), ("POST", "/my/attempts/{a}/submit"),
                    ("GET", "/my/attempts/{a}/result")]


def _candidate_urls(app, attempt_id):
    """Every /my/attempts/<attempt_id>… route in the app (a new one joins the matrix by itself)."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/my/attempts/<int:attempt_id>"):
            continue
        values = {name: attempt_id if name == "attempt_id" else 1 for name in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.mark.parametrize("who", ["other", "stranger_trainer", "hr", "admin", "trainer"])
def test_someone_elses_attempt_is_not_found_on_every_candidate_url(app, world, clock, who):
    owner = signed_in(app, world.collector)
    attempt_id = start(owner, world.exam)
    items = items_of(attempt_id)
    page = window(owner, attempt_id)
    page.answer_all(right_answers(items))
    page.save()
    before = fresh_attempt(attempt_id)
    snapshot = (before.status, before.rev, {k: i.response for k, i in items_of(attempt_id).items()})

    intruder = signed_in(app, getattr(world, who))
    routes = list(_candidate_urls(app, attempt_id))
    assert {(m, u.replace(str(attempt_id), "{a}", 1)) for m, u in routes} >= set(CANDIDATE_ROUTES)
    wrong = []
    for method, url in routes:
        body = None
        if method == "POST":  # the owner's own window's next change, replayed by someone else
            page.answer(items["single"].position, {})
            body = page.body()
        response = intruder.open(url, method=method, json=body)
        if response.status_code != 404:
            wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, f"{who} reached the collector's attempt:\n" + "\n".join(wrong)
    after = fresh_attempt(attempt_id)
    assert (after.status, after.rev, {k: i.response for k, i in items_of(attempt_id).items()}) == snapshot


def test_a_candidate_outside_the_audience_cannot_see_or_start_the_exam(app, world, clock):
    other = signed_in(app, world.other)
    assert other.get(f"/my/exams/{world.solo.id}").status_code == 404
    assert other.post(f"/my/exams/{world.solo.id}/start").status_code == 404
    assert db.session.scalar(select(Attempt.id).where(Attempt.user_id == world.other.id)) is None


def _staff_exam_routes(app, world, attempt_id, version_id):
    """Every /exams/<exam_id>… route (trainer/HR pages), URL arguments filled with the exam's real objects."""
    values = {"exam_id": world.exam.id, "attempt_id": attempt_id, "user_id": world.collector.id,
              "version_id": version_id}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/exams/<int:exam_id>"):
            continue
        unknown = rule.arguments - values.keys()
        assert not unknown, f"add a value for {unknown} ({rule.rule})"
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url


@pytest.mark.parametrize("who", ["stranger_trainer", "collector", "other", "hr"])
def test_staff_exam_pages_refuse_whoever_has_no_rights_on_the_exam(app, world, clock, who):
    owner = signed_in(app, world.collector)
    attempt_id = start(owner, world.exam)
    version_id = items_of(attempt_id)["short_answer"].version_id
    exam_before = (world.exam.status, world.exam.title, world.exam.duration_minutes)
    visitor = signed_in(app, getattr(world, who))
    user = getattr(world, who)
    wrong, checked = [], 0
    for rule, method, url in _staff_exam_routes(app, world, attempt_id, version_id):
        access = access_of(app.view_functions[rule.endpoint])
        may_read = who == "hr" and method == "GET" and access.admits(user)
        response = visitor.open(url, method=method, data={"title": "改掉", "minutes": "90", "reason": "x"})
        checked += 1
        expected = (200,) if may_read else (403,)
        if response.status_code not in expected:
            wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code}, expected {expected}")
    assert checked, "no staff exam routes yet"
    assert not wrong, f"{who}:\n" + "\n".join(wrong)
    db.session.expire_all()
    exam = db.session.get(type(world.exam), world.exam.id)
    assert (exam.status, exam.title, exam.duration_minutes) == exam_before
    assert fresh_attempt(attempt_id).deadline_at == fresh_attempt(attempt_id).started_at + timedelta(minutes=30)
