"""Who may do what with evaluations: HR and admins compute, override, sign off and reopen. Everyone sees
their own evaluations once their batch is signed off: the /me/evaluations query joins the sign-off."""

from app.core.roles import Role


def can_evaluate(user) -> bool:
    """Edit the scheme, compute, override, sign off, reopen, read every evaluation."""
    return user.has_role(Role.HR, Role.ADMIN)
