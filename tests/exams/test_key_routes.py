"""Every route that can show a key, an explanation or which option is correct, for someone who may see it
and for someone who may not (docs/security-keys.md). Bank routes: tests/banks/test_bank_keys.py.

The world: trainer01 owns the bank of tests.key_secrets and an exam over it (one question of each type,
review released at submit); collector c0001 sat it (graded) and practised a fill-in question of the bank.
Outsiders: trainer02, who owns a bank and an exam of their own in the same course, and collector c0099.
Each key route is first shown to reveal the secrets to its legitimate reader, so the search for them
in an outsider's response can fail.
"""

import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest
from werkzeug.routing.converters import AnyConverter

from app.core.clock import utcnow
from app.core.roles import Role
from app.exams import marking
from app.exams import practice as practice_service
from app.exams.services import RuleData
from app.extensions import db
from app.uploads.services import keep_upload
from tests import factories
from tests.core.test_route_permissions import MISSING_ID, Visitor, declared_rules
from tests.exams.marking_support import item_of, sit
from tests.key_secrets import leaks, make_secret_bank

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

TYPES = ("single", "multiple", "true_false", "fill_blank", "short_answer")


@pytest.fixture
def world(users):
    now = utcnow().replace(microsecond=0)
    owner, candidate = users[Role.TRAINER], users[Role.COLLECTOR]
    bank, questions = make_secret_bank(owner)
    exam = factories.make_exam(owner, bank, audience=[candidate], now=now, release_review="at_submit",
                               rules=[RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2))
                                      for t in TYPES])
    db.session.commit()
    attempt = sit(candidate, exam, {"single": 1, "true_false": True, "short_answer": "先收费后放行"}, now=now)
    marking.grade_answer(owner, item_of(attempt, "short_answer"), points=Decimal(1), comment="", now=now, ip="t")
    practice = practice_service.start_practice(
        candidate, practice_service.PracticeFilter(course_id=bank.course_id, type="fill_blank"), now=now)
    practice_service.answer_practice(practice, ["错的"], now=now)
    other = factories.make_user("trainer02", roles=[Role.TRAINER], name="乙讲师")
    other_bank = factories.make_exam_bank(other, per_type=1).bank
    factories.make_exam(other, other_bank, audience=[candidate], now=now, title="乙的考试")
    outsider = factories.make_user("c0099", roles=[Role.COLLECTOR], name="李四")
    token = keep_upload("题型,题干,答案,解析\n判断,收费员应当文明服务。,对,解析KX9\n".encode(), kind="bank",
                        filename="b.csv", options={"course": "law", "bank_name": "新题库", "format": "auto"},
                        owner=owner, now=now)
    db.session.commit()
    versions = {t: item_of(attempt, t).version_id for t in TYPES}
    return SimpleNamespace(owner=owner, candidate=candidate, bank=bank, questions=questions, exam=exam,
                           attempt=attempt, practice=practice, versions=versions, other=other, outsider=outsider,
                           token=token)


# The routes that show keys, explanations or the correct options, and who legitimately reads them there.
KEY_ROUTES = {
    "sample paper": ("/exams/{exam}/preview?seed=1", "owner"),
    "attempt page": ("/exams/{exam}/attempts/{attempt}", "owner"),
    "grading a short answer": ("/exams/{exam}/grading/{short_answer}", "owner"),
    "regrade page": ("/exams/{exam}/regrade/{fill_blank}", "owner"),
    "item analysis of the exam": ("/reports/exams/{exam}/items", "owner"),
    "item analysis of a question": ("/reports/questions/{single_question}/items", "owner"),
    "candidate's result": ("/my/attempts/{attempt}/result", "candidate"),
    "practice question": ("/practice/{practice}", "candidate"),
    "wrong-answer book": ("/my/mistakes", "candidate"),
}


def url_of(world, template: str) -> str:
    return template.format(exam=world.exam.id, attempt=world.attempt.id, practice=world.practice.id,
                           single_question=world.questions["single"].id, **world.versions)


def reveals(body: str) -> bool:
    """The secrets, or for item analysis (letters only) the correct-answer mark."""
    return bool(leaks(body)) or "(correct answer)" in body


@pytest.mark.parametrize("route", list(KEY_ROUTES))
def test_the_legitimate_reader_sees_the_key(app, world, route):
    template, reader = KEY_ROUTES[route]
    response = Visitor(app, getattr(world, reader)).open("GET", url_of(world, template))
    assert response.status_code == 200 and reveals(response.get_data(as_text=True))


@pytest.mark.parametrize("outsider", ["other", "outsider"])
@pytest.mark.parametrize("route", list(KEY_ROUTES))
def test_an_outsider_sees_no_key(app, world, route, outsider):
    template, _reader = KEY_ROUTES[route]
    response = Visitor(app, getattr(world, outsider)).open("GET", url_of(world, template))
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 403, 404)
    assert leaks(body, markup=True) == [], f"{route}: {response.status_code}"


def test_hr_reads_the_keys_of_a_sat_paper_but_never_a_sample_paper(app, users, world):
    """HR reads every exam's results (read-only), keys of the questions candidates met included; it never
    builds or previews a paper."""
    hr = Visitor(app, users[Role.HR])
    assert reveals(hr.open("GET", url_of(world, "/exams/{exam}/attempts/{attempt}")).get_data(as_text=True))
    for template in ("/exams/{exam}/preview", "/exams/{exam}/blueprint", "/exams/{exam}/pool"):
        response = hr.open("GET", url_of(world, template))
        assert response.status_code == 403 and not leaks(response.get_data(as_text=True))


def test_a_co_owner_reads_keys_of_sat_papers_but_not_of_the_sample_paper(app, world):
    """The exam's own trainers grade it with the keys of the questions on its papers; before that, a sample
    paper shows keys only to those who may see the bank's keys."""
    world.exam.owners.append(world.other)
    db.session.commit()
    co_owner = Visitor(app, world.other)
    for template in ("/exams/{exam}/attempts/{attempt}", "/exams/{exam}/grading/{short_answer}"):
        assert reveals(co_owner.open("GET", url_of(world, template)).get_data(as_text=True)), template
    preview = co_owner.open("GET", url_of(world, "/exams/{exam}/preview?seed=1"))
    assert preview.status_code == 200 and leaks(preview.get_data(as_text=True), markup=True) == []


# --- Every page, crawled ---------------------------------------------------------------------------------

def _crawl_ids(world) -> dict[str, list]:
    """URL arguments by name: the world's objects, so each route is asked about the secret ones."""
    return {"exam_id": [world.exam.id], "attempt_id": [world.attempt.id], "practice_id": [world.practice.id],
            "bank_id": [world.bank.id], "question_id": [q.id for q in world.questions.values()],
            "version_id": list(world.versions.values()), "version_number": [1], "user_id": [world.candidate.id],
            "staff_no": [world.candidate.staff_no], "bank_token": [world.token], "course_code": ["law"],
            "sha256": ["0" * 64]}


def crawl_urls(app, world) -> list[str]:
    """Every GET route of the app, its arguments filled with the world's ids (others: ids that do not exist)."""
    ids = _crawl_ids(world)
    urls = []
    for rule in declared_rules(app):
        if "GET" not in rule.methods:
            continue
        choices = [[(name, value) for value in (sorted(converter.items) if isinstance(converter, AnyConverter)
                                                else ids.get(name, [MISSING_ID]))]
                   for name, converter in rule._converters.items()]
        urls += [rule.build(dict(combination))[1] for combination in itertools.product(*choices)]
    return urls + [url_of(world, "/exams/{exam}/pool?bank=") + str(world.bank.id)]


@pytest.mark.parametrize("outsider", ["other", "outsider"])
def test_no_page_shows_an_outsider_a_key(app, world, outsider):
    visitor = Visitor(app, getattr(world, outsider))
    urls = crawl_urls(app, world)
    assert len(urls) > 100 and "/banks/questions/{}/versions/1".format(world.questions["single"].id) in urls
    problems = []
    for url in urls:
        response = visitor.open("GET", url)
        found = leaks(response, markup=True)
        if response.status_code >= 500 or found:
            problems.append(f"{url}: {response.status_code} {found}")
    assert not problems, "\n".join(problems)


def test_the_crawl_finds_the_keys_the_owner_may_see(app, world):
    """The same crawl as the bank's owner and the exam's trainer: the secrets are on the pages it visits."""
    visitor = Visitor(app, world.owner)
    seen = set()
    for url in crawl_urls(app, world):
        response = visitor.open("GET", url)
        seen.update(leaks(response))
    assert seen == {"解析KX", "答案KB", "参考KR"}

