"""Flask commands: `flask --app wsgi <command>`.

Commands are thin: parse options → call a service → commit once → print. Their messages go
through gettext in the configured DEFAULT_LOCALE (there is no request to choose a language from).
"""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST if it already exists.")
@with_appcontext
def backup_command(dest: Path, force: bool) -> None:
    """Copy the SQLite database consistently while the app keeps running.

    DEST is a file, or a directory to put a time-stamped copy in.
    """
    from app.core import backup
    from app.core.clock import utcnow
    from app.extensions import db

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            _("The database is %(backend)s, not SQLite: back it up with pg_dump, for example (the password from "
              "~/.pgpass or PGPASSWORD): %(command)s", backend=url.get_backend_name(),
              command=backup.pg_dump_command(url))
        )
    try:
        result = backup.backup_sqlite(Path(url.database or ""), dest, force=force, now=utcnow())
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("Backup written to %(path)s (%(size)s bytes); integrity check: ok.",
                 path=result.path, size=f"{result.size:,}"))


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create demo stations, teams and accounts (safe to run again)."""
    from flask_migrate import upgrade

    from app import demo
    from app.core.clock import utcnow
    from app.extensions import db

    upgrade()
    outcome = demo.run(now=utcnow())
    db.session.commit()
    click.echo(demo.summary(outcome))


def register(app) -> None:
    from app.org.admin_cli import create_admin

    app.cli.add_command(create_admin)
    app.cli.add_command(backup_command)
    app.cli.add_command(demo_command)

    from app.org.cli import staff

    app.cli.add_command(staff)

    from app.banks.cli import banks

    app.cli.add_command(banks)

    from app.exams.cli import exams

    app.cli.add_command(exams)
