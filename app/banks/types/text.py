"""True or false, fill in the blanks and short answer: no options, answers typed or picked."""

import itertools
import re
import unicodedata
from dataclasses import replace

from app.banks.answers import BLANK
from app.banks.drafts import QuestionType
from app.banks.types.base import QuestionKind, form_values, points_of
from app.banks.types.views import ALL_OR_NOTHING, ZERO, Grade, QuestionView, ReviewView, money
from app.core.i18n import lazy_gettext as _l
from app.core.markdown import render_markdown

_SPACES = re.compile(r"\s+")


def normalise_blank(text: str) -> str:
    """Full-width → half-width (NFKC), trimmed, inner whitespace collapsed to one space, casefolded."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip().casefold()


class TrueFalse(QuestionKind):
    type = QuestionType.TRUE_FALSE
    label = _l("True or false")

    def present_review(self, version, option_order=None, response=None, *, image_url=None) -> ReviewView:
        review = super().present_review(version, option_order, response, image_url=image_url)
        return replace(review, truth=bool((version.key or {}).get("truth")))

    def read_response(self, form, name_prefix):
        return {"true": True, "false": False}.get(super().read_response(form, name_prefix))

    def form_fields(self, response, name_prefix):
        return {name_prefix: ["true" if response else "false"]} if isinstance(response, bool) else {}

    def grade(self, version, response, option_order=None, policy=ALL_OR_NOTHING) -> Grade:
        truth = (version.key or {}).get("truth")
        return self._full_or_nothing(version, isinstance(response, bool) and isinstance(truth, bool)
                                     and response is truth)


class FillBlank(QuestionKind):
    type = QuestionType.FILL_BLANK
    label = _l("Fill in the blanks")

    @staticmethod
    def _key_blanks(version) -> list[list[str]]:
        blanks = (version.key or {}).get("blanks", [])
        return [[a for a in alternatives if isinstance(a, str)] for alternatives in blanks
                if isinstance(alternatives, list)]

    def present(self, version, option_order=None, *, image_url=None) -> QuestionView:
        view = super().present(version, option_order, image_url=image_url)
        numbers = itertools.count(1)
        stem = BLANK.sub(lambda _match: f"<u>\u2003({next(numbers)})\u2003</u>", version.stem or "")
        return replace(view, stem_html=render_markdown(stem), blanks=len(self._key_blanks(version)))

    def present_review(self, version, option_order=None, response=None, *, image_url=None) -> ReviewView:
        review = super().present_review(version, option_order, response, image_url=image_url)
        blanks = tuple(tuple(alternatives) for alternatives in self._key_blanks(version))
        return replace(review, blanks=blanks)

    def read_response(self, form, name_prefix):
        count = 0
        while f"{name_prefix}-{count + 1}" in form and count < 100:
            count += 1
        answers = []
        for number in range(1, count + 1):
            values = form_values(form, f"{name_prefix}-{number}")
            answers.append(str(values[0]) if values else "")
        return answers

    def form_fields(self, response, name_prefix):
        if not isinstance(response, (list, tuple)):
            return {}
        return {f"{name_prefix}-{number}": [str(text)] for number, text in enumerate(response, start=1)}

    def grade(self, version, response, option_order=None, policy=ALL_OR_NOTHING) -> Grade:
        points = points_of(version)
        blanks = self._key_blanks(version)
        if not blanks or not isinstance(response, (list, tuple)):
            return Grade(score=ZERO, correct=False, max_points=points)
        right = 0
        for number, alternatives in enumerate(blanks):
            answer = response[number] if number < len(response) else None
            if not isinstance(answer, str) or not (answer := normalise_blank(answer)):
                continue
            if any(answer == normalise_blank(alternative) for alternative in alternatives):
                right += 1
        score = money(points * right / len(blanks))
        return Grade(score=score, correct=right == len(blanks), max_points=points)


class ShortAnswer(QuestionKind):
    type = QuestionType.SHORT_ANSWER
    label = _l("Short answer")
    auto_graded = False

    def present_review(self, version, option_order=None, response=None, *, image_url=None) -> ReviewView:
        review = super().present_review(version, option_order, response, image_url=image_url)
        reference = render_markdown((version.key or {}).get("reference", ""))
        return replace(review, reference_html=reference)

    def read_response(self, form, name_prefix):
        value = super().read_response(form, name_prefix)
        return value if isinstance(value, str) else None

    def form_fields(self, response, name_prefix):
        return {name_prefix: [response]} if isinstance(response, str) else {}

    def grade(self, version, response, option_order=None, policy=ALL_OR_NOTHING) -> Grade:
        return Grade(score=None, correct=None, max_points=points_of(version))
