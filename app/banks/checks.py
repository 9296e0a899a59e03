"""Consistency checks for one draft, the same for every import format.

`check_draft(draft)` returns a `Problem` per rule broken: the rules every question shares are here, the rules
of a type's key are the type's (`QuestionKind.check_key`, app/banks/types/); options are checked here for
every type that has them (`has_options`). A short answer may come without a reference
answer (an essay from Moodle often has none): the grading page then says there is none. A problem names the field it concerns with
the key of the table format's column (`stem`, `option_c`, `answer`, `points` …), so the table format can
name the column as written in the file and the other formats can name the question.
"""

from dataclasses import dataclass

from app.banks.answers import (
    DIFFICULTY_LEVELS,
    MAX_OPTIONS,
    MAX_TOPIC_CHARS,
    image_problem,
    letter,
    points_problem,
)
from app.banks.drafts import Draft
from app.banks.limits import (
    MAX_ANSWER_CHARS,
    MAX_EXPLANATION_CHARS,
    MAX_OPTION_CHARS,
    MAX_SOURCE_CHARS,
    MAX_STEM_CHARS,
)
from app.core.i18n import lazy_gettext as _l

MIN_OPTIONS = 2
MAX_EXTERNAL_ID = 100  # QuestionExternalId.external_id


@dataclass(frozen=True)
class Problem:
    field: str  # "type", "stem", "options", "option_a" … "option_h", "answer", "points", "difficulty", …
    message: object  # lazy translation


def option_field(index: int) -> str:
    """0 → "option_a"; options beyond H (other formats) are "options"."""
    return f"option_{letter(index).lower()}" if 0 <= index < MAX_OPTIONS else "options"


def check_draft(draft: Draft) -> list[Problem]:
    """Every rule the draft breaks: stem, options and answer key for its type, points, difficulty, tags."""
    from app.banks.registry import get  # the types use this module's Problem: imported when first needed

    kind = get(draft.type)
    problems = _check_lengths(draft)
    if not draft.stem.strip():
        problems.append(Problem("stem", _l("The question text is empty.")))
    if kind.has_options:
        problems += _check_options(draft)
    else:
        for index, option in enumerate(draft.options):
            if option.strip():
                problems.append(Problem(option_field(index), _l(
                    "Only single and multiple choice questions have options; leave this cell empty.")))
                break
    problems += kind.check_key(draft)
    problems += _check_details(draft)
    return problems


def _sizes(text: str, limit: int) -> dict:
    return {"max": f"{limit:,}", "count": f"{len(text):,}"}


def _check_lengths(draft: Draft) -> list[Problem]:
    """The same limits whatever the question came from (app/banks/limits.py)."""
    problems = []
    if len(draft.stem) > MAX_STEM_CHARS:
        problems.append(Problem("stem", _l("The question text may have at most %(max)s characters; it has "
                                           "%(count)s.", **_sizes(draft.stem, MAX_STEM_CHARS))))
    for index, option in enumerate(draft.options):
        if len(option) > MAX_OPTION_CHARS:
            problems.append(Problem(option_field(index), _l(
                "Option %(letter)s may have at most %(max)s characters; it has %(count)s.", letter=letter(index),
                **_sizes(option, MAX_OPTION_CHARS))))
    if len(draft.reference) > MAX_ANSWER_CHARS:
        problems.append(Problem("answer", _l("The reference answer may have at most %(max)s characters; it has "
                                             "%(count)s.", **_sizes(draft.reference, MAX_ANSWER_CHARS))))
    accepted = "".join(alternative for blank in draft.blanks for alternative in blank)
    if len(accepted) > MAX_ANSWER_CHARS:
        problems.append(Problem("answer", _l("The answers of the blanks may have at most %(max)s characters in all; "
                                             "they have %(count)s.", **_sizes(accepted, MAX_ANSWER_CHARS))))
    if len(draft.explanation) > MAX_EXPLANATION_CHARS:
        problems.append(Problem("explanation", _l("The explanation may have at most %(max)s characters; it has "
                                                  "%(count)s.", **_sizes(draft.explanation, MAX_EXPLANATION_CHARS))))
    if len(draft.source) > MAX_SOURCE_CHARS:
        problems.append(Problem("source", _l("The source may have at most %(max)s characters; it has %(count)s.",
                                             **_sizes(draft.source, MAX_SOURCE_CHARS))))
    return problems


def _check_options(draft: Draft) -> list[Problem]:
    problems = []
    options = draft.options
    if len(options) > MAX_OPTIONS:
        problems.append(Problem("options", _l("A question may have at most %(max)d options (A to %(last)s).",
                                              max=MAX_OPTIONS, last=letter(MAX_OPTIONS - 1))))
    filled = [index for index, option in enumerate(options) if option.strip()]
    for index, option in enumerate(options):
        if not option.strip() and any(later > index for later in filled):
            problems.append(Problem(option_field(index), _l(
                "Option %(letter)s is empty but a later option is filled; options must follow one another "
                "from A.", letter=letter(index))))
    if len(filled) < MIN_OPTIONS:
        problems.append(Problem(option_field(len(filled)), _l(
            "A choice question needs at least %(min)d options.", min=MIN_OPTIONS)))
    first_seen: dict[str, int] = {}
    for index in filled:
        key = " ".join(options[index].split())
        if key in first_seen:
            problems.append(Problem(option_field(index), _l(
                "Option %(letter)s is the same as option %(other)s.",
                letter=letter(index), other=letter(first_seen[key]))))
        else:
            first_seen[key] = index
    return problems


def _check_details(draft: Draft) -> list[Problem]:
    problems = []
    if draft.points is not None:
        problem = points_problem(draft.points)
        if problem is not None:
            problems.append(Problem("points", problem))
    if draft.difficulty is not None and draft.difficulty not in DIFFICULTY_LEVELS:
        problems.append(Problem("difficulty", _l("The difficulty must be 1 to 5.")))
    for topic in draft.topics:
        if not topic.strip() or len(topic) > MAX_TOPIC_CHARS:
            problems.append(Problem("topic", _l("Each topic must have 1 to %(max)d characters.",
                                                max=MAX_TOPIC_CHARS)))
            break
    if draft.image is not None:
        problem = image_problem(draft.image)
        if problem is not None:
            problems.append(Problem("image", problem))
    if len(draft.external_id) > MAX_EXTERNAL_ID:
        problems.append(Problem("id", _l("An ID may have at most %(max)d characters.", max=MAX_EXTERNAL_ID)))
    return problems
