"""Who may manage staff, stations and teams: plain functions, testable without HTTP.

Routes declare their roles with @allow; views call these after loading the object, and templates
use them to decide which buttons and fields to show.
"""

from app.core.roles import Role

# Who may open the staff pages and the roster import, and who manages stations and teams: the routes'
# @allow and the functions below read the same tuple, so the rule is written once.
STAFF_MANAGERS = (Role.ADMIN, Role.HR)
ORG_MANAGERS = (Role.ADMIN, Role.HR)


def _is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def can_manage_staff(user) -> bool:
    """Admins and HR list, create, edit, deactivate and reactivate staff."""
    return _is_signed_in(user) and user.has_role(*STAFF_MANAGERS)


def can_manage_user(user, target) -> bool:
    """Edit, deactivate or reactivate this person: HR may not touch administrators' accounts."""
    if not can_manage_staff(user):
        return False
    return user.has_role(Role.ADMIN) or not target.has_role(Role.ADMIN)


def can_change_roles(user) -> bool:
    """Only administrators give or take roles."""
    return _is_signed_in(user) and user.has_role(Role.ADMIN)


def can_issue_password(user, target=None) -> bool:
    """Only administrators hand out temporary passwords, and not to themselves (that would log them out;
    they change their own password on the password page)."""
    if not (_is_signed_in(user) and user.has_role(Role.ADMIN)):
        return False
    return target is None or target.id != user.id


def can_change_active(user, target) -> bool:
    """Deactivate or reactivate `target`; nobody switches off their own account."""
    return can_manage_user(user, target) and user.id != target.id


def can_manage_org(user) -> bool:
    """Admins and HR create, rename, deactivate and reactivate stations and teams."""
    return _is_signed_in(user) and user.has_role(*ORG_MANAGERS)


def can_see_staff_history(user) -> bool:
    """The audit trail about a person (with addresses) is for administrators, as the audit log is."""
    return _is_signed_in(user) and user.has_role(Role.ADMIN)
