"""`flask --app wsgi exams close-overdue`: submit every open attempt past its deadline + grace (safe from cron).

Each attempt is closed with its last saved answers and graded, exactly as on the candidate's next access.
Running it again closes nothing more; two runs at once are safe because a submit is a conditional
UPDATE … WHERE status = 'in_progress' (docs/security.md §13, §14, §31): only one of them closes a given attempt.
"""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.exams.states import SubmittedHow

exams = AppGroup("exams", help="Exams: close overdue attempts.")

CLI_ADDRESS = "cli"


@exams.command("close-overdue")
def close_overdue_command() -> None:
    """Close every open attempt past its deadline plus the grace period, with its saved answers."""
    from app.core.clock import utcnow
    from app.exams.attempts import close_overdue
    from app.extensions import db

    grace = timedelta(seconds=current_app.config.get("EXAM_GRACE_SECONDS", 30))
    try:
        closed = close_overdue(now=utcnow(), grace=grace, ip=CLI_ADDRESS, how=SubmittedHow.SWEEP)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(_("Closed %(num)d overdue attempt(s).", num=closed))
