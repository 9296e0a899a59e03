"""Password policy, argon2id hashing and rehash on login when the parameters change."""

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import HashingError, VerifyMismatchError
from flask import current_app
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.accounts import passwords, services
from app.accounts.models import User
from app.audit import actions
from app.audit.models import AuditEvent
from app.config import load_config
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from tests.factories import PASSWORD

STRONG = "Kx7#mq2Lz9"


def _errors(password, staff_no="c0001", name="张三"):
    """The policy's messages, read in English."""
    with current_app.test_request_context(), force_locale("en"):
        return [str(e) for e in passwords.policy_errors(password, staff_no=staff_no, name=name)]


def test_a_long_mixed_password_is_accepted(app):
    assert _errors(STRONG) == []
    assert _errors("correct-horse-Battery") == []  # three classes: lower, capitals, symbols


def test_a_short_password_is_refused(app):
    assert _errors("Kx7#mq2") == ["Use at least 8 characters."]


def test_an_overlong_password_is_refused(app):
    assert "Use at most 128 characters." in _errors("Kx7#" * 33)


@pytest.mark.parametrize("password", ["abcdefghijkl", "abcdefgh1234", "ABCDEFGH!!!!", "1234567890!!"])
def test_a_password_with_fewer_than_three_kinds_of_character_is_refused(app, password):
    assert _errors(password) == ["Mix at least three of: lower-case letters, capitals, digits and symbols."]


@pytest.mark.parametrize(
    "password", ["P@ssw0rd", "Password1", "PASSW0RD!", "Ｐａｓｓｗ０ｒｄ1", "Admin@123", "!Qwerty2026", "WoAiNi1314"]
)
def test_a_common_password_is_refused_however_it_is_written(app, password):
    assert "This password is too common." in _errors(password)


@pytest.mark.parametrize("password", ["c0001-Strong!", "Strong!C0001", "Ｃ０００１xY!z"])
def test_a_password_containing_the_staff_number_is_refused(app, password):
    assert "The password must not contain your staff number." in _errors(password)


def test_a_password_containing_the_name_is_refused(app):
    assert "The password must not contain your name." in _errors("张三Strong1!")


def test_temporary_passwords_meet_the_policy(app):
    issued = {passwords.temporary_password() for _ in range(30)}
    assert len(issued) == 30
    assert all(passwords.policy_errors(p) == [] for p in issued)


@given(st.text(max_size=140))
def test_any_accepted_password_is_long_enough_and_mixed(password):
    if passwords.policy_errors(password):
        return
    assert 8 <= len(password) <= 128
    kinds = [
        any(c.islower() for c in password), any(c.isupper() for c in password),
        any(c.isdigit() for c in password), any(not c.isalnum() for c in password),
    ]
    assert sum(kinds) >= 3


def test_hashes_are_argon2id_with_the_configured_parameters(app):
    hashed = passwords.hash_password(STRONG)
    assert hashed.startswith("$argon2id$")
    config = app.config
    assert f"m={config['ARGON2_MEMORY_KIB']},t={config['ARGON2_TIME_COST']},p={config['ARGON2_PARALLELISM']}" in hashed
    assert passwords.verify_password(hashed, STRONG)
    assert not passwords.verify_password(hashed, STRONG + "x")
    assert not passwords.verify_password(None, STRONG)
    assert not passwords.verify_password("not-a-hash", STRONG)


# OWASP Password Storage Cheat Sheet: argon2id with one lane and at least this memory (KiB) for these passes;
# the rows are equally strong, trading memory for passes.
OWASP_ARGON2ID = {1: 47104, 2: 19456, 3: 12288, 4: 9216, 5: 7168}


def _defaults(tmp_path):
    config = load_config(str(tmp_path), environ={})
    return config["ARGON2_MEMORY_KIB"], config["ARGON2_TIME_COST"], config["ARGON2_PARALLELISM"]


def test_default_argon2_parameters_are_one_of_owasps(tmp_path):
    memory, passes, lanes = _defaults(tmp_path)
    assert lanes == 1
    assert passes in OWASP_ARGON2ID
    assert memory >= OWASP_ARGON2ID[passes]
    assert (memory, passes, lanes) == (19456, 2, 1)


def test_default_argon2_parameters_stay_cheap_enough_for_an_exam_day(tmp_path):
    """Work grows with memory × passes; more than twice OWASP's would break the login budget (bench/login_cost.py)."""
    memory, passes, _lanes = _defaults(tmp_path)
    assert memory * passes <= 2 * 19456 * 2


def _store_hash_with(user, **parameters):
    user.password_hash = PasswordHasher(**parameters).hash(PASSWORD)
    db.session.commit()
    return user.password_hash


@pytest.mark.app_config(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16, ARGON2_PARALLELISM=1)
def test_login_rehashes_a_password_stored_with_old_parameters(client, users, login):
    user = users[Role.COLLECTOR]
    old = _store_hash_with(user, time_cost=1, memory_cost=8, parallelism=1)
    assert "m=8,t=1,p=1" in old
    assert login(user).status_code == 302
    db.session.expire_all()
    new = db.session.get(User, user.id).password_hash
    assert new != old
    assert new.startswith("$argon2id$")
    assert "m=16,t=2,p=1" in new
    assert PasswordHasher().verify(new, PASSWORD)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.LOGIN_SUCCEEDED)).one()
    assert event.details == {"rehashed": True}
    assert new not in str(event.details) and old not in str(event.details)


@pytest.mark.app_config(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16, ARGON2_PARALLELISM=1)
def test_failed_login_does_not_rehash(client, users, login):
    user = users[Role.COLLECTOR]
    old = _store_hash_with(user, time_cost=1, memory_cost=8, parallelism=1)
    login(user, password="wrong-Pa55word")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old


@pytest.mark.app_config(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16, ARGON2_PARALLELISM=1)
def test_right_password_of_a_deactivated_account_does_not_rehash(client, users, login):
    user = users[Role.COLLECTOR]
    old = _store_hash_with(user, time_cost=1, memory_cost=8, parallelism=1)
    user.active = False
    db.session.commit()
    login(user)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old


@pytest.mark.app_config(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16, ARGON2_PARALLELISM=1)
def test_a_failing_rehash_does_not_fail_the_login(client, users, login, monkeypatch):
    user = users[Role.COLLECTOR]
    old = _store_hash_with(user, time_cost=1, memory_cost=8, parallelism=1)

    def broken(password):
        raise HashingError("out of memory")

    monkeypatch.setattr(passwords, "hash_password", broken)
    response = login(user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.LOGIN_SUCCEEDED)).one()
    assert event.details == {}


@pytest.mark.app_config(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16, ARGON2_PARALLELISM=1)
def test_a_password_changed_during_the_login_is_not_overwritten_by_the_rehash(app, users, monkeypatch):
    """Another connection commits a new password between the login's check and its rehash."""
    user = users[Role.COLLECTOR]
    _store_hash_with(user, time_cost=1, memory_cost=8, parallelism=1)
    changed = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash("Another#Pa55word")
    rehash = passwords.hash_password

    def hash_while_someone_changes_it(password):
        with db.engine.begin() as other:
            other.execute(update(User).where(User.id == user.id).values(password_hash=changed))
        return rehash(password)

    monkeypatch.setattr(passwords, "hash_password", hash_while_someone_changes_it)
    with app.test_request_context():
        services.authenticate(user.staff_no, PASSWORD, ip="127.0.0.1", now=utcnow())
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == changed
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == actions.LOGIN_SUCCEEDED)).one()
    assert event.details == {}


def test_login_keeps_a_hash_made_with_the_current_parameters(app, client, users, login):
    user = users[Role.COLLECTOR]
    config = app.config
    old = _store_hash_with(user, time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_KIB"],
                           parallelism=config["ARGON2_PARALLELISM"])
    login(user)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old


def test_hash_of_one_password_does_not_verify_another(app):
    hashed = passwords.hash_password(STRONG)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(hashed, "Kx7#mq2Lz8")
