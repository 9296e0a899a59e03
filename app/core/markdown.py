"""Trainer-written Markdown to HTML that is safe to show: markdown-it renders, nh3 keeps only an
allowlist of tags and attributes. Everything else on our pages relies on Jinja's autoescape.

The HTML is a pure function of the text (no request, locale or URL goes into it), and question versions never
change, so each worker keeps the CACHED_TEXTS most recently used renderings: a paper page re-renders nothing once
its questions were shown to anyone (a paper of 30 questions is about 180 texts: stems, options, explanations).
Texts longer than CACHE_MAX_CHARS (lessons, pasted pictures) are rendered every time, which bounds the cache to
about 64 MB per worker at worst; question texts of a few hundred characters keep it to a few MB."""

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "pre", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "img", "span", "hr", "h2", "h3", "h4",
}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt", "title", "width", "height"}, "th": {"align"}, "td": {"align"}}
# Images only from our own image route (or inline data: images already in the allowlisted HTML).
URL_SCHEMES = {"data"}

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")


# A path on our own host: "/" not followed by "/" or a backslash (browsers read "/\host" as "//host").
SAFE_IMAGE_SOURCE = re.compile(r"(/(?![/\\])|data:image/(png|jpeg|gif|webp);base64,)", re.IGNORECASE)


def _only_safe_images(tag: str, attribute: str, value: str) -> str | None:
    """An image comes from our own site or is an inline raster image; anything else is dropped."""
    if tag == "img" and attribute == "src" and not SAFE_IMAGE_SOURCE.match(value):
        return None
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel=None, strip_comments=True, attribute_filter=_only_safe_images)


CACHED_TEXTS = 4096
CACHE_MAX_CHARS = 2000


def _render(text: str, inline: bool) -> Markup:
    html = _markdown.renderInline(text) if inline else _markdown.render(text)
    return Markup(sanitize_html(html))  # noqa: S704 - sanitized by nh3 just above


_cached_render = lru_cache(maxsize=CACHED_TEXTS)(_render)


def _rendered(text: str | None, inline: bool) -> Markup:
    text = text or ""
    return _cached_render(text, inline) if len(text) <= CACHE_MAX_CHARS else _render(text, inline)


def render_markdown(text: str) -> Markup:
    """Markdown (or Moodle HTML, which Markdown passes through) as sanitized HTML, ready for a template."""
    return _rendered(text, inline=False)


def render_inline(text: str) -> Markup:
    """One line (an option, a blank's label) without the surrounding paragraph."""
    return _rendered(text, inline=True)
