"""`flask --app wsgi banks import FILE --course CODE [--bank NAME] [--dry-run] [--format auto|gift|aiken]`.

The command line acts as the system (audit actor empty, address "cli"). It prints the questions of each
type it imported (or would import, with --dry-run) and the duplicates it skipped; on errors it prints
one "Row N, column X: …" (or "Question N (…): …") line each to stderr, exits 1 and stores nothing.
The four courses are created when missing, as by `flask demo`.
"""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.accounts.actors import SYSTEM

banks = AppGroup("banks", help="Question banks: import.")

CLI_ADDRESS = "cli"


def _fail(errors) -> None:
    for issue in errors:
        click.echo(str(issue), err=True)
    click.echo(_("Nothing was imported: %(num)d problem(s) found.", num=len(errors)), err=True)
    raise click.exceptions.Exit(1)


def _echo_counts(preview) -> None:
    for kind, count in preview.per_type.items():
        click.echo(f"  {kind}: {count}")


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
@click.option("--verbose", "-v", is_flag=True, help="List every note (duplicates skipped …), not only the first ones.")
def import_command(file: Path, course_code: str, bank_name: str | None, dry_run: bool, text_format: str,
                   verbose: bool) -> None:
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
        preview = preview_import(bank, bank_file, bank_name=name)
        _echo_preview(preview, course, verbose)
        if preview.errors:
            db.session.rollback()
            _fail(preview.errors)
        if dry_run:
            db.session.rollback()  # the preview only read (and the courses it may have created are not kept)
            click.echo(_("Would import %(num)d question(s):", num=len(preview.to_import)))
            _echo_counts(preview)
            click.echo(_("Duplicates skipped: %(num)d", num=preview.skipped))
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
    click.echo(_("Duplicates skipped: %(num)d", num=result.skipped_duplicates))
