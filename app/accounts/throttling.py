"""Password guesses are counted before the password is checked (docs/security.md §5).

Every check of a password — at login, when a signed-in user confirms it for a sensitive action, and the
current password on the change-password page — first takes one entry from the account's allowance
(`LOGIN_LIMIT_PER_ACCOUNT`, shared by all three: the allowance belongs to the password, not the page) and, for
a signed-in user, from the session's (`PASSWORD_CHECK_LIMIT_PER_SESSION`). Only then is the hash verified.

Why "take first": a limit that tests, verifies and only then counts the failure lets every request that arrives
while the others are still verifying through, so 25 parallel guesses against a limit of 10 had 12–13 checked.
Here the entry is taken by the rate-limit strategy's `hit` — one atomic step in the storage (a Lua script in
Redis, a lock in memory) that both tests and records — so however many requests race, at most the limit are
ever verified. A right password then clears its own counters: only someone who knows it can, and without that
people who sign in many times a day (station PCs) would run out. Entries cannot be refunded one by one in a
moving window, which is why success clears rather than refunds.

The address limit (`LOGIN_LIMIT_PER_IP`) stays a count of failures only (stations share NAT addresses, so
successes must not count, and clearing it on success would let anyone with an account reset it); it is a coarse
brake in front of this one, not what protects a password.
"""

from datetime import UTC, datetime

from flask import current_app
from limits import parse

from app.core.errors import DomainError
from app.core.i18n import lazy_ngettext
from app.extensions import limiter

ACCOUNT_SCOPE = "password-account"
SESSION_SCOPE = "password-session"


class TooManyPasswordGuesses(DomainError):
    """429 with the minutes to wait; rendered like every domain error (page or JSON)."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        super().__init__(lazy_ngettext("Too many wrong passwords. Wait %(num)d minute, then try again.",
                                       "Too many wrong passwords. Wait %(num)d minutes, then try again.", minutes))
        self.headers = {"Retry-After": str(retry_after)}


def _identifiers(scope: str, key) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return (prefix, scope, str(key)) if prefix else (scope, str(key))


def _allowances(staff_no: str, session_id: int | None):
    config = current_app.config
    yield parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), _identifiers(ACCOUNT_SCOPE, staff_no)
    if session_id is not None:
        yield parse(config["PASSWORD_CHECK_LIMIT_PER_SESSION"]), _identifiers(SESSION_SCOPE, session_id)


def take_guess(staff_no: str, *, session_id: int | None = None) -> None:
    """Take one entry from every allowance before a password is checked; raise TooManyPasswordGuesses when one
    is used up. `staff_no` is the normalised staff number (unknown ones count too, so nothing tells them apart)."""
    strategy = limiter.limiter
    for item, identifiers in _allowances(staff_no, session_id):
        if not strategy.hit(item, *identifiers):
            reset_at, _remaining = strategy.get_window_stats(item, *identifiers)
            wait = int(reset_at - datetime.now(UTC).timestamp()) + 1
            raise TooManyPasswordGuesses(max(wait, 1))


def password_was_right(staff_no: str, *, session_id: int | None = None) -> None:
    """The right password was given: its account's (and session's) count starts again."""
    strategy = limiter.limiter
    for item, identifiers in _allowances(staff_no, session_id):
        strategy.clear(item, *identifiers)
