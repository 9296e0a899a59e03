"""Who may see and change question banks: plain functions, testable without HTTP.

Banks are trainer material: the answer keys in them decide exams. Trainers manage the banks they own
(a bank's `owners`), administrators manage every bank and choose its owners. HR has no access to bank
contents (HR is read-only for exams and needs no keys), and toll collectors never see a bank: they meet
questions only inside an exam, without the key. Routes declare `@allow(Role.ADMIN, Role.TRAINER)`;
views call these functions after loading the bank, and templates use them to decide which buttons show.

`can_see_keys` is the one rule for a bank's keys outside the bank pages too: which banks an exam
blueprint may draw from, and whose keys a sample paper shows (docs/security-keys.md).
"""

from app.core.roles import Role


def _is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def _is_admin(user) -> bool:
    return _is_signed_in(user) and user.has_role(Role.ADMIN)


def can_use_banks(user) -> bool:
    """Open the bank pages at all: trainers and administrators."""
    return _is_signed_in(user) and user.has_role(Role.ADMIN, Role.TRAINER)


def can_create_bank(user) -> bool:
    """Trainers create banks (and become their owner); administrators too."""
    return can_use_banks(user)


def owns_bank(user, bank) -> bool:
    user_id = getattr(user, "id", None)
    return user_id is not None and any(owner.id == user_id for owner in bank.owners)


def can_manage_bank(user, bank) -> bool:
    """See the questions with their keys, add, edit, retire, restore, import into and export the bank:
    an administrator, or a trainer who owns it."""
    if _is_admin(user):
        return True
    return can_use_banks(user) and user.has_role(Role.TRAINER) and owns_bank(user, bank)


def can_see_keys(user, bank) -> bool:
    """Read the bank's answer keys and explanations anywhere (bank pages, exports, an exam's sample paper),
    and so put its questions on an exam's papers: whoever manages the bank, nobody else.

    Putting a question in a blueprint hands its key to the exam's grading pages, so the two go together."""
    return can_manage_bank(user, bank)


def can_assign_owners(user, bank=None) -> bool:
    """Only administrators choose which trainers own a bank."""
    return _is_admin(user)


def can_see_image(user, banks) -> bool:
    """An image may be shown to whoever manages one of the banks whose questions use it."""
    return any(can_manage_bank(user, bank) for bank in banks)
