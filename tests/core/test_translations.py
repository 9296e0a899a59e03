"""Both catalogs are complete: every message in the code has a reviewed translation."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = ("zh_Hans", "en")
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]")


def _code_messages() -> set:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


CODE_MESSAGES = _code_messages()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_in_the_code_is_translated(locale):
    catalog = _catalog(locale)
    missing = []
    for message in sorted(CODE_MESSAGES, key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(key)
    assert not missing, f"{len(missing)} untranslated in {locale}: {missing[:20]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    wrong = []
    for entry in _catalog(locale):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != expected:
                wrong.append(ids[0])
    assert not wrong, f"placeholders differ in {locale}: {wrong[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_the_po_file(locale):
    """The committed .mo is what `pybabel compile` makes of the committed .po."""
    catalog = _catalog(locale)
    expected = BytesIO()
    write_mo(expected, catalog)
    expected.seek(0)
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        committed = read_mo(handle)
    built = read_mo(expected)
    assert _messages(committed) == _messages(built)


def _messages(catalog) -> dict:
    def frozen(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def test_catalogs_hold_no_stale_messages():
    """Messages removed from the code are removed from the catalogs (`pybabel update` marks them obsolete)."""
    for locale in LOCALES:
        catalog = _catalog(locale)
        assert not catalog.obsolete, f"{locale} has obsolete entries: {list(catalog.obsolete)[:5]}"
