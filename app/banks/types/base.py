"""What every question kind shares: the option order, reading positions back, the common view, and the
hooks by which a type owns everything about itself (how files name it and write its key, its checks, how
it is stored, exported, shown and graded), so adding a type touches no code outside its own module.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal

from app.banks.checks import Problem, check_draft
from app.banks.drafts import Draft
from app.banks.formats.gift_writing import gift_escape, gift_text
from app.banks.types.views import ALL_OR_NOTHING, ZERO, Grade, MultiplePolicy, QuestionView, ReviewView, money
from app.core.i18n import lazy_gettext as _l
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


EXPORT_FORMATS = frozenset({"csv", "xlsx", "gift"})


class QuestionKind(ABC):
    """One question type. `type` is its code (stored in `question_versions.type`); `aliases` are the words
    bank files use for it in the type column (题 suffix, case, width, spaces and `_ - /` ignored), the first
    being what exports write; `template` holds its Jinja macros (inputs, key, given, review)."""

    type: str
    label: object
    aliases: tuple[str, ...] = ()
    default_points: Decimal = Decimal(2)
    has_options: bool = False  # options A–H, shuffled per candidate unless the letter rule keeps them
    auto_graded: bool = True
    export_formats: frozenset[str] = EXPORT_FORMATS  # what app.banks.exporting may write it to

    @property
    def template(self) -> str:
        return f"banks/types/{self.type}.html"

    # --- The answer key: as written in files and forms, as stored, as checked ---------------------

    @abstractmethod
    def parse_answer(self, text: str) -> dict:
        """The answer column's text (table formats, the question form) → the draft's key fields, or
        raises app.banks.answers.AnswerError."""

    @abstractmethod
    def answer_text(self, draft: Draft) -> str:
        """The key in the answer column's syntax: parse_answer's inverse."""

    @abstractmethod
    def key_of(self, draft: Draft) -> dict:
        """The draft's key as stored on a version (JSON)."""

    @abstractmethod
    def apply_key(self, draft: Draft, key: dict) -> None:
        """Fill the draft's key fields from a stored key (editing forms, exports)."""

    def check_key(self, draft: Draft) -> list[Problem]:
        """The rules of this type's key; app.banks.checks adds the ones every question shares."""
        return []

    def signature(self, options: list[str], key: dict, text_key) -> object:
        """What the answer says, independent of option order (app.banks.identity); `text_key` normalises text."""
        return text_key(str(key))

    def gift_question(self, draft: Draft, head: str) -> str | None:
        """The question in GIFT after its `::title::` head; None when GIFT cannot hold it (left out, named)."""
        return None

    def reads_gift(self, answer: str) -> bool:
        """Whether a GIFT answer block `{…}` (escapes hidden) is this type's, for a type the GIFT reader does
        not know; the built-in ones are told apart by app.banks.formats.gift itself."""
        return False

    def read_gift(self, draft: Draft, answer: str, place: dict):
        """The draft (its key filled, `type` set) from an answer block reads_gift claimed, or an Issue
        (app.core.spreadsheets.table) saying why not; `place` names the question (formats.text.where).
        Called only for a block `reads_gift` claimed, so a type that claims blocks must read them."""
        raise NotImplementedError(f"{type(self).__name__} claims GIFT blocks (reads_gift) but does not read them")

    moodle_type: str = ""  # the `<question type="…">` a registered type reads from Moodle XML

    def read_moodle(self, draft: Draft, answers: list, element, place: dict):
        """The draft from a Moodle XML question of `moodle_type` (`answers`: (fraction in percent, text) per
        `<answer>`; `element`: the `<question>`), or an Issue saying why not. Called only for a type that
        set `moodle_type`, so a type that names one must read it."""
        raise NotImplementedError(f"{type(self).__name__} sets moodle_type but does not read Moodle XML")

    def regrade_refusal(self, old, new):
        """Why version `new` of a question (same type) cannot grade the answers given to version `old` (a lazy
        message), or None: a response names options by position, so their number must not change."""
        if len(new.options or []) != len(old.options or []):
            return _l("The question's current version has a different number of options, so it cannot grade "
                      "these answers.")
        return None

    # --- Item analysis (app.reports.item_analysis): the answers a distractor analysis counts ---------

    def analysed_answers(self, version) -> int:
        """How many answers a response picks from (options A…, true and false); 0: nothing to count."""
        return 0

    def analysed_key(self, key: dict) -> frozenset[int]:
        """The indexes of the right answers among those counted, from a stored key."""
        return frozenset()

    def analysed_mask(self, response, order, count: int) -> int:
        """Bit i set when the stored response picks answer i (original order); forged positions count for
        nothing, as in grading."""
        return 0

    def analysed_labels(self, version) -> list[tuple[str, str]]:
        """(short label, text) per answer counted, for the item-analysis page."""
        return []

    def validate(self, draft: Draft) -> list[Problem]:
        """Every rule the draft breaks (app.banks.checks.check_draft asks the type for its own)."""
        if str(draft.type) != self.type:
            raise ValueError(f"a {draft.type} draft given to the {self.type} kind")
        return check_draft(draft)

    def present(self, version, option_order: list[int] | None = None, *,
                image_url: str | None = None) -> QuestionView:
        """What a candidate may see during an attempt: never the key."""
        return QuestionView(type=self.type, label=self.label, stem_html=render_markdown(version.stem),
                            points=points_of(version), image_url=image_url, template=self.template)

    def present_review(self, version, option_order: list[int] | None = None, response: object = None, *,
                       image_url: str | None = None) -> ReviewView:
        """After release: the question with the key, which options were correct and the explanation."""
        return ReviewView(question=self.present(version, option_order, image_url=image_url), response=response,
                          explanation_html=render_markdown(version.explanation or ""), auto_graded=self.auto_graded)

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


def gift_stem(draft: Draft) -> str:
    return "[markdown]" + gift_escape(draft.stem)


def gift_feedback(draft: Draft) -> str:
    """The explanation as GIFT's general feedback (`####…`), empty without one."""
    return f"####{gift_text(draft.explanation)}" if draft.explanation else ""
