"""Single and multiple choice: options shown in the candidate's stored order, positions mapped back."""

from abc import abstractmethod
from dataclasses import replace
from decimal import Decimal

from markupsafe import Markup, escape

from app.banks.answers import LETTERS, letter, parse_letters
from app.banks.checks import Problem
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.gift_writing import HUNDRED, gift_answer, percent
from app.banks.letters import letter_legend
from app.banks.types.base import (
    QuestionKind,
    correct_indexes,
    displayed_order,
    form_values,
    gift_feedback,
    gift_stem,
    original_index,
    points_of,
    position_or_none,
)
from app.banks.types.views import ALL_OR_NOTHING, ZERO, Grade, OptionView, QuestionView, ReviewOption, ReviewView, money
from app.core.i18n import lazy_gettext as _l
from app.core.markdown import render_inline

MIN_MULTIPLE_CORRECT = 2


class _ChoiceKind(QuestionKind):
    has_options = True
    template = "banks/types/choice.html"  # one template for both: radio buttons or check boxes

    def parse_answer(self, text):
        return {"correct": set(parse_letters(text))}

    def answer_text(self, draft):
        return "".join(LETTERS[index] for index in sorted(draft.correct) if 0 <= index < len(LETTERS))

    def key_of(self, draft):
        key = {"correct": sorted(draft.correct)}
        if draft.weights:
            key["weights"] = {str(index): str(weight) for index, weight in sorted(draft.weights.items())}
        return key

    def apply_key(self, draft, key):
        draft.correct = set(key.get("correct", []))
        draft.weights = {int(index): Decimal(weight) for index, weight in key.get("weights", {}).items()}

    def check_key(self, draft: Draft) -> list[Problem]:
        problems = []
        for index in sorted(draft.correct):
            if not 0 <= index < len(draft.options):
                problems.append(Problem("answer", _l("The answer names option %(letter)s, but there is no option "
                                                     "%(letter)s.", letter=letter(index))))
            elif not draft.options[index].strip():
                problems.append(Problem("answer", _l("The answer names option %(letter)s, which is empty.",
                                                     letter=letter(index))))
        problems += self._check_count(draft)
        for index, weight in draft.weights.items():
            if index not in draft.correct or not weight.is_finite() or weight <= 0:
                problems.append(Problem("answer", _l(
                    "The weight of option %(letter)s must be positive and belong to a correct option.",
                    letter=letter(index))))
        return problems

    @abstractmethod
    def _check_count(self, draft: Draft) -> list[Problem]:
        """How many correct options the type needs."""

    def signature(self, options, key, text_key):
        return frozenset(text_key(options[i]) for i in key.get("correct", []) if 0 <= i < len(options))

    def analysed_answers(self, version):
        return len(version.options or [])

    def analysed_key(self, key):
        return frozenset(i for i in key.get("correct", []) if isinstance(i, int) and not isinstance(i, bool))

    def analysed_mask(self, response, order, count):
        order = order if isinstance(order, list) and order else list(range(count))
        mask = 0
        for position in self._stored_positions(response):
            if isinstance(position, int) and not isinstance(position, bool) and 0 <= position < len(order):
                index = order[position]
                if isinstance(index, int) and 0 <= index < count:
                    mask |= 1 << index
        return mask

    def analysed_labels(self, version):
        return [(letter(index), text) for index, text in enumerate(version.options or [])]

    @staticmethod
    @abstractmethod
    def _stored_positions(response) -> list:
        """The displayed positions a stored (JSON) response names, unchecked."""

    def present(self, version, option_order=None, *, image_url=None) -> QuestionView:
        view = super().present(version, option_order, image_url=image_url)
        options = tuple(OptionView(position, render_inline(version.options[index]))
                        for position, index in enumerate(displayed_order(version, option_order)))
        return replace(view, options=options)

    def present_review(self, version, option_order=None, response=None, *, image_url=None) -> ReviewView:
        review = super().present_review(version, option_order, response, image_url=image_url)
        correct = correct_indexes(version)
        chosen = self._chosen_positions(response)
        order = displayed_order(version, option_order)
        options = tuple(ReviewOption(option.position, option.html, correct=index in correct,
                                     chosen=option.position in chosen)
                        for option, index in zip(review.question.options, order, strict=True))
        return replace(review, options=options,
                       explanation_html=review.explanation_html + _legend(version.explanation or "", order))

    def form_fields(self, response, name_prefix):
        chosen = self._chosen_positions(response)
        return {name_prefix: [str(position) for position in sorted(chosen)]} if chosen else {}

    @abstractmethod
    def _chosen_positions(self, response) -> frozenset[int]:
        """The displayed positions a response picks (empty for anything malformed)."""


def _legend(explanation: str, order: list[int]) -> Markup:
    """For a paper drawn with shuffled options before the letter rule kept them in order: which option each
    letter of the explanation is, in the letters this candidate saw (empty when they agree)."""
    pairs = letter_legend(explanation, order)
    if not pairs:
        return Markup()
    note = _l("The explanation's letters name the options as the question was written; on your paper they "
              "were (written → yours): %(pairs)s", pairs="  ".join(f"{written}→{shown}" for written, shown in pairs))
    return Markup('<p class="small text-body-secondary letter-legend">%s</p>') % escape(str(note))


class Single(_ChoiceKind):
    type = QuestionType.SINGLE
    label = _l("Single choice")
    aliases = ("单选", "单项选择", "single", "single choice")
    default_points = Decimal(2)

    def _check_count(self, draft):
        if len(draft.correct) == 1:
            return []
        if draft.correct:
            return [Problem("answer", _l(
                "A single-choice question has exactly one correct option; the answer names %(count)d.",
                count=len(draft.correct)))]
        return [Problem("answer", _l("The answer is empty."))]

    def gift_question(self, draft, head):
        answers = [gift_answer("=" if index in draft.correct else "~", option)
                   for index, option in enumerate(draft.options)]
        return f"{head}{gift_stem(draft)}{{{' '.join(answers)}{gift_feedback(draft)}}}"

    def read_response(self, form, name_prefix):
        return position_or_none(super().read_response(form, name_prefix))

    def grade(self, version, response, option_order=None, policy=ALL_OR_NOTHING) -> Grade:
        index = original_index(response, displayed_order(version, option_order))
        correct = correct_indexes(version)
        return self._full_or_nothing(version, index is not None and len(correct) == 1 and index in correct)

    def _chosen_positions(self, response):
        return frozenset({response}) if isinstance(response, int) and not isinstance(response, bool) else frozenset()

    @staticmethod
    def _stored_positions(response):
        return [response]


class Multiple(_ChoiceKind):
    type = QuestionType.MULTIPLE
    label = _l("Multiple choice")
    aliases = ("多选", "多项选择", "multiple", "multiple choice")
    default_points = Decimal(3)

    def _check_count(self, draft):
        if len(draft.correct) >= MIN_MULTIPLE_CORRECT:
            return []
        return [Problem("answer", _l(
            "A multiple-choice question has at least %(min)d correct options; for one correct option "
            "use a single-choice question.", min=MIN_MULTIPLE_CORRECT))]

    def gift_question(self, draft, head):
        """Without stored weights the correct options share 100% and wrong ones get -100%."""
        weights = draft.weights or {index: percent(HUNDRED / len(draft.correct)) for index in draft.correct}
        answers = [gift_answer("~", option, weights[index] if index in draft.correct else -HUNDRED)
                   for index, option in enumerate(draft.options)]
        return f"{head}{gift_stem(draft)}{{{' '.join(answers)}{gift_feedback(draft)}}}"

    def read_response(self, form, name_prefix):
        positions = {position_or_none(value) for value in form_values(form, name_prefix)}
        positions.discard(None)
        return positions

    def grade(self, version, response, option_order=None, policy=ALL_OR_NOTHING) -> Grade:
        points = points_of(version)
        chosen = self._indexes(response, displayed_order(version, option_order))
        correct = correct_indexes(version)
        if not chosen or not correct:  # unanswered, malformed or forged
            return Grade(score=ZERO, correct=False, max_points=points)
        if chosen == correct:
            return Grade(score=points, correct=True, max_points=points)
        if policy.partial_share is not None and chosen < correct:
            return Grade(score=money(points * policy.partial_share), correct=False, max_points=points)
        return Grade(score=ZERO, correct=False, max_points=points)

    @staticmethod
    def _indexes(response, order: list[int]) -> frozenset[int]:
        """Original indexes chosen; empty if the response is not a collection or any position is forged."""
        if not isinstance(response, (set, frozenset, list, tuple)):
            return frozenset()
        indexes = {original_index(position, order) for position in response}
        return frozenset() if None in indexes else frozenset(indexes)

    def _chosen_positions(self, response):
        if not isinstance(response, (set, frozenset, list, tuple)):
            return frozenset()
        return frozenset(p for p in response if isinstance(p, int) and not isinstance(p, bool))

    @staticmethod
    def _stored_positions(response):
        return response if isinstance(response, list) else []
