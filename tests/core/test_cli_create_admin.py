"""`flask create-admin`: password from the environment or a hidden prompt, policy enforced, audited."""

import pytest

from app.accounts import services
from app.accounts.models import LoginSession
from app.accounts.passwords import verify_password
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.extensions import db
from tests import factories

GOOD = "Toll#Admin2026"
ARGS = ["create-admin", "--staff-no", "Boss01", "--name", "王建国"]


def _admin_events():
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.ADMIN_CREATED)).all()


def test_creates_an_admin_from_the_environment_password(runner):
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": GOOD})
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = services.find_by_staff_no("boss01")
    assert user is not None and user.name == "王建国"
    assert user.roles == {Role.ADMIN}
    assert not user.must_change_password
    assert verify_password(user.password_hash, GOOD)
    [event] = _admin_events()
    assert event.ip == "cli"
    assert event.target_id == str(user.id)
    assert GOOD not in str(event.details)


def test_new_admin_can_log_in(runner, client):
    assert runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": GOOD}).exit_code == 0
    response = client.post("/login", data={"staff_no": "boss01", "password": GOOD})
    assert response.status_code == 302
    assert client.get("/admin").status_code == 200


@pytest.mark.parametrize("weak", ["short1!", "alllowercaseletters", "Password1", "Boss01xx!", "王建国Abc123"])
def test_weak_password_is_refused(runner, weak):
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": weak})
    assert result.exit_code != 0
    assert services.find_by_staff_no("boss01") is None
    assert _admin_events() == []


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_weak_password_message_names_the_rules(runner):
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": "abc"})
    assert result.exit_code == 1
    assert "The password was refused" in result.output
    assert "at least 8 characters" in result.output


def test_password_is_prompted_twice_when_not_in_the_environment(runner):
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": None}, input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output  # hidden input is not echoed
    assert verify_password(services.find_by_staff_no("boss01").password_hash, GOOD)


def test_prompt_without_input_fails_cleanly(runner):
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": None}, input="")
    assert result.exit_code != 0
    assert services.find_by_staff_no("boss01") is None


def test_mismatched_prompts_create_nothing(runner):
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": None}, input=f"{GOOD}\nOther#Pass2026\n")
    assert result.exit_code != 0
    assert services.find_by_staff_no("boss01") is None


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_existing_account_gets_the_admin_role_and_new_password(runner, app):
    user = factories.make_user("boss01", roles=[Role.TRAINER], name="老王", must_change_password=True,
                               active=False)
    db.session.add(LoginSession(user=user, token_hash="x" * 64, created_at=factories_now(),
                                authenticated_at=factories_now(), last_seen_at=factories_now()))
    db.session.commit()
    result = runner.invoke(args=ARGS, env={"ADMIN_PASSWORD": GOOD})
    assert result.exit_code == 0, result.output
    assert "already existed" in result.output
    db.session.expire_all()
    user = services.find_by_staff_no("boss01")
    assert user.roles == {Role.TRAINER, Role.ADMIN}
    assert user.active and not user.must_change_password
    assert user.name == "老王"
    assert verify_password(user.password_hash, GOOD)
    assert db.session.scalars(db.select(LoginSession)).one().ended_at is not None
    assert len(_admin_events()) == 1


@pytest.mark.parametrize("args", [["create-admin", "--name", "王建国"], ["create-admin", "--staff-no", "boss01"],
                                  ["create-admin", "--staff-no", "  ", "--name", "王建国"],
                                  ["create-admin", "--staff-no", "boss01", "--name", " "]])
def test_missing_or_blank_options_are_refused(runner, args):
    result = runner.invoke(args=args, env={"ADMIN_PASSWORD": GOOD})
    assert result.exit_code == 2
    assert db.session.scalars(db.select(AuditEvent)).all() == []


def factories_now():
    from app.core.clock import utcnow

    return utcnow()
