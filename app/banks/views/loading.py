"""Loading a bank or question for a view and checking that the user may manage it: 404 when it does
not exist, 403 when it belongs to someone else's bank."""

from flask import abort, url_for
from flask_login import current_user

from app.banks import permissions
from app.banks.models import Bank, Question
from app.extensions import db


def managed_bank(bank_id: int) -> Bank:
    bank = db.get_or_404(Bank, bank_id)
    if not permissions.can_manage_bank(current_user, bank):
        abort(403)
    return bank


def managed_question(question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if not permissions.can_manage_bank(current_user, question.bank):
        abort(403)
    return question


def image_url(version) -> str | None:
    """Where the question's picture is served (to those who manage a bank that uses it)."""
    if version is None or version.image_id is None:
        return None
    return url_for("banks.image", sha256=version.image.sha256)
