"""What a candidate's pages show of an attempt: the paper's questions (never a key), the navigator, the
autosave request read strictly and its answer, the submit summary, and after release the review.

Pictures are embedded as data: URLs (CSP img-src allows them): a candidate never needs a route that
serves bank images, so there is no image id to guess (IDOR) and no key-bearing URL.
"""

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.banks.models import Image
from app.banks.registry import QuestionView, ReviewView, kind_of, money
from app.core.i18n import lazy_gettext as _l
from app.core.i18n import localtime
from app.core.images import IMAGE_TYPES
from app.exams.audience import NOT_YET_OPEN, ORIGINAL_OPEN, Standing, read_attendance, refusal_in, visible_exams
from app.exams.grading import as_graded, regrades_of
from app.exams.models import Attempt, Exam
from app.exams.policies import review_released, score_released, window_closed
from app.exams.saving import SentChange, Sync
from app.exams.states import AttemptState, Release
from app.extensions import db

MAX_BODY = 256 * 1024
FIELD_NAME = re.compile(r"q\d{1,4}(?:-\d{1,3})?")
MAX_FIELDS = 200
MAX_CHANGES = 2000
MAX_VALUES = 100
MAX_VALUE_CHARS = 20000


def load_pictures(items) -> list[Image]:
    """Every picture on the paper in one query: while the caller holds the list, each version finds its own
    in the session (the identity map keeps objects only while they are referenced) instead of one query per
    picture."""
    ids = {item.version.image_id for item in items if item.version.image_id is not None}
    return list(db.session.scalars(select(Image).where(Image.id.in_(ids)))) if ids else []


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
    rev: int  # the stored change the page shows: revision, window, that window's number
    changed_by: str
    change_seq: int


def paper_questions(attempt: Attempt) -> list[PaperQuestion]:
    """Every item as the candidate sees it, in the stored order, with the saved response: no key."""
    pictures = load_pictures(attempt.items)  # noqa: F841 - held while the versions read them
    questions = []
    for item in attempt.items:
        view = kind_of(item.version.type).present(as_graded(item), item.option_order or None,
                                                  image_url=image_data_url(item.version))
        questions.append(PaperQuestion(item.position, f"q{item.position}", view, item.response,
                                       answered(item.response), item.flagged, item.rev, item.changed_by,
                                       item.change_seq))
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


WINDOW = re.compile(r"[0-9a-f]{32}")
MAX_SEEN = 20


@dataclass(frozen=True)
class SyncRequest:
    known: int  # the highest revision the window has seen
    changes: list[SentChange]


def _is_int(value, low: int = 0, high: int = 2**31 - 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _read_fields(position: int, fields) -> MultiDict:
    if not isinstance(fields, dict) or len(fields) > MAX_FIELDS:
        raise InvalidState(_l("The answer to question %(n)d must be an object of field names and value lists.",
                              n=position))
    form = MultiDict()
    for name, values in fields.items():
        if FIELD_NAME.fullmatch(name) is None or name.split("-")[0] != f"q{position}":
            raise InvalidState(_l("Unknown answer field %(name)s.", name=name[:40]))
        if (not isinstance(values, list) or len(values) > MAX_VALUES
                or not all(isinstance(v, str) and len(v) <= MAX_VALUE_CHARS for v in values)):
            raise InvalidState(_l("The values of %(name)s must be a list of texts.", name=name))
        for value in values:
            form.add(name, value)
    return form


def _read_change(change) -> SentChange:
    if not isinstance(change, dict) or not _is_int(change.get("q"), 1, 99999):
        raise InvalidState(_l("Each change must name its question by number."))
    position = change["q"]
    window, seq, seen = change.get("win"), change.get("seq"), change.get("seen", {})
    if not isinstance(window, str) or WINDOW.fullmatch(window) is None:
        raise InvalidState(_l("The window of the change to question %(n)d is missing or malformed.", n=position))
    if not _is_int(seq, 1):
        raise InvalidState(_l("The sequence number must be a positive whole number."))
    if (not isinstance(seen, dict) or len(seen) > MAX_SEEN
            or not all(isinstance(w, str) and len(w) <= 32 and _is_int(n) for w, n in seen.items())):
        raise InvalidState(_l("The answers the change to question %(n)d was based on are malformed.", n=position))
    if not isinstance(change.get("flagged", False), bool):
        raise InvalidState(_l("The flag of question %(n)d must be true or false.", n=position))
    return SentChange(position, _read_fields(position, change.get("fields", {})), change.get("flagged", False),
                      window, seq, seen)


def read_sync(body, content_length: int | None) -> SyncRequest:
    """The JSON body {"known": revision, "changes": [{"q", "fields", "flagged", "win", "seq", "seen"}]}, checked
    strictly (what the page's script sends; see app.exams.saving)."""
    if content_length is not None and content_length > MAX_BODY:
        raise InvalidState(_l("The answers are too large to save."))
    if not isinstance(body, dict):
        raise InvalidState(_l("The request is not a JSON object."))
    known, changes = body.get("known", 0), body.get("changes", [])
    if not _is_int(known):
        raise InvalidState(_l("The revision the window knows must be a whole number."))
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        raise InvalidState(_l("The changes must be a list."))
    return SyncRequest(known, [_read_change(change) for change in changes])


def sync_json(sync: Sync) -> dict:
    """A save's answer for the page: each change's outcome and every item it must show, as input values."""
    return {
        "rev": sync.rev,
        "saved_at": sync.saved_at.isoformat() if sync.saved_at else None,
        "results": [{"win": window, "seq": seq, "outcome": outcome}
                    for (window, seq), outcome in sync.outcomes.items()],
        "items": [{"q": item.position, "fields": kind_of(item.type).form_fields(item.response, f"q{item.position}"),
                   "flagged": item.flagged, "by": item.changed_by, "seq": item.change_seq, "rev": item.rev}
                  for item in sync.items],
    }


# --- The candidate's list of exams ----------------------------------------------------------------

@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    state: str  # in_progress · open · upcoming · finished
    attempt: Attempt | None  # the open attempt (in_progress) or the one that counts (finished)
    attempts_left: int
    reason: object | None  # why not, for finished rows without an attempt
    score_shown: bool


def _row(user, exam: Exam, standing: Standing, now: datetime) -> ExamRow:
    left = max(0, exam.attempts_allowed - standing.used(exam))
    current = standing.open_attempt(exam)
    if current is not None:
        return ExamRow(exam, "in_progress", current, left, None, False)
    refused = refusal_in(standing, user, exam, now)
    best = standing.counted_attempt(exam.id)
    shown = best is not None and score_released(exam, best, now)
    if refused is None:
        return ExamRow(exam, "open", best, left, None, shown)
    if refused in (NOT_YET_OPEN, ORIGINAL_OPEN):
        return ExamRow(exam, "upcoming", best, left, refused.message, shown)
    return ExamRow(exam, "finished", best, left, refused.message, shown)


def exam_rows(user, now: datetime, *, exam_id: int | None = None) -> list[ExamRow]:
    """A row per exam the person sees (`exam_id`: that one only, if they see it), in a constant number of
    queries (audience.visible_exams, then the attendance rule for the courses open now)."""
    exams, standing = visible_exams(user, now, exam_id=exam_id)
    read_attendance(standing, user, exams, now)
    return [_row(user, exam, standing, now) for exam in exams]


def exam_row(user, exam: Exam, now: datetime) -> ExamRow | None:
    """The exam's row, or None when the person does not see the exam."""
    rows = exam_rows(user, now, exam_id=exam.id)
    return rows[0] if rows else None


def visible_to(user, exam: Exam, now: datetime) -> bool:
    return bool(visible_exams(user, now, exam_id=exam.id)[0])


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
    pictures = load_pictures(attempt.items)  # noqa: F841 - held while the versions read them
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
    or another exam), so no review with keys is shown until it is submitted (docs/security.md §19)."""
    exam = attempt.exam
    waiting = attempt.status == AttemptState.SUBMITTED and attempt.score is None

    def note(when: str):
        if when == Release.NEVER:
            return _l("Results are not shown for this exam.")
        if when == Release.AFTER_CLOSE and not window_closed(exam, now):
            return _l("Shown after the exam window closes on %(when)s.", when=localtime(exam.closes_at))
        return None

    score_shown, review_shown = score_released(exam, attempt, now), review_released(exam, attempt, now)
    if review_shown and sitting:
        return Outcome(score_shown, False, waiting, None if score_shown else note(exam.release_score),
                       _l("The review opens again once you have submitted the exam you are sitting."))
    return Outcome(score_shown, review_shown, waiting,
                   None if score_shown else note(exam.release_score),
                   None if review_shown else note(exam.release_review))
