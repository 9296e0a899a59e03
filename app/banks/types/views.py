"""What grading returns and what a candidate or a reviewer is shown: plain frozen values.

A `QuestionView` is all a candidate's page may hold during an attempt: it has no field for a key, a
weight, a reference answer, an explanation or correctness (docs/security.md §19). The review adds those in a
separate `ReviewView`, made by a separate method, so a candidate page cannot show them by accident.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from markupsafe import Markup

from app.banks.answers import letter

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    """Rounded half-up to 0.01, the precision of every score and of points."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Policies and results -----------------------------------------------------------------------

@dataclass(frozen=True)
class MultiplePolicy:
    """How a multiple-choice answer that is not exactly the key scores.

    `partial_share` None: all or nothing. A share s (0 ≤ s ≤ 1): a non-empty subset of the correct
    options with no wrong one earns s × points.
    """

    partial_share: Decimal | None = None

    def __post_init__(self):
        if self.partial_share is not None:
            share = self.partial_share
            if not isinstance(share, Decimal) or not share.is_finite() or not ZERO <= share <= 1:
                raise ValueError(f"partial share must be a Decimal from 0 to 1, not {share!r}")


ALL_OR_NOTHING = MultiplePolicy()


def PARTIAL(share: Decimal | str | int = Decimal("0.5")) -> MultiplePolicy:  # noqa: N802 - reads like the constant
    """少选得分: a correct but incomplete choice earns `share` × points (0.5 unless told)."""
    if isinstance(share, float):
        raise TypeError("give the share as a Decimal or a string, not a float")
    try:
        return MultiplePolicy(Decimal(share))
    except InvalidOperation as error:
        raise ValueError(f"not a share: {share!r}") from error


@dataclass(frozen=True)
class Grade:
    score: Decimal | None  # None: needs a human (short answer)
    correct: bool | None  # None: needs a human
    max_points: Decimal

    @property
    def needs_review(self) -> bool:
        return self.score is None


# --- What a candidate sees ----------------------------------------------------------------------

@dataclass(frozen=True)
class OptionView:
    position: int  # what the candidate submits: the index in the displayed order
    html: Markup

    @property
    def letter(self) -> str:
        return letter(self.position)


@dataclass(frozen=True)
class QuestionView:
    """Everything the candidate's page may show. Holds no key, weight, reference answer, explanation or
    correctness (docs/security.md §19); `image_url` is filled by the caller, who knows the route."""

    type: str  # the type's code
    label: object  # lazy translation
    stem_html: Markup
    points: Decimal
    options: tuple[OptionView, ...] = ()
    blanks: int = 0  # fill_blank: how many inputs; the stem shows them numbered (1), (2) …
    image_url: str | None = None
    template: str = ""  # the type's macros (QuestionKind.template)

    @property
    def points_text(self) -> str:
        """2.00 → "2", 1.50 → "1.5"."""
        text = format(self.points, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class ReviewOption:
    position: int
    html: Markup
    correct: bool
    chosen: bool

    @property
    def letter(self) -> str:
        return letter(self.position)


@dataclass(frozen=True)
class ReviewView:
    """After results are released: the question as the candidate saw it, the key and the explanation."""

    question: QuestionView
    response: object
    options: tuple[ReviewOption, ...] = ()
    truth: bool | None = None  # true_false
    blanks: tuple[tuple[str, ...], ...] = ()  # fill_blank: accepted alternatives per blank
    reference_html: Markup | None = None  # short_answer
    auto_graded: bool = True  # False: a trainer grades it (the key is a reference answer)
    extra: dict = field(default_factory=dict)  # what a registered type adds for its own template
    explanation_html: Markup = field(default_factory=Markup)
