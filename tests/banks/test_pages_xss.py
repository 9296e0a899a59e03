"""The XSS corpus on the trainer's bank pages and the import preview, not only in the partial."""

import csv
import io

import pytest

from app.banks.drafts import Draft, QuestionType
from app.banks.services import add_questions, create_bank
from app.core.clock import utcnow
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from tests.banks.test_rendering_xss import PAYLOADS, Collector

NEVER = {"iframe", "frame", "object", "embed", "base", "svg", "math", "style"}


def dangers(page: str) -> list[str]:
    """What in a whole page could run or restyle it: our layout's own scripts (from /static/),
    stylesheet links, forms and links are expected; anything else is a finding."""
    found = []
    collector = Collector()
    collector.feed(page)
    collector.close()
    for tag, attrs in collector.tags:
        values = dict(attrs)
        if tag in NEVER:
            found.append(f"<{tag}>")
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            found.append("<script> not from /static/")
        if tag == "meta" and "http-equiv" in values:
            found.append("<meta http-equiv>")
        if tag == "link" and not (values.get("href") or "").startswith("/static/"):
            found.append(f"<link href={values.get('href')}>")
        for name, value in attrs:
            compact = "".join((value or "").split()).lower()
            if name.startswith("on") or name == "style":
                found.append(f"<{tag} {name}>")
            if name in {"href", "src", "action", "formaction", "background"} and (
                compact.startswith(("javascript:", "vbscript:", "data:text"))
            ):
                found.append(f"<{tag} {name}={value}>")
    scripts = page.lower().count("<script")
    if scripts != page.lower().count('<script src="/static/'):
        found.append("inline <script>")
    return found


@pytest.fixture
def hostile_bank(users):
    ensure_courses()
    trainer = users[Role.TRAINER]
    bank = create_bank(trainer, find_course("law"), "题库<script>alert(1)</script>", now=utcnow(), ip="t")
    drafts = [
        Draft(type=QuestionType.SINGLE, stem=f"题{i} {payload}", options=[payload, f"选项{i}"], correct={1},
              explanation=payload, source=payload[:400], topics=[f"知识点{i}"])
        for i, payload in enumerate(PAYLOADS)
    ]
    questions = add_questions(trainer, bank, drafts, now=utcnow())
    db.session.commit()
    return bank, questions


def test_payloads_are_harmless_on_the_bank_and_question_pages(client, users, login, hostile_bank):
    bank, questions = hostile_bank
    login(users[Role.TRAINER])
    pages = [f"/banks/{bank.id}", "/banks"]
    for question in questions:
        pages += [f"/banks/questions/{question.id}", f"/banks/questions/{question.id}/preview",
                  f"/banks/questions/{question.id}/edit"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert dangers(response.get_data(as_text=True)) == [], page


def test_payloads_are_harmless_on_the_import_preview(client, users, login):
    ensure_courses()
    db.session.commit()
    login(users[Role.TRAINER])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["题型", "题干", "选项A", "选项B", "答案", "解析", "出处", "知识点"])
    for i, payload in enumerate(PAYLOADS):
        writer.writerow(["单选", f"题{i} {payload}", payload, f"选项{i}", "B", payload, payload[:400], f"点{i}"])
    response = client.post("/banks/import", data={
        "file": (io.BytesIO(out.getvalue().encode()), "hostile.csv"), "course": "law", "bank": "",
        "new_bank": "新题库", "text_format": "auto",
    }, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:2000]
    assert "题0" in body  # the preview shows the questions as candidates will see them
    assert dangers(body) == []


def test_the_page_checker_finds_what_it_should():
    page = ('<script src="/static/x.js"></script><script>alert(1)</script><img src=x onerror=alert(1)>'
            '<a href="javascript:alert(1)">x</a><iframe></iframe><link href="https://evil.example/x.css">')
    found = dangers(page)
    for expected in ("inline <script>", "<img onerror>", "<a href=javascript:alert(1)>", "<iframe>",
                     "<link href=https://evil.example/x.css>"):
        assert expected in found
    assert dangers('<script src="/static/x.js"></script><link href="/static/app.css">') == []
