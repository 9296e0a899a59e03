"""Load the object a URL names, or answer 404; then ask the domain's permission function, or answer 403.

Views used to do this five ways; the order matters (404 before 403 would tell a stranger which ids exist only
where the permission itself depends on the object, so the object is always loaded first, as every view did).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import db

M = TypeVar("M")


def load_or_404(model: type[M], ident: Any, *, allowed: Callable[[Any, M], bool] | None = None) -> M:
    """`db.get_or_404(model, ident)`, then 403 unless `allowed(current_user, obj)` (when given) is true."""
    obj = db.get_or_404(model, ident)
    if allowed is not None and not allowed(current_user, obj):
        abort(403)
    return obj


def require(allowed: bool) -> None:
    """403 unless the permission check passed: `require(can_plan(current_user))`."""
    if not allowed:
        abort(403)
