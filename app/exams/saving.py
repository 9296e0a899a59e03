"""Saving a candidate's answers: per-question changes from any number of windows, none able to lose another's.

A window (a loaded exam page: a tab, the same person's phone) numbers the changes the candidate makes in it
(1, 2, 3 … in the order they are made) and sends each question's latest unacknowledged change:

    Change(position, response, flagged, window, seq, seen)

`seen` names the stored changes the window's answer was built on — {window: seq} of the change whose answer
the window showed for that question when the candidate changed it (from the page, a sync, or an acknowledged
change; several when the window also carried over changes a reloaded page left behind).

INVARIANT (nothing acknowledged is lost): an answer change that the server acknowledged stays stored until a
later change by the same candidate to the same question replaces it. It holds because a change may replace
the stored answer only when

  - nothing was ever stored for the question, or
  - the stored change came from the same window with a lower number (made earlier there), or
  - the change's `seen` covers the stored change (its window showed that answer, or a later one from the
    same window, before the candidate changed it),

so every replacement was made after the change it replaces. Anything else is refused, and the refusal, with
the stored answer, goes back to the window (`refused`); the page then shows the stored answer and says so.
A whole save is one transaction that starts by updating the attempt row (the attempt's lock: saves of one
attempt never interleave), so a worker killed mid-save leaves every item as it was. The page's half of the
invariant — it marks a change synced only once the server acknowledged it, and keeps it in a per-window
journal in the browser until then — is in app/static/js/exam.js.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.banks.models import QuestionVersion
from app.banks.registry import kind_of
from app.exams.models import Attempt, PaperItem
from app.exams.states import AttemptState
from app.extensions import db

MAX_TEXT = 5000  # characters kept of one typed answer

# Outcomes of one change. STORED and REPLACED acknowledge it; REFUSED and LATE do not.
STORED = "stored"      # the stored answer is this change (written now, or by an earlier copy of this request)
REPLACED = "replaced"  # a later change from the same window is stored already
REFUSED = "refused"    # another window changed the question after this window last saw it
LATE = "late"          # the attempt is over (submitted, or past deadline + grace): not stored


@dataclass(frozen=True)
class Change:
    position: int
    response: object  # in the shapes the registry reads (see storable)
    flagged: bool
    window: str
    seq: int
    seen: Mapping[str, int] = field(default_factory=dict)

    @property
    def id(self) -> tuple[str, int]:
        return self.window, self.seq


@dataclass(frozen=True)
class ItemState:
    """One question as stored: what a window needs to show it and to build its next change on it."""

    id: int
    position: int
    type: str
    response: object
    flagged: bool
    answered_at: datetime | None
    rev: int
    changed_by: str
    change_seq: int


@dataclass(frozen=True)
class Sync:
    """What a save did: each change's outcome by change id, the attempt's revision the window now knows, and
    every item it must show (changed since the revision it knew, or stored instead of one of its changes)."""

    outcomes: dict[tuple[str, int], str]
    rev: int
    saved_at: datetime | None
    items: list[ItemState]
    over: bool = False  # the attempt no longer takes answers; nothing was written

    @property
    def all_acknowledged(self) -> bool:
        return all(outcome in (STORED, REPLACED) for outcome in self.outcomes.values())


def replaces(stored_by: str, stored_seq: int, change: Change) -> bool:
    """May `change` replace the stored answer (written by change `stored_by`/`stored_seq`)? The invariant's rule."""
    if not stored_by:
        return True
    if stored_by == change.window:
        return stored_seq < change.seq
    return change.seen.get(stored_by, 0) >= stored_seq


def outcome_of(stored_by: str, stored_seq: int, change: Change) -> str:
    """STORED when the change is, or may now become, the stored answer; REPLACED or REFUSED otherwise."""
    if stored_by == change.window and stored_seq >= change.seq:
        return STORED if stored_seq == change.seq else REPLACED
    return STORED if replaces(stored_by, stored_seq, change) else REFUSED


def storable(response):
    """Responses in the shapes stored as JSON: sets sorted, empty answers None, text cut to MAX_TEXT."""
    if isinstance(response, (set, frozenset)):
        response = sorted(response)
    if isinstance(response, str):
        response = response[:MAX_TEXT]
        return response if response.strip() else None
    if isinstance(response, list):
        if all(isinstance(r, str) for r in response):
            response = [r[:MAX_TEXT] for r in response]
            return response if any(r.strip() for r in response) else None
        return response or None
    return response


def item_states(attempt: Attempt, *, positions: list[int] | None = None,
                changed_after: int | None = None) -> dict[int, ItemState]:
    """The paper's items as stored now, by position (no question texts: this runs on every save). With
    `positions` and `changed_after`, only those positions and the items changed after that revision: all a save
    reads or reports, where a 100-question paper would otherwise be read whole for one change."""
    statement = (
        select(PaperItem.id, PaperItem.position, QuestionVersion.type, PaperItem.response, PaperItem.flagged,
               PaperItem.answered_at, PaperItem.rev, PaperItem.changed_by, PaperItem.change_seq)
        .join(QuestionVersion, QuestionVersion.id == PaperItem.version_id)
        .where(PaperItem.attempt_id == attempt.id)
    )
    if changed_after is not None:
        statement = statement.where(or_(PaperItem.position.in_(positions or []), PaperItem.rev > changed_after))
    return {row.position: ItemState(*row) for row in db.session.execute(statement)}


class UnknownPosition(Exception):
    """A change names a question that is not on the paper, or the same question twice."""

    def __init__(self, position: int):
        super().__init__(f"question {position}")
        self.position = position


@dataclass(frozen=True)
class SentChange:
    """A change as the page sends it: the question's inputs by name (q7, q7-1 …), not yet read by type."""

    position: int
    fields: Mapping
    flagged: bool
    window: str
    seq: int
    seen: Mapping[str, int] = field(default_factory=dict)

    def read(self, item_type: str) -> Change:
        response = storable(kind_of(item_type).read_response(self.fields, f"q{self.position}"))
        return Change(self.position, response, self.flagged, self.window, self.seq, self.seen)


def open_for_saving(attempt: Attempt, *, now: datetime, grace: timedelta) -> int | None:
    """Lock the attempt for this save (the transaction's first write: SQLite's write lock, PostgreSQL's row lock)
    and take the next revision; None if it is over (submitted, or past deadline + grace)."""
    return db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == AttemptState.IN_PROGRESS,
                              Attempt.deadline_at >= now - grace)
        .values(rev=Attempt.rev + 1, saved_at=now).returning(Attempt.rev)
        .execution_options(synchronize_session=False)
    ).scalar()


def save_sent(attempt: Attempt, sent: list[SentChange], *, known: int, now: datetime,
              grace: timedelta) -> Sync:
    """The page's changes, each read by its question's type (raises UnknownPosition); see apply_changes."""
    def read(states):
        positions = [change.position for change in sent]
        for position in positions:
            if position not in states or positions.count(position) > 1:
                raise UnknownPosition(position)
        return [change.read(states[change.position].type) for change in sent]
    return _save(attempt, [change.position for change in sent], read, known=known, now=now, grace=grace)


def apply_changes(attempt: Attempt, changes: list[Change], *, known: int, now: datetime,
                  grace: timedelta) -> Sync:
    """Store what the invariant allows of `changes` and say what became of each.

    Without changes nothing is written (a window asking what changed since revision `known`). When the
    attempt is over nothing is written either: changes stored by an earlier copy of the request still
    count as acknowledged, the others are LATE."""
    return _save(attempt, [change.position for change in changes], lambda _states: changes, known=known, now=now,
                 grace=grace)


def _save(attempt: Attempt, positions: list[int], changes_of, *, known: int, now: datetime,
          grace: timedelta) -> Sync:
    writing = bool(positions)
    if writing:
        rev = open_for_saving(attempt, now=now, grace=grace)
        over = rev is None
    else:
        rev, over = None, attempt.status != AttemptState.IN_PROGRESS or attempt.deadline_at < now - grace
    # Under the lock when writing: what the other windows' saves left, of the questions sent and of those the
    # window must be shown (changed after the revision it knows).
    states = item_states(attempt, positions=positions, changed_after=known)
    changes = changes_of(states)
    outcomes, writes = {}, []
    for change in changes:
        stored = states[change.position]
        outcomes[change.id] = outcome = outcome_of(stored.changed_by, stored.change_seq, change)
        if outcome == STORED and (stored.changed_by, stored.change_seq) != change.id:
            if over:
                outcomes[change.id] = LATE
                continue
            answered_at = now if change.response != stored.response else stored.answered_at
            writes.append({"id": stored.id, "response": change.response, "flagged": change.flagged,
                           "answered_at": answered_at, "rev": rev, "changed_by": change.window,
                           "change_seq": change.seq})
            states[change.position] = ItemState(stored.id, change.position, stored.type, change.response,
                                                change.flagged, answered_at, rev, change.window, change.seq)
    if writes:
        db.session.execute(update(PaperItem), writes)
    if rev is None:  # nothing written: the attempt's revision, as the heartbeat reports it (see Clock)
        rev = max([attempt.rev, *(state.rev for state in states.values())])
    shown = {change.position for change in changes if outcomes[change.id] != STORED}
    items = sorted((state for state in states.values() if state.rev > known or state.position in shown),
                   key=lambda state: state.position)
    return Sync(outcomes, rev, now if writing and not over else attempt.saved_at, items, over)


@dataclass(frozen=True)
class Clock:
    """The page's heartbeat: the time left, the attempt's revision (a window that knows less syncs) and
    whether the attempt still takes answers."""

    rev: int
    remaining: int
    over: bool


def clock(attempt_id: int, user_id: int, *, now: datetime, grace: timedelta) -> Clock | None:
    """One indexed read of the attempt row, the owner checked in the same query (None: not this user's).

    No write and no items: at 5,000 candidates this runs 40–170 times a second, so it must cost what a
    primary-key lookup costs. It closes nothing either — an attempt past deadline + grace is reported over,
    and the window's full sync (a save) and the result page do the rest."""
    row = db.session.execute(
        select(Attempt.rev, Attempt.status, Attempt.deadline_at)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id)
    ).one_or_none()
    if row is None:
        return None
    over = row.status != AttemptState.IN_PROGRESS or row.deadline_at < now - grace
    return Clock(row.rev, max(0, int((row.deadline_at - now).total_seconds())), over)


def answer_at_once(attempt: Attempt, responses: Mapping[int, object], *, window: str, now: datetime,
                   grace: timedelta, flagged: frozenset[int] = frozenset()) -> Sync:
    """`responses` by position written as the first changes of one window that saw the paper as stored (the
    demo's sittings, scripted candidates)."""
    states = item_states(attempt)
    changes = [Change(position, storable(response), position in flagged, window, seq,
                      {states[position].changed_by: states[position].change_seq})
               for seq, (position, response) in enumerate(sorted(responses.items()), start=1)]
    return apply_changes(attempt, changes, known=0, now=now, grace=grace)
