"""argon2id hashing (parameters from config, rehash on login when they change) and the password policy."""

import secrets
import string
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from app.core.i18n import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "12345678", "123456789", "1234567890", "qwerty123", "11111111",
        "88888888", "66666666", "abc12345", "a1234567", "admin123", "iloveyou", "000000000",
        "p@ssw0rd", "passw0rd", "qwertyuiop", "1qaz2wsx", "abcd1234", "woaini1314",
        # Words people decorate with digits and symbols at either end ("Password1!", "Admin@123").
        "qwerty", "admin", "woaini", "qaz2wsx", "abc", "abcd", "welcome", "letmein",
    }
)
# Stripped from both ends before the common-password lookup.
DECORATION = string.digits + string.punctuation + " "


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account has a hash, so timing does not reveal accounts."""
    hasher = _hasher()
    if not stored_hash:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def policy_errors(password: str, *, staff_no: str = "", name: str = "") -> list:
    """Messages (lazy, translated) for every rule the password breaks; empty when acceptable."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        errors.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        errors.append(
            _l("Mix at least three of: lower-case letters, capitals, digits and symbols.")
        )
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in COMMON_PASSWORDS or folded.strip(DECORATION) in COMMON_PASSWORDS:
        errors.append(_l("This password is too common."))
    if staff_no and staff_no.casefold() in folded:
        errors.append(_l("The password must not contain your staff number."))
    if name and len(name) >= 2 and name.casefold() in folded:
        errors.append(_l("The password must not contain your name."))
    return errors


def temporary_password() -> str:
    """A random password that meets the policy, for an admin to hand over once."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(10))
        candidate = f"{core[:5]}-{core[5:]}"
        if not policy_errors(candidate):
            return candidate
