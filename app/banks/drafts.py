"""What every import format produces before anything is stored: plain questions, checked for their
own consistency, with the place in the file each came from.

A draft's answer key is kept in the form its type needs:
- single: `correct` holds exactly one option index;
- multiple: `correct` holds two or more option indexes (`weights` optional, from GIFT percentages);
- true_false: `truth` is True or False, no options;
- fill_blank: `blanks` holds one list of accepted alternatives per blank in the stem;
- short_answer: `reference` is the model answer shown to the grader (may be empty: the grader is told);
- a type registered beside these (app.banks.registry) keeps its key in `extra`, in a shape of its own.

`external_id` is the question's stable ID in the file (empty: none); `keep_order` asks for the options
in the order written (app.banks.letters sets it anyway when the text names options by letter).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class QuestionType(StrEnum):
    """The five built-in types' codes. A draft's `type` is any registered code (app.banks.registry), so code
    outside `app/banks/types/` asks the registry about a type rather than comparing with these."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    FILL_BLANK = "fill_blank"
    SHORT_ANSWER = "short_answer"


@dataclass
class Draft:
    type: str  # a registered type's code; the built-in ones are QuestionType members
    stem: str
    options: list[str] = field(default_factory=list)
    correct: set[int] = field(default_factory=set)
    weights: dict[int, Decimal] = field(default_factory=dict)
    truth: bool | None = None
    blanks: list[list[str]] = field(default_factory=list)
    reference: str = ""
    extra: dict = field(default_factory=dict)  # the key of a registered type with no field above
    points: Decimal | None = None
    difficulty: int | None = None
    topics: list[str] = field(default_factory=list)
    explanation: str = ""
    source: str = ""
    image: str | None = None
    external_id: str = ""
    keep_order: bool = False
    # Where it came from, for error messages: the spreadsheet row, or the question's number in the file.
    row: int | None = None
    title: str = ""
