"""Question text is rendered once per worker: the Markdown parser and the sanitiser run on the first view of a
text, later views reuse the HTML (app/core/markdown.py). The cache must never hand out unsanitised HTML nor
mix stems (block) with options (inline)."""

import uuid

from markupsafe import Markup

from app.core import markdown


def _spy(monkeypatch, name: str) -> list[str]:
    calls = []
    original = getattr(markdown._markdown, name)

    def spy(text, *args, **kwargs):
        calls.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(markdown._markdown, name, spy)
    return calls


def _text(body: str) -> str:
    return f"{body} <!-- {uuid.uuid4().hex} -->"  # a text no other test rendered (the comment is stripped)


def test_rendering_the_same_text_twice_parses_it_once_and_gives_the_same_html(monkeypatch):
    calls = _spy(monkeypatch, "render")
    text = _text("**收费站** 的 *通行费*\n\n| 车型 | 费率 |\n|---|---|\n| 一类 | 5 元 |")
    first, second = markdown.render_markdown(text), markdown.render_markdown(text)
    assert calls == [text]
    assert first == second and isinstance(second, Markup)
    assert "<strong>收费站</strong>" in first and "<table>" in first and "<!--" not in first


def test_inline_and_block_renderings_of_one_text_are_kept_apart(monkeypatch):
    block_calls, inline_calls = _spy(monkeypatch, "render"), _spy(monkeypatch, "renderInline")
    text = _text("甲 **乙**")
    block, inline = markdown.render_markdown(text), markdown.render_inline(text)
    assert markdown.render_inline(text) == inline and markdown.render_markdown(text) == block
    assert block.startswith("<p>") and not inline.startswith("<p>")
    assert len(block_calls) == 1 and len(inline_calls) == 1


def test_the_sanitiser_applies_to_what_is_cached(monkeypatch):
    sanitised = []
    original = markdown.sanitize_html
    monkeypatch.setattr(markdown, "sanitize_html", lambda html: sanitised.append(html) or original(html))
    text = _text('<img src=x onerror=alert(1)><script>alert(1)</script>![p](/banks/images/1) 题干')
    for _ in range(3):
        html = markdown.render_markdown(text)
        assert "onerror" not in html and "<script" not in html and "alert(1)</script>" not in html
        assert 'src="/banks/images/1"' in html and "题干" in html
    assert len(sanitised) == 1


def test_long_texts_are_rendered_every_time_so_the_cache_stays_small(monkeypatch):
    calls = _spy(monkeypatch, "render")
    text = _text("长" * (markdown.CACHE_MAX_CHARS + 1))
    assert markdown.render_markdown(text) == markdown.render_markdown(text)
    assert len(calls) == 2


def test_an_empty_or_missing_text_renders_as_nothing():
    assert markdown.render_markdown(None) == "" and markdown.render_inline("") == ""
