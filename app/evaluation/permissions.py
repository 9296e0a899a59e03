"""Who may do what with evaluations: HR and admins compute, override, sign off and reopen. Everyone sees
their own evaluations once their batch is signed off: the /me/evaluations query joins the sign-off.

The routes declare `@allow(*EVALUATORS)`, the same tuple `can_evaluate` asks, so they cannot drift apart."""

from app.core.roles import Role

EVALUATORS = (Role.HR, Role.ADMIN)


def can_evaluate(user) -> bool:
    """Edit the scheme, compute, override, sign off, reopen, read every evaluation."""
    return user.has_role(*EVALUATORS)
