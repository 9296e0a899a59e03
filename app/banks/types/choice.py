"""Single and multiple choice: options shown in the candidate's stored order, positions mapped back."""

from abc import abstractmethod
from dataclasses import replace

from markupsafe import Markup, escape

from app.banks.drafts import QuestionType
from app.banks.letters import letter_legend
from app.banks.types.base import (
    QuestionKind,
    correct_indexes,
    displayed_order,
    form_values,
    original_index,
    points_of,
    position_or_none,
)
from app.banks.types.views import ALL_OR_NOTHING, ZERO, Grade, OptionView, QuestionView, ReviewOption, ReviewView, money
from app.core.i18n import lazy_gettext as _l
from app.core.markdown import render_inline


class _ChoiceKind(QuestionKind):
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

    def read_response(self, form, name_prefix):
        return position_or_none(super().read_response(form, name_prefix))

    def grade(self, version, response, option_order=None, policy=ALL_OR_NOTHING) -> Grade:
        index = original_index(response, displayed_order(version, option_order))
        correct = correct_indexes(version)
        return self._full_or_nothing(version, index is not None and len(correct) == 1 and index in correct)

    def _chosen_positions(self, response):
        return frozenset({response}) if isinstance(response, int) and not isinstance(response, bool) else frozenset()


class Multiple(_ChoiceKind):
    type = QuestionType.MULTIPLE
    label = _l("Multiple choice")

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
