"""The question-type registry: validation delegates to the shared checks, the candidate's view holds
no key (docs/security.md §19) and follows the stored option order (docs/security.md §18), the review view adds the key,
and the partial banks/_question.html renders the view and reads back as the registry's responses."""

from dataclasses import fields
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from jinja2 import ChoiceLoader, FileSystemLoader, TemplateNotFound
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app.banks import registry
from app.banks.checks import check_draft
from app.banks.drafts import Draft, QuestionType
from app.banks.models import QuestionVersion
from app.banks.registry import (
    FillBlank,
    Multiple,
    OptionView,
    QuestionView,
    ShortAnswer,
    Single,
    TrueFalse,
    kind_of,
)

SECRETS = ("SECRET-EXPLANATION", "REFERENCE-SECRET", "KEY-SECRET", "weights", "correct", "truth")

QUESTION_TYPES = {kind.type: kind for kind in registry.all()}


def version(type, *, stem="题干", options=(), key, points="2", explanation="SECRET-EXPLANATION"):
    return QuestionVersion(type=QuestionType(type).value, stem=stem, options=list(options), key=key,
                           points=Decimal(points), difficulty=3, explanation=explanation, source="test")


VERSIONS = {
    QuestionType.SINGLE: version("single", stem="限速多少？", options=["OPT-A", "OPT-B", "OPT-C", "OPT-D"],
                                 key={"correct": [2]}),
    QuestionType.MULTIPLE: version("multiple", stem="哪些正确？", options=["OPT-A", "OPT-B", "OPT-C"],
                                   key={"correct": [0, 2], "weights": {"0": "0.5", "2": "0.5"}}, points="3"),
    QuestionType.TRUE_FALSE: version("true_false", stem="ETC 车道可以停车。", key={"truth": False}, points="1"),
    QuestionType.FILL_BLANK: version("fill_blank", stem="限速____公里，车距（ ）米",
                                     key={"blanks": [["KEY-SECRET"], ["KEY-SECRET-2"]]}),
    QuestionType.SHORT_ANSWER: version("short_answer", stem="简述交接班流程。", key={"reference": "REFERENCE-SECRET"},
                                       points="10"),
}


# --- The registry -------------------------------------------------------------------------------

def test_every_type_has_a_kind_with_a_label():
    assert set(QUESTION_TYPES) == set(QuestionType)
    kinds = {Single: "Single choice", Multiple: "Multiple choice", TrueFalse: "True or false",
             FillBlank: "Fill in the blanks", ShortAnswer: "Short answer"}
    for question_type, kind in QUESTION_TYPES.items():
        assert kind.type is question_type
        assert str(kind.label) == kinds[type(kind)]


def test_kind_of_accepts_the_stored_value_and_refuses_unknown_types():
    assert kind_of("fill_blank") is QUESTION_TYPES[QuestionType.FILL_BLANK]
    with pytest.raises(ValueError):
        kind_of("essay")


# --- Validation ---------------------------------------------------------------------------------

def test_validate_delegates_to_the_shared_checks():
    good = Draft(type=QuestionType.SINGLE, stem="题", options=["甲", "乙"], correct={1})
    assert kind_of("single").validate(good) == []
    bad = Draft(type=QuestionType.MULTIPLE, stem="", options=["甲", "甲"], correct={0})
    assert kind_of("multiple").validate(bad) == check_draft(bad)
    assert {p.field for p in kind_of("multiple").validate(bad)} >= {"stem", "option_b", "answer"}


def test_validate_refuses_a_draft_of_another_type():
    with pytest.raises(ValueError):
        kind_of("single").validate(Draft(type=QuestionType.TRUE_FALSE, stem="题", truth=True))


# --- The candidate's view -----------------------------------------------------------------------

@pytest.mark.parametrize("question_type", list(QuestionType))
def test_candidate_view_holds_no_key_or_explanation(question_type):
    v = VERSIONS[question_type]
    view = kind_of(question_type).present(v)
    assert isinstance(view, QuestionView)
    text = repr(view)
    for secret in SECRETS:
        assert secret not in text
    assert not any(isinstance(value, dict) for value in vars(view).values())


def test_candidate_view_has_no_field_that_could_hold_a_key():
    """Adding a field to QuestionView is a security decision (docs/security.md §19): this list is the review.
    `template` is the name of the type's macro file (set by the kind, never from the version)."""
    assert {f.name for f in fields(QuestionView)} == {"type", "label", "stem_html", "points", "options", "blanks",
                                                      "image_url", "template"}
    assert {f.name for f in fields(OptionView)} == {"position", "html"}


def test_candidate_view_follows_the_option_order():
    view = kind_of("single").present(VERSIONS[QuestionType.SINGLE], [3, 1, 0, 2])
    assert [(o.position, o.letter, str(o.html)) for o in view.options] == [
        (0, "A", "OPT-D"), (1, "B", "OPT-B"), (2, "C", "OPT-A"), (3, "D", "OPT-C")]
    natural = kind_of("single").present(VERSIONS[QuestionType.SINGLE])
    assert [str(o.html) for o in natural.options] == ["OPT-A", "OPT-B", "OPT-C", "OPT-D"]


def test_candidate_view_refuses_an_order_that_does_not_fit():
    with pytest.raises(ValueError):
        kind_of("single").present(VERSIONS[QuestionType.SINGLE], [0, 1])


def test_fill_blank_view_numbers_the_blanks_in_the_stem():
    view = kind_of("fill_blank").present(VERSIONS[QuestionType.FILL_BLANK])
    assert view.blanks == 2
    assert "(1)" in view.stem_html and "(2)" in view.stem_html and "____" not in view.stem_html
    assert isinstance(view.stem_html, Markup)


def test_view_shows_points_and_image_url_from_the_caller():
    view = kind_of("multiple").present(VERSIONS[QuestionType.MULTIPLE], image_url="/banks/images/abc")
    assert view.points == Decimal("3.00") and view.points_text == "3"
    assert view.image_url == "/banks/images/abc"
    half = kind_of("true_false").present(version("true_false", key={"truth": True}, points="1.50"))
    assert half.points_text == "1.5"


# --- The review view ----------------------------------------------------------------------------

def test_review_of_choices_marks_correct_and_chosen_in_displayed_order():
    review = kind_of("multiple").present_review(VERSIONS[QuestionType.MULTIPLE], [2, 1, 0], {0, 1})
    assert [(o.position, str(o.html), o.correct, o.chosen) for o in review.options] == [
        (0, "OPT-C", True, True), (1, "OPT-B", False, True), (2, "OPT-A", True, False)]
    assert "SECRET-EXPLANATION" in review.explanation_html
    assert review.response == {0, 1}


def test_review_of_other_types_carries_their_key():
    assert kind_of("true_false").present_review(VERSIONS[QuestionType.TRUE_FALSE]).truth is False
    blanks = kind_of("fill_blank").present_review(VERSIONS[QuestionType.FILL_BLANK], None, ["a", "b"]).blanks
    assert blanks == (("KEY-SECRET",), ("KEY-SECRET-2",))
    short = kind_of("short_answer").present_review(VERSIONS[QuestionType.SHORT_ANSWER], None, "my text")
    assert "REFERENCE-SECRET" in short.reference_html


# --- Reading the form back ----------------------------------------------------------------------

@pytest.mark.parametrize(("question_type", "form", "expected"), [
    ("single", MultiDict([("q1", "2")]), 2),
    ("single", MultiDict(), None),
    ("single", MultiDict([("q1", "-1")]), None),
    ("single", MultiDict([("q1", "x")]), None),
    ("multiple", MultiDict([("q1", "0"), ("q1", "2"), ("q1", "zz")]), {0, 2}),
    ("multiple", MultiDict(), set()),
    ("true_false", MultiDict([("q1", "true")]), True),
    ("true_false", MultiDict([("q1", "false")]), False),
    ("true_false", MultiDict([("q1", "对")]), None),
    ("fill_blank", MultiDict([("q1-1", "３０"), ("q1-2", " 50 ")]), ["３０", " 50 "]),
    ("fill_blank", MultiDict(), []),
    ("fill_blank", {"q1-1": "a", "q1-2": [], "q1-4": "d"}, ["a", ""]),
    ("short_answer", MultiDict([("q1", "答案")]), "答案"),
    ("short_answer", {}, None),
])
def test_read_response_reads_what_the_partial_submits(question_type, form, expected):
    assert kind_of(question_type).read_response(form, "q1") == expected


# --- The partial --------------------------------------------------------------------------------

PARTIAL_CALL = '{% from "banks/_question.html" import question %}{{ question(view, prefix, **options) }}'


@pytest.fixture
def render(app):
    """Renders the partial; until the banks blueprint is registered, its template folder is added here."""
    try:
        app.jinja_env.get_template("banks/_question.html")
    except TemplateNotFound:
        folder = Path(app.root_path) / "banks" / "templates"
        app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, FileSystemLoader(folder)])

    def _render(view, prefix="q1", **options) -> str:
        with app.test_request_context("/"):
            return render_template_string(PARTIAL_CALL, view=view, prefix=prefix, options=options)

    return _render


@pytest.mark.parametrize("question_type", list(QuestionType))
def test_partial_shows_no_key_explanation_or_reference(render, question_type):
    html = render(kind_of(question_type).present(VERSIONS[question_type], image_url=None))
    for secret in ("SECRET-EXPLANATION", "REFERENCE-SECRET", "KEY-SECRET", "correct", "truth"):
        assert secret not in html
    assert "style=" not in html and "<script" not in html


def test_partial_lists_options_in_the_stored_order(render):
    html = render(kind_of("single").present(VERSIONS[QuestionType.SINGLE], [3, 1, 0, 2]))
    assert html.index("OPT-D") < html.index("OPT-B") < html.index("OPT-A") < html.index("OPT-C")
    assert html.count('type="radio"') == 4 and 'value="0"' in html and 'for="q1-0"' in html


def test_partial_inputs_per_type(render):
    multiple = render(kind_of("multiple").present(VERSIONS[QuestionType.MULTIPLE]), "q2", answer={0, 2})
    assert multiple.count('type="checkbox"') == 3 and multiple.count(" checked") == 2
    true_false = render(kind_of("true_false").present(VERSIONS[QuestionType.TRUE_FALSE]), answer=False)
    assert ">对<" in true_false and ">错<" in true_false and true_false.count(" checked") == 1  # default zh_Hans
    assert 'value="false" checked' in true_false
    blanks = render(kind_of("fill_blank").present(VERSIONS[QuestionType.FILL_BLANK]), answer=["30", "<b>"])
    assert blanks.count('type="text"') == 2 and "第 1 空" in blanks and "第 2 空" in blanks
    assert 'name="q1-1"' in blanks and 'value="30"' in blanks and 'value="&lt;b&gt;"' in blanks
    short = render(kind_of("short_answer").present(VERSIONS[QuestionType.SHORT_ANSWER]), answer="</textarea><i>")
    assert "<textarea" in short and "&lt;/textarea&gt;&lt;i&gt;" in short and 'for="q1-text"' in short


def test_partial_keeps_the_saved_single_answer_and_can_be_disabled(render):
    html = render(kind_of("single").present(VERSIONS[QuestionType.SINGLE]), answer=1, disabled=True)
    assert html.count(" checked") == 1 and 'value="1" checked' in html
    assert " disabled>" in html


def test_partial_shows_the_image_the_caller_resolved(render):
    html = render(kind_of("single").present(VERSIONS[QuestionType.SINGLE], image_url="/img/a\"b"))
    assert 'src="/img/a&#34;b"' in html
    assert "<img" not in render(kind_of("single").present(VERSIONS[QuestionType.SINGLE]))


def test_partial_submission_grades_through_the_registry(app, render):
    v = VERSIONS[QuestionType.MULTIPLE]
    kind = kind_of(v.type)
    order = [2, 1, 0]
    assert 'value="0"' in render(kind.present(v, order))
    response = kind.read_response(MultiDict([("q1", "0"), ("q1", "2")]), "q1")  # shown C and A
    assert kind.grade(v, response, order).correct is True


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_partial_speaks_english_too(render):
    html = render(kind_of("true_false").present(VERSIONS[QuestionType.TRUE_FALSE]))
    assert ">True<" in html and ">False<" in html and "True or false" in html and "points" in html
    blanks = render(kind_of("fill_blank").present(VERSIONS[QuestionType.FILL_BLANK]))
    assert "Blank 1" in blanks and "Fill in the blanks" in blanks
