"""Who may do what with evaluations: HR and admins compute, override, sign off and reopen; everyone sees
their own evaluation once its batch is signed off."""

from app.accounts.roles import Role


def can_evaluate(user) -> bool:
    """Edit the scheme, compute, override, sign off, reopen, read every evaluation."""
    return user.has_role(Role.HR, Role.ADMIN)


def can_see_own(user, evaluation, signed_off: bool) -> bool:
    return evaluation.user_id == user.id and signed_off
