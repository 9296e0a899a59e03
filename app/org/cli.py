"""`flask --app wsgi staff import FILE [--dry-run] [--create-missing]`: the roster import from a shell.

The command line acts as the system: no signed-in actor (audit actor empty, address "cli"), and it
may give and change roles like an administrator. Errors go to stderr, one "Row N, column X: …" line
each, and the exit code is 1 with nothing stored.
"""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.accounts.actors import SYSTEM
from app.org.roster.preview import INVALID

staff = AppGroup("staff", help="Staff accounts: roster import.")

CLI_ADDRESS = "cli"


def _echo_preview(preview) -> None:
    click.echo(_("File: %(name)s", name=preview.filename))
    if preview.sheet_count > 1:
        click.echo(_("Only the first sheet, %(sheet)s, was read (the workbook has %(num)d sheets).",
                     sheet=preview.sheet, num=preview.sheet_count))
    click.echo(_("Rows: %(total)d (%(created)d new, %(updated)d to update, %(unchanged)d unchanged)",
                 total=len(preview.rows), created=preview.created, updated=preview.updated,
                 unchanged=preview.unchanged))
    invalid = preview.count(INVALID)
    if invalid:
        click.echo(_("Rows with errors: %(num)d", num=invalid))
    if preview.stations_to_create:
        click.echo(_("Stations to create: %(names)s", names=", ".join(preview.stations_to_create)))
    if preview.teams_to_create:
        click.echo(_("Teams to create: %(names)s",
                     names=", ".join(f"{station} / {team}" for station, team in preview.teams_to_create)))
    if preview.ignored_columns:
        click.echo(_("Ignored columns: %(columns)s", columns=", ".join(preview.ignored_columns)))


def _fail(errors) -> None:
    for issue in errors:
        click.echo(str(issue), err=True)
    click.echo(_("Nothing was imported: %(num)d problem(s) found.", num=len(errors)), err=True)
    raise click.exceptions.Exit(1)


@staff.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; store nothing.")
@click.option("--create-missing", is_flag=True, help="Create stations and teams the file names but that do not exist.")
@click.option("--verbose", "-v", is_flag=True, help="List every row and what happens to it.")
def import_command(file: Path, dry_run: bool, create_missing: bool, verbose: bool) -> None:
    """Import staff from a roster FILE (CSV or XLSX); existing staff numbers are updated."""
    from app.core.clock import utcnow
    from app.core.spreadsheets import limits
    from app.extensions import db
    from app.org.roster import RosterRejected, apply_preview, preview_roster

    if file.stat().st_size > limits.MAX_FILE_BYTES:
        _fail([_("The file is larger than %(mb)d MiB.", mb=limits.MAX_FILE_BYTES // (1024 * 1024))])
    data = file.read_bytes()
    try:
        preview = preview_roster(data, file.name, actor=SYSTEM, create_missing=create_missing)
        _echo_preview(preview)
        if verbose:
            _echo_rows(preview)
        if preview.errors:
            _fail(preview.errors)
        if dry_run:
            db.session.rollback()  # the preview only read; end its transaction
            click.echo(_("Dry run: nothing was stored."))
            return
        result = apply_preview(preview, actor=SYSTEM, ip=CLI_ADDRESS, now=utcnow())
    except RosterRejected as rejected:
        db.session.rollback()
        _fail(rejected.preview.errors)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                 created=result.created, updated=result.updated, unchanged=result.unchanged))
    if result.created:
        click.echo(_("New accounts have no password yet: an administrator issues temporary passwords from the "
                     "staff pages."))


def _echo_rows(preview) -> None:
    from app.org.roster import ACTION_LABELS, FIELD_LABELS

    for plan in preview.rows:
        changes = ", ".join(str(FIELD_LABELS[key]) for key in plan.changes)
        line = f"{plan.row}\t{plan.staff_no}\t{plan.name}\t{ACTION_LABELS[plan.action]}"
        click.echo(f"{line}\t{changes}" if changes else line)
