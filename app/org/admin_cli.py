"""`flask create-admin`: the first administrator, or a way back in when every admin is locked out.

In org, not accounts, because an administrator is created as a staff record (app.org.staff).
"""

import os

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.accounts.actors import SYSTEM

PASSWORD_ENV = "ADMIN_PASSWORD"  # nosec B105  # the name of an environment variable
CLI_IP = "cli"


def _read_password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    return click.prompt(
        _("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"), show_default=False
    )


@click.command("create-admin")
@click.option("--staff-no", required=True, help="Staff number (login name) of the administrator.")
@click.option("--name", required=True, help="Full name, e.g. 王建国.")
@with_appcontext
def create_admin(staff_no: str, name: str) -> None:
    """Create an administrator, or make an existing account one, with a new password.

    The password is asked twice (hidden), or read from the ADMIN_PASSWORD environment variable.
    """
    from app.accounts import passwords, services, sessions
    from app.audit import actions
    from app.audit.services import record
    from app.core.clock import utcnow
    from app.core.errors import DomainError
    from app.core.roles import Role
    from app.extensions import db
    from app.org.staff import StaffData, create_staff

    normalised = services.normalise_staff_no(staff_no)
    name = name.strip()
    if not normalised:
        raise click.BadParameter(_("The staff number is required."), param_hint="--staff-no")
    if not name:
        raise click.BadParameter(_("The name is required."), param_hint="--name")
    password = _read_password()
    existing = services.find_by_staff_no(normalised)
    problems = passwords.policy_errors(
        password, staff_no=normalised, name=existing.name if existing else name
    )
    if problems:
        raise click.ClickException(
            _("The password was refused:") + "".join(f"\n  - {problem}" for problem in problems)
        )

    now = utcnow()
    password_hash = passwords.hash_password(password)
    try:
        if existing is None:
            user = create_staff(SYSTEM, StaffData(staff_no=normalised, name=name, roles={Role.ADMIN}),
                                ip=CLI_IP, now=now, password_hash=password_hash, must_change_password=False)
        else:
            user = existing
            services.set_roles(SYSTEM, user, set(user.roles) | {Role.ADMIN}, ip=CLI_IP, now=now)
            services.reactivate(SYSTEM, user, ip=CLI_IP, now=now)
            user.password_hash = password_hash
            user.must_change_password = False
            sessions.end_all_sessions(user, reason="password_reset", now=now)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    record(actions.ADMIN_CREATED, actor=SYSTEM, ip=CLI_IP, now=now, target=user,
           details={"staff_no": user.staff_no, "existing_account": existing is not None})
    db.session.commit()

    if existing is None:
        click.echo(_("Created administrator %(staff_no)s (%(name)s).", staff_no=user.staff_no, name=user.name))
    else:
        click.echo(_("Staff number %(staff_no)s (%(name)s) already existed: it now has the administrator "
                     "role and the new password; its other sessions were ended.",
                     staff_no=user.staff_no, name=user.name))
