"""What a candidate's pages show of an attempt: the paper's questions (never a key), the navigator, the
autosave body read strictly, the submit summary, and after release the review.

Pictures are embedded as data: URLs (CSP img-src allows them): a candidate never needs a route that
serves bank images, so there is no image id to guess (IDOR) and no key-bearing URL.
"""

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from werkzeug.datastructures import MultiDict

from app.banks.registry import QuestionView, ReviewView, kind_of, money
from app.core.i18n import lazy_gettext as _l
from app.core.i18n import localtime
from app.exams.attempts import open_attempt
from app.exams.audience import NOT_YET_OPEN, ORIGINAL_OPEN, attempts_used, best_attempt, refusal, visible_exams
from app.exams.grading import as_graded, regrades_of
from app.exams.models import Attempt, Exam
from app.exams.policies import review_released, score_released, window_closed

MAX_BODY = 256 * 1024
FIELD_NAME = re.compile(r"q\d{1,4}(?:-\d{1,3})?")
MAX_FIELDS = 2000
MAX_VALUES = 100
MAX_VALUE_CHARS = 20000
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def image_data_url(version) -> str | None:
    image = version.image if version.image_id is not None else None
    if image is None or image.content_type not in IMAGE_TYPES:
        return None
    return f"data:{image.content_type};base64,{base64.b64encode(image.data).decode('ascii')}"


def answered(response) -> bool:
    if response is None:
        return False
    if isinstance(response, (list, tuple, set, frozenset)):
        return any(str(value).strip() for value in response)
    if isinstance(response, str):
        return bool(response.strip())
    return True


# --- During the attempt ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperQuestion:
    position: int
    name: str  # "q<position>": the inputs' name prefix and the card's id
    view: QuestionView
    answer: object
    answered: bool
    flagged: bool


def paper_questions(attempt: Attempt) -> list[PaperQuestion]:
    """Every item as the candidate sees it, in the stored order, with the saved response: no key."""
    questions = []
    for item in attempt.items:
        view = kind_of(item.version.type).present(as_graded(item), item.option_order or None,
                                                  image_url=image_data_url(item.version))
        questions.append(PaperQuestion(item.position, f"q{item.position}", view, item.response,
                                       answered(item.response), item.flagged))
    return questions


def submit_summary(attempt: Attempt) -> tuple[list[int], list[int]]:
    """(unanswered positions, flagged positions) from the saved state."""
    unanswered = [item.position for item in attempt.items if not answered(item.response)]
    flagged = [item.position for item in attempt.items if item.flagged]
    return unanswered, flagged


class InvalidState(Exception):
    """The autosave/submit body is malformed; `message` is a lazy translation."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class PaperState:
    writer: str
    seq: int
    form: MultiDict
    flagged: set[int]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_state(body, content_length: int | None) -> PaperState:
    """The JSON body {"writer", "seq", "answers": {name: [values]}, "flagged": [positions]}, checked strictly."""
    if content_length is not None and content_length > MAX_BODY:
        raise InvalidState(_l("The answers are too large to save."))
    if not isinstance(body, dict):
        raise InvalidState(_l("The request is not a JSON object."))
    writer, seq = body.get("writer"), body.get("seq")
    if not isinstance(writer, str) or not 0 < len(writer) <= 64:
        raise InvalidState(_l("The window's writer token is missing or malformed."))
    if not _is_int(seq) or not 0 < seq < 2**31:
        raise InvalidState(_l("The sequence number must be a positive whole number."))
    answers = body.get("answers")
    if not isinstance(answers, dict) or len(answers) > MAX_FIELDS:
        raise InvalidState(_l("The answers must be an object of field names and value lists."))
    form = MultiDict()
    for name, values in answers.items():
        if not FIELD_NAME.fullmatch(name):
            raise InvalidState(_l("Unknown answer field %(name)s.", name=name[:40]))
        if (not isinstance(values, list) or len(values) > MAX_VALUES
                or not all(isinstance(v, str) and len(v) <= MAX_VALUE_CHARS for v in values)):
            raise InvalidState(_l("The values of %(name)s must be a list of texts.", name=name))
        for value in values:
            form.add(name, value)
    flagged = body.get("flagged", [])
    if not isinstance(flagged, list) or len(flagged) > MAX_FIELDS or not all(
            _is_int(p) and 0 < p < 100000 for p in flagged):
        raise InvalidState(_l("The flagged questions must be a list of question numbers."))
    return PaperState(writer, seq, form, set(flagged))


# --- The candidate's list of exams ----------------------------------------------------------------

@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    state: str  # in_progress · open · upcoming · finished
    attempt: Attempt | None  # the open attempt (in_progress) or the one that counts (finished)
    attempts_left: int
    reason: object | None  # why not, for finished rows without an attempt
    score_shown: bool


def exam_row(user, exam: Exam, now: datetime) -> ExamRow:
    left = max(0, exam.attempts_allowed - attempts_used(user, exam))
    current = open_attempt(user, exam)
    if current is not None:
        return ExamRow(exam, "in_progress", current, left, None, False)
    refused = refusal(user, exam, now)
    best = best_attempt(user, exam)
    shown = best is not None and score_released(exam, best, now)
    if refused is None:
        return ExamRow(exam, "open", best, left, None, shown)
    if refused in (NOT_YET_OPEN, ORIGINAL_OPEN):
        return ExamRow(exam, "upcoming", best, left, refused.message, shown)
    return ExamRow(exam, "finished", best, left, refused.message, shown)


def exam_rows(user, now: datetime) -> list[ExamRow]:
    return [exam_row(user, exam, now) for exam in visible_exams(user, now)]


def visible_to(user, exam: Exam, now: datetime) -> bool:
    return any(shown.id == exam.id for shown in visible_exams(user, now))


# --- After submit ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewItem:
    position: int
    review: ReviewView
    points: object
    score: object  # None while a trainer has not graded it
    waiting: bool
    comment: str
    answered: bool


def review_items(attempt: Attempt) -> list[ReviewItem]:
    """The candidate's answers next to the key and explanations (call only once review_released)."""
    regrades = regrades_of(attempt.exam_id)
    items = []
    for item in attempt.items:
        regrade = regrades.get(item.version_id)
        review = kind_of(item.version.type).present_review(
            as_graded(item, regrade), item.option_order or None, item.response,
            image_url=image_data_url(item.version))
        items.append(ReviewItem(item.position, review, money(item.points), item.score, item.score is None,
                                item.comment or "", answered(item.response)))
    return items


@dataclass(frozen=True)
class Outcome:
    score_shown: bool
    review_shown: bool
    waiting: bool  # short answers wait for a trainer
    score_note: object | None  # when the score will be shown, if not now
    review_note: object | None


def outcome(attempt: Attempt, now: datetime, *, sitting: bool = False) -> Outcome:
    """What the result page shows. `sitting`: the candidate has an attempt open (this exam's next attempt
    or another exam), so no review with keys is shown until it is submitted (SECURITY 19)."""
    exam = attempt.exam
    waiting = attempt.status == "submitted" and attempt.score is None

    def note(when: str):
        if when == "never":
            return _l("Results are not shown for this exam.")
        if when == "after_close" and not window_closed(exam, now):
            return _l("Shown after the exam window closes on %(when)s.", when=localtime(exam.closes_at))
        return None

    score_shown, review_shown = score_released(exam, attempt, now), review_released(exam, attempt, now)
    if review_shown and sitting:
        return Outcome(score_shown, False, waiting, None if score_shown else note(exam.release_score),
                       _l("The review opens again once you have submitted the exam you are sitting."))
    return Outcome(score_shown, review_shown, waiting,
                   None if score_shown else note(exam.release_score),
                   None if review_shown else note(exam.release_review))
