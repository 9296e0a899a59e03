"""The one way a page runs a change: call the service, commit once, or roll back and report.

Services flush and raise DomainError; the view decides where the unit of work ends. Every form POST used to
repeat the same try / rollback / add_domain_error / commit block; `commit_or_report` is that block.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash

from app.core.errors import DomainError
from app.core.forms import add_domain_error
from app.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a unit of work did: true when it was committed; `value` is what the service returned."""

    ok: bool
    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok


def commit_or_report(work: Callable[[], T], *, form=None) -> Done[T]:
    """Run `work` (the service call); commit when it returns, roll back when it raises DomainError.

    The refusal goes onto the form field it names (or the form as a whole) when a form is given, otherwise into
    a danger flash message. Any other exception propagates: it is a bug, and the request's session is discarded.
    """
    try:
        value = work()
    except DomainError as error:
        db.session.rollback()
        if form is not None:
            add_domain_error(form, error)
        else:
            flash(str(error.message), "danger")
        return Done(False, error=error)
    db.session.commit()
    return Done(True, value)
