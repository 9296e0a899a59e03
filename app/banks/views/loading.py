"""Loading a bank or question for a view and checking that the user may manage it: 404 when it does
not exist, 403 when it belongs to someone else's bank."""

from flask import url_for

from app.banks import permissions
from app.banks.models import Bank, Question
from app.core.loading import load_or_404


def managed_bank(bank_id: int) -> Bank:
    return load_or_404(Bank, bank_id, allowed=permissions.can_manage_bank)


def managed_question(question_id: int) -> Question:
    return load_or_404(Question, question_id,
                       allowed=lambda user, question: permissions.can_manage_bank(user, question.bank))


def image_url(version) -> str | None:
    """Where the question's picture is served (to those who manage a bank that uses it)."""
    if version is None or version.image_id is None:
        return None
    return url_for("banks.image", sha256=version.image.sha256)
