"""The registry owns its types: a sixth type, defined here and registered at test time with its template
from this folder, is imported (CSV and GIFT), previewed, stored, exported, shown on a paper without its key,
reviewed with it and graded, with no edit anywhere else (issue 16)."""

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from flask import render_template_string
from jinja2 import ChoiceLoader, FileSystemLoader

from app.accounts.actors import SYSTEM
from app.banks import registry
from app.banks.answers import AnswerError
from app.banks.checks import Problem
from app.banks.exporting import export_bank
from app.banks.importing import import_bank, preview_import, read_bank_file
from app.banks.models import QuestionVersion
from app.banks.registry import Grade, QuestionKind, money
from app.banks.types.base import gift_feedback, gift_stem, points_of
from app.core.spreadsheets.table import Issue
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

pytestmark = [pytest.mark.fresh_app, pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")]

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TEMPLATES = Path(__file__).parent / "templates"
_ANSWER = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*(?:±\s*(\d+(?:\.\d+)?))?\s*")
_GIFT = re.compile(r"#\s*([+-]?\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?\s*")


def _number(text) -> Decimal | None:
    try:
        return Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None


class Numeric(QuestionKind):
    """A number, right within a tolerance: `3.14±0.01` in the answer column, `{#3.14:0.01}` in GIFT."""

    type = "numeric"
    label = "Numeric"
    aliases = ("数值", "numeric", "number")
    default_points = Decimal(2)

    def parse_answer(self, text):
        match = _ANSWER.fullmatch(text or "")
        if not match:
            raise AnswerError(f"'{text}' is not a number")
        return {"extra": {"value": match.group(1), "tolerance": match.group(2) or "0"}}

    def answer_text(self, draft):
        return f"{draft.extra['value']}±{draft.extra['tolerance']}"

    def key_of(self, draft):
        return dict(draft.extra)

    def apply_key(self, draft, key):
        draft.extra = {"value": key["value"], "tolerance": key["tolerance"]}

    def check_key(self, draft):
        return [] if _number(draft.extra.get("value")) is not None else [Problem("answer", "no number")]

    def gift_question(self, draft, head):
        return f"{head}{gift_stem(draft)}{{#{draft.extra['value']}:{draft.extra['tolerance']}{gift_feedback(draft)}}}"

    def reads_gift(self, answer):
        return answer.startswith("#") and bool(_GIFT.fullmatch(answer.split("####")[0]))

    def read_gift(self, draft, answer, place):
        match = _GIFT.fullmatch(answer)
        if not match:
            return Issue(f"Question {place['number']} ({place['title']}): not a number")
        draft.type, draft.extra = self.type, {"value": match.group(1), "tolerance": match.group(2) or "0"}
        return draft

    moodle_type = "numerical"

    def read_moodle(self, draft, answers, element, place):
        right = [text for fraction, text in answers if fraction == 100]
        if len(right) != 1 or _number(right[0]) is None:
            return Issue(f"Question {place['number']} ({place['title']}): not a number")
        tolerance = (element.findtext("answer/tolerance") or "0").strip()
        draft.type, draft.extra = self.type, {"value": right[0], "tolerance": tolerance}
        return draft

    def present_review(self, version, option_order=None, response=None, *, image_url=None):
        review = super().present_review(version, option_order, response, image_url=image_url)
        return replace(review, extra=dict(version.key))

    def grade(self, version, response, option_order=None, policy=None):
        value, tolerance = _number(version.key["value"]), _number(version.key["tolerance"])
        given = _number(response) if isinstance(response, str) else None
        right = given is not None and abs(given - value) <= tolerance
        points = points_of(version)
        return Grade(score=points if right else money(Decimal(0)), correct=right, max_points=points)


@pytest.fixture
def numeric(app):
    kind = registry.register(Numeric())
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), loader])
    ensure_courses()
    db.session.commit()
    yield kind
    app.jinja_env.loader = loader
    registry.unregister(kind.type)


CSV = "题型,题干,答案,分值\n数值题,圆周率取两位小数是多少？,3.14±0.01,4\n判断,收费站属于交通部门。,对,\n".encode()
GIFT = "::N1::一公里是多少米？{#1000:0.5####一千米。}\n\n::S1::对吗？{TRUE}\n".encode()
XML = """<?xml version="1.0" encoding="UTF-8"?><quiz>
<question type="numerical"><name><text>N2</text></name><questiontext format="html"><text>光速约为每秒多少万公里？</text>
</questiontext><answer fraction="100"><text>30</text><tolerance>1</tolerance></answer></question>
<question type="truefalse"><name><text>T2</text></name><questiontext format="html"><text>对吗？</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
</quiz>""".encode()


def _render(source: str, **context) -> str:
    return render_template_string(source, **context)


def test_a_registered_type_imports_exports_renders_and_grades(numeric):
    course = find_course("law")
    # Import: the CSV (table format), GIFT and Moodle XML read the type, preview then store it.
    stored = {}
    for filename, data, bank_name in (("n.csv", CSV, "数值 CSV"), ("n.gift", GIFT, "数值 GIFT"),
                                      ("n.xml", XML, "数值 XML")):
        file = read_bank_file(data, filename)
        preview = preview_import(None, file, bank_name=bank_name, course=course)
        assert not preview.errors, [str(issue) for issue in preview.errors]
        assert [draft.type for draft in preview.to_import][0] == "numeric"
        result = import_bank(SYSTEM, course, bank_name, file, now=NOW, ip="t")
        assert result.created == 2
        stored[filename] = result.bank
    db.session.commit()
    versions = {v.key["value"]: v for v in db.session.scalars(
        db.select(QuestionVersion).where(QuestionVersion.type == "numeric"))}
    csv_version, gift_version = versions["3.14"], versions["1000"]
    assert versions["30"].key == {"value": "30", "tolerance": "1"}
    assert csv_version.key == {"value": "3.14", "tolerance": "0.01"} and csv_version.points == 4
    assert gift_version.key == {"value": "1000", "tolerance": "0.5"} and gift_version.points == 2
    assert gift_version.explanation == "一千米。"

    # Export: the table formats write its word and answer syntax, GIFT its own block; the CSV imports again.
    csv_out = export_bank(SYSTEM, stored["n.csv"], "csv", now=NOW, ip="t").data.decode("utf-8-sig")
    assert "数值,圆周率取两位小数是多少？" in csv_out and "3.14±0.01" in csv_out
    gift_out = export_bank(SYSTEM, stored["n.gift"], "gift", now=NOW, ip="t").data.decode()
    assert "{#1000:0.5####一千米。}" in gift_out
    again = read_bank_file(csv_out.encode(), "again.csv")
    assert not again.issues and {d.type for d in again.drafts} == {"numeric", "true_false"}

    # A paper: the type's inputs, without the key; the review and the trainer's key show it.
    kind = registry.get(csv_version.type)
    paper = _render('{% from "banks/_question.html" import question %}{{ question(view, "q1", answer="3.1") }}',
                    view=kind.present(csv_version))
    assert 'class="form-control numeric-answer"' in paper and 'name="q1"' in paper and 'value="3.1"' in paper
    assert "3.14" not in paper and "0.01" not in paper and "Numeric" in paper
    review = kind.present_review(csv_version, None, "3.145")
    key = _render('{% from "banks/_banks_ui.html" import answer_key %}{{ answer_key(review) }}', review=review)
    assert "3.14 ± 0.01" in key
    shown = _render('{% import review.question.template as t %}{{ t.review(review) }}', review=review)
    assert "3.145 → 3.14 ± 0.01" in shown

    # Grading: within the tolerance full points, outside none; the paper's input is read back.
    response = kind.read_response({"q1": "3.145"}, "q1")
    assert kind.grade(csv_version, response) == Grade(Decimal("4.00"), True, Decimal("4.00"))
    assert kind.grade(csv_version, "3.2").score == Decimal("0.00")
    assert kind.grade(gift_version, "1000.5").correct and not kind.grade(gift_version, "999").correct


def test_the_type_is_gone_once_unregistered(app):
    assert not registry.is_registered("numeric")
    with pytest.raises(AnswerError):
        registry.parse_type("数值")
