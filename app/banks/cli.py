"""`flask --app wsgi banks import FILE --course CODE [--bank NAME] [--dry-run] [--format auto|gift|aiken]
[--skip-unsupported] [--skip-existing]`.

The command line acts as the system (audit actor empty, address "cli"). It prints the questions of each
type it imported (or would import, with --dry-run), the questions it updated by ID and those it skipped;
on errors it prints one "Row N, column X: …" (or "Question N (…): …") line each to stderr, exits 1 and
stores nothing. The trainer's two choices of the web preview are flags: `--skip-unsupported` imports
the questions other than those of unsupported types (without it, such questions stop the import), and
`--skip-existing` leaves out the questions another bank of the course already has (without it they are
imported, and listed as notes). The four courses are created when missing, as by `flask demo`.
"""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.accounts.actors import SYSTEM

banks = AppGroup("banks", help="Question banks: import.")

CLI_ADDRESS = "cli"


def _fail(errors, hint: str | None = None) -> None:
    for issue in errors:
        click.echo(str(issue), err=True)
    click.echo(_("Nothing was imported: %(num)d problem(s) found.", num=len(errors)), err=True)
    if hint:
        click.echo(hint, err=True)
    raise click.exceptions.Exit(1)


def _echo_counts(preview) -> None:
    for kind, count in preview.per_type.items():
        click.echo(f"  {kind}: {count}")
    if preview.updates:
        click.echo(_("Updated by ID (new versions): %(num)d", num=preview.changed))
        click.echo(_("Named by ID, unchanged: %(num)d", num=preview.unchanged))
    click.echo(_("Duplicates skipped: %(num)d", num=preview.skipped))
    if preview.in_course:
        if preview.skip_existing:
            click.echo(_("Already in other banks of the course, skipped: %(num)d", num=len(preview.in_course)))
        else:
            click.echo(_("Already in other banks of the course, imported all the same: %(num)d (--skip-existing "
                         "leaves them out)", num=len(preview.in_course)))
    if preview.unsupported and preview.skip_unsupported:
        click.echo(_("Unsupported questions skipped: %(num)d", num=len(preview.unsupported)))


NOTES_SHOWN = 10


def _echo_preview(preview, course, verbose: bool) -> None:
    file = preview.file
    inner = f" → {file.inner_name}" if file.inner_name else ""
    click.echo(_("File: %(name)s (%(format)s%(inner)s)", name=file.filename, format=file.format_label, inner=inner))
    if preview.bank is not None:
        click.echo(_("Bank: %(name)s (course %(course)s, already there: questions are added to it)",
                     name=preview.bank_name, course=course.code))
    else:
        click.echo(_("Bank: %(name)s (course %(course)s, new)", name=preview.bank_name, course=course.code))
    shown = preview.warnings if verbose else preview.warnings[:NOTES_SHOWN]
    for warning in shown:
        click.echo(_("Note: %(warning)s", warning=str(warning)))
    if len(shown) < len(preview.warnings):
        click.echo(_("… and %(num)d more notes (--verbose lists them all).", num=len(preview.warnings) - len(shown)))


@banks.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_code", required=True, help="Course code: law, integrity, etiquette or procedures.")
@click.option("--bank", "bank_name", help="Bank name (default: the file name without its extension). "
                                         "An existing bank of the course gets the new questions.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be imported; store nothing.")
@click.option("--format", "text_format", type=click.Choice(["auto", "gift", "aiken"]), default="auto",
              show_default=True, help="For text files (.txt): GIFT or Aiken; auto decides by the content.")
@click.option("--skip-unsupported", is_flag=True,
              help="Import the other questions when some are of types this system does not have (matching, "
                   "numerical …); without it they stop the import.")
@click.option("--skip-existing", is_flag=True,
              help="Leave out the questions another bank of the course already has (otherwise they are imported "
                   "and listed as notes; no paper holds both either way).")
@click.option("--verbose", "-v", is_flag=True, help="List every note (duplicates skipped …), not only the first ones.")
def import_command(file: Path, course_code: str, bank_name: str | None, dry_run: bool, text_format: str,
                   skip_unsupported: bool, skip_existing: bool, verbose: bool) -> None:
    """Import questions from FILE: CSV, XLSX, ZIP (bank + images), Moodle XML, GIFT or Aiken."""
    from app.banks.importing import BankImportRejected, apply_import, preview_import, read_bank_file
    from app.banks.services import find_bank
    from app.core.clock import utcnow
    from app.core.spreadsheets import limits
    from app.courses.catalog import ensure_courses, find_course
    from app.extensions import db

    if file.stat().st_size > limits.MAX_FILE_BYTES:
        _fail([_("The file is larger than %(mb)d MiB.", mb=limits.MAX_FILE_BYTES // (1024 * 1024))])
    try:
        courses = ensure_courses()
        course = find_course(course_code)
        if course is None:
            db.session.rollback()
            _fail([_("There is no course with the code %(code)s. Courses: %(codes)s.", code=course_code,
                     codes=", ".join(course.code for course in courses))])
        name = file.stem if bank_name is None else bank_name
        bank_file = read_bank_file(file.read_bytes(), file.name, format=text_format)
        bank = find_bank(course, name) if name.strip() else None
        preview = preview_import(bank, bank_file, bank_name=name, course=course, skip_unsupported=skip_unsupported,
                                 skip_existing=skip_existing)
        _echo_preview(preview, course, verbose)
        if preview.unsupported and not skip_unsupported:
            db.session.rollback()
            _fail([*preview.errors, *preview.unsupported], hint=None if preview.errors else _(
                "--skip-unsupported imports the other %(num)d question(s).", num=len(bank_file.drafts)))
        if preview.errors:
            db.session.rollback()
            _fail(preview.errors)
        if dry_run:
            db.session.rollback()  # the preview only read (and the courses it may have created are not kept)
            click.echo(_("Would import %(num)d question(s):", num=len(preview.to_import)))
            _echo_counts(preview)
            click.echo(_("Dry run: nothing was stored."))
            return
        result = apply_import(SYSTEM, course, preview, now=utcnow(), ip=CLI_ADDRESS)
    except BankImportRejected as rejected:
        db.session.rollback()
        _fail(rejected.preview.errors)
    except click.exceptions.Exit:
        raise
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(_("Imported %(num)d question(s) into %(bank)s:", num=result.created, bank=result.bank.name))
    _echo_counts(preview)
