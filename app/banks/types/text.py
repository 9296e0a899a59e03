"""True or false, fill in the blanks and short answer: no options, answers typed or picked."""

import itertools
import re
import unicodedata
from dataclasses import replace
from decimal import Decimal

from app.banks.answers import BLANK, count_blanks, parse_blanks, parse_truth
from app.banks.checks import Problem
from app.banks.drafts import QuestionType
from app.banks.formats.gift_writing import gift_escape, gift_text
from app.banks.types.base import QuestionKind, form_values, gift_feedback, gift_stem, points_of
from app.banks.types.views import ALL_OR_NOTHING, ZERO, Grade, QuestionView, ReviewView, money
from app.core.i18n import gettext
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
    aliases = ("判断", "是非", "true false", "true/false")
    default_points = Decimal(1)

    def parse_answer(self, text):
        return {"truth": parse_truth(text)}

    def answer_text(self, draft):
        return "对" if draft.truth else "错"

    def key_of(self, draft):
        return {"truth": bool(draft.truth)}

    def apply_key(self, draft, key):
        draft.truth = bool(key.get("truth"))

    def check_key(self, draft):
        return [Problem("answer", _l("The answer is empty."))] if draft.truth is None else []

    def signature(self, options, key, text_key):
        return bool(key.get("truth"))

    def gift_question(self, draft, head):
        return f"{head}{gift_stem(draft)}{{{'TRUE' if draft.truth else 'FALSE'}{gift_feedback(draft)}}}"

    def analysed_answers(self, version):
        return 2  # bit 0 = "true", bit 1 = "false"

    def analysed_key(self, key):
        truth = key.get("truth")
        return frozenset({0 if truth else 1}) if isinstance(truth, bool) else frozenset()

    def analysed_mask(self, response, order, count):
        return {True: 0b01, False: 0b10}.get(response, 0) if isinstance(response, bool) else 0

    def analysed_labels(self, version):
        return [(gettext("True"), gettext("True")), (gettext("False"), gettext("False"))]

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
    aliases = ("填空", "fill blank", "fill in the blank", "fill in the blanks")
    default_points = Decimal(2)

    def parse_answer(self, text):
        return {"blanks": parse_blanks(text)}

    def answer_text(self, draft):
        return ";".join("|".join(alternatives) for alternatives in draft.blanks)

    def key_of(self, draft):
        return {"blanks": [list(alternatives) for alternatives in draft.blanks]}

    def apply_key(self, draft, key):
        draft.blanks = [list(alternatives) for alternatives in key.get("blanks", [])]

    def check_key(self, draft):
        problems = []
        blanks = count_blanks(draft.stem)
        if not blanks:
            problems.append(Problem("stem", _l(
                "The question text has no blank; mark each blank with ____ (4 or more underscores) or （ ）.")))
        if not draft.blanks or any(not any(alternative.strip() for alternative in blank) for blank in draft.blanks):
            problems.append(Problem("answer", _l("Every blank needs an answer.")))
        elif blanks and len(draft.blanks) != blanks:
            problems.append(Problem("answer", _l(
                "Blanks in the question text: %(blanks)d; answers given: %(answers)d. Give one answer per blank, "
                "separated by ;.", blanks=blanks, answers=len(draft.blanks))))
        return problems

    def regrade_refusal(self, old, new):
        """A response holds one text per blank, so the number of blanks must not change either."""
        refused = super().regrade_refusal(old, new)
        if refused is None and len((new.key or {}).get("blanks", [])) != len((old.key or {}).get("blanks", [])):
            return _l("The question's current version has a different number of blanks, so it cannot grade "
                      "these answers.")
        return refused

    def signature(self, options, key, text_key):
        return tuple(frozenset(text_key(a) for a in blank) for blank in key.get("blanks", []))

    def gift_question(self, draft, head):
        """A "missing word" question: the blank written where it stood, read back as `____`. GIFT has one
        answer block per question, so several blanks (or `->` in an alternative, read as matching) do not fit."""
        if count_blanks(draft.stem) != 1 or len(draft.blanks) != 1 or any("->" in a for a in draft.blanks[0]):
            return None
        alternatives = " ".join("=" + gift_escape(answer).replace("*", "\\*") for answer in draft.blanks[0])
        before, after = BLANK.split(draft.stem, maxsplit=1)
        return f"{head}[markdown]{gift_escape(before)}{{{alternatives}{gift_feedback(draft)}}}{gift_escape(after)}"

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
    aliases = ("简答", "问答", "short answer")
    default_points = Decimal(10)
    auto_graded = False

    def parse_answer(self, text):
        return {"reference": text}

    def answer_text(self, draft):
        return draft.reference

    def key_of(self, draft):
        return {"reference": draft.reference}

    def apply_key(self, draft, key):
        draft.reference = key.get("reference", "")

    def signature(self, options, key, text_key):
        return text_key(key.get("reference", ""))

    def gift_question(self, draft, head):
        """The reference answer is GIFT's general feedback, so the explanation is not exported."""
        return f"{head}{gift_stem(draft)}{{####{gift_text(draft.reference)}}}"

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
