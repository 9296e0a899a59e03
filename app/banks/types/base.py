"""What every question kind shares: the option order, reading positions back, the common view."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal

from app.banks.checks import Problem, check_draft
from app.banks.drafts import Draft, QuestionType
from app.banks.types.views import ALL_OR_NOTHING, ZERO, Grade, MultiplePolicy, QuestionView, ReviewView, money
from app.core.markdown import render_markdown


def points_of(version) -> Decimal:
    """The version's points as a Decimal with two places."""
    points = version.points
    return money(points if isinstance(points, Decimal) else Decimal(str(points)))


def displayed_order(version, option_order: list[int] | None) -> list[int]:
    """The displayed order: a permutation of the option indexes (natural order when None)."""
    count = len(version.options or [])
    if option_order is None:
        return list(range(count))
    order = list(option_order)
    if sorted(order) != list(range(count)) or any(isinstance(i, bool) for i in order):
        raise ValueError(f"option order {order!r} is not a permutation of {count} options")
    return order


def original_index(response: object, order: list[int]) -> int | None:
    """The original option index a displayed position stands for; None if the position is forged."""
    if isinstance(response, bool) or not isinstance(response, int):
        return None
    if not 0 <= response < len(order):  # explicit: a negative index must not wrap around
        return None
    return order[response]


def correct_indexes(version) -> frozenset[int]:
    """The original indexes of the correct options, from key["correct"]."""
    correct = (version.key or {}).get("correct", [])
    return frozenset(i for i in correct if isinstance(i, int) and not isinstance(i, bool))


def form_values(form: Mapping, name: str) -> list:
    """All values submitted under `name`: a MultiDict's getlist, or a plain dict's value(s)."""
    if hasattr(form, "getlist"):
        return list(form.getlist(name))
    value = form.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def position_or_none(text) -> int | None:
    """A submitted position ("0" … "999") as an int; None for anything else (grading then scores 0)."""
    text = (text or "").strip() if isinstance(text, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else None


class QuestionKind(ABC):
    type: QuestionType
    label: object
    auto_graded: bool = True

    def validate(self, draft: Draft) -> list[Problem]:
        """Every rule the draft breaks: app.banks.checks.check_draft already knows each type's rules."""
        if QuestionType(draft.type) is not self.type:
            raise ValueError(f"a {draft.type} draft given to the {self.type} kind")
        return check_draft(draft)

    def present(self, version, option_order: list[int] | None = None, *,
                image_url: str | None = None) -> QuestionView:
        """What a candidate may see during an attempt: never the key."""
        return QuestionView(type=self.type, label=self.label, stem_html=render_markdown(version.stem),
                            points=points_of(version), image_url=image_url)

    def present_review(self, version, option_order: list[int] | None = None, response: object = None, *,
                       image_url: str | None = None) -> ReviewView:
        """After release: the question with the key, which options were correct and the explanation."""
        return ReviewView(question=self.present(version, option_order, image_url=image_url), response=response,
                          explanation_html=render_markdown(version.explanation or ""))

    def read_response(self, form: Mapping, name_prefix: str):
        """The response the partial's inputs named `name_prefix…` submitted (None when unanswered)."""
        values = form_values(form, name_prefix)
        return values[0] if values else None

    def form_fields(self, response, name_prefix: str) -> dict[str, list[str]]:
        """The inputs that submit `response`, as the paper's script sends them: read_response's inverse.

        A window uses them to show an answer another window saved; {} means every input empty."""
        return {} if response is None else {name_prefix: [str(response)]}

    @abstractmethod
    def grade(self, version, response: object, option_order: list[int] | None = None,
              policy: MultiplePolicy = ALL_OR_NOTHING) -> Grade:
        """The score of `response` (positions as displayed, mapped through `option_order`)."""

    def _full_or_nothing(self, version, right: bool) -> Grade:
        points = points_of(version)
        return Grade(score=points if right else ZERO, correct=right, max_points=points)
