"""The banks shipped in question_banks/<course>/ read without a single problem and cover each course well:
enough questions of every type, with difficulty, topics, explanation and (mostly) a source on each."""

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from app.banks.drafts import QuestionType
from app.banks.formats.table import parse_table
from app.banks.identity import text_key as stem_key

BANKS = Path(__file__).resolve().parents[2] / "question_banks"
COURSES = ("law", "integrity", "etiquette", "procedures")
MIN_QUESTIONS = 100
MIN_DIFFICULTY_LEVELS = 5
MIN_SOURCE_SHARE = 0.9
SHIPPED = sorted(BANKS.glob("*/*.csv"))


def _name(path: Path) -> str:
    return str(path.relative_to(BANKS))


@pytest.mark.parametrize("course", COURSES)
def test_each_course_has_a_folder_with_at_least_one_csv(course):
    assert (BANKS / course).is_dir(), f"question_banks/{course}/ is missing"
    assert sorted((BANKS / course).glob("*.csv")), f"question_banks/{course}/ holds no CSV bank"


def test_banks_sit_only_in_course_folders():
    assert {path.parent.name for path in SHIPPED} <= set(COURSES)


@pytest.mark.parametrize("path", SHIPPED, ids=_name)
def test_shipped_bank_is_utf8_and_reads_without_problems(path):
    data = path.read_bytes()
    data.decode("utf-8")  # the shipped format is UTF-8 (a BOM is allowed)
    drafts, issues = parse_table(data, path.name)  # answer keys checked against their options here
    assert not issues, "\n".join(f"{_name(path)}: {issue}" for issue in issues)
    assert drafts


@cache
def _course(course: str) -> tuple:
    """(file name, draft) for every question of a course; problems fail the test above, not here."""
    questions = []
    for path in sorted((BANKS / course).glob("*.csv")):
        drafts, _issues = parse_table(path.read_bytes(), path.name)
        questions += [(path.name, draft) for draft in drafts]
    return tuple(questions)


def _where(name: str, draft) -> str:
    return f"{name} row {draft.row}"


@pytest.mark.parametrize("course", COURSES)
def test_course_has_enough_questions_of_every_type(course):
    questions = _course(course)
    assert len(questions) >= MIN_QUESTIONS, f"{course}: {len(questions)} questions, want {MIN_QUESTIONS}"
    types = Counter(draft.type for _name, draft in questions)
    assert set(types) == set(QuestionType), f"{course}: types {dict(types)}"


@pytest.mark.parametrize("course", COURSES)
def test_every_question_has_difficulty_topics_and_explanation(course):
    questions = _course(course)
    missing = [
        f"{_where(name, draft)}: no {what}"
        for name, draft in questions
        for what, present in (("difficulty", draft.difficulty is not None), ("topic", bool(draft.topics)),
                              ("explanation", bool(draft.explanation)))
        if not present
    ]
    assert not missing, "\n".join(missing)
    levels = {draft.difficulty for _name, draft in questions}
    assert len(levels) >= MIN_DIFFICULTY_LEVELS, f"{course}: difficulty levels {sorted(levels)}"


@pytest.mark.parametrize("course", COURSES)
def test_most_questions_cite_a_source(course):
    """A scenario, true/false or short-answer question may have no source; nine in ten questions do."""
    questions = _course(course)
    assert questions
    with_source = sum(1 for _name, draft in questions if draft.source)
    assert with_source >= MIN_SOURCE_SHARE * len(questions), (
        f"{course}: {with_source} of {len(questions)} questions cite a source")


@pytest.mark.parametrize("course", COURSES)
def test_no_question_text_repeats_within_a_course(course):
    first: dict[str, str] = {}
    repeats = []
    for name, draft in _course(course):
        key = stem_key(draft.stem)
        if key in first:
            repeats.append(f"{_where(name, draft)} repeats {first[key]}: {draft.stem[:40]}")
        else:
            first[key] = _where(name, draft)
    assert not repeats, "\n".join(repeats)
