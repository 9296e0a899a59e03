"""Downloads (CSV or XLSX): the results of one exam, every result, one person's transcript.

Each needs a fresh login (docs/security.md §3) and writes an audit row before the file leaves
(docs/security.md §33).
"""

from flask import abort
from flask_login import current_user

from app.accounts.models import User
from app.core.clock import utcnow
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.roles import Role
from app.exams.models import Exam
from app.extensions import db
from app.reports import exports, permissions, tables
from app.reports.permissions import RESULT_EXPORTERS
from app.reports.views import bp


def send(report: exports.Report, fmt: str):
    """Write (XLSX) or prepare (CSV) the file, record the download, commit once, stream it."""
    sent = tables.download(report.columns, report.rows(), fmt, filename=report.filename, title=report.title)
    rows = sent.rows if sent.rows is not None else report.count()
    exports.record_export(current_user, report, fmt, rows, ip=client_ip(), now=utcnow())
    db.session.commit()
    return sent.response


@bp.get("/reports/exams/<int:exam_id>/results.<any(csv, xlsx):fmt>")
@allow(Role.ADMIN, Role.HR, Role.TRAINER, fresh=True)
def exam_results(exam_id: int, fmt: str):
    exam = load_or_404(Exam, exam_id, allowed=permissions.can_export_exam_results)
    return send(exports.exam_results(current_user, exam, now=utcnow()), fmt)


@bp.get("/reports/results.<any(csv, xlsx):fmt>")
@allow(*RESULT_EXPORTERS, fresh=True)
def all_results(fmt: str):
    return send(exports.all_results(now=utcnow()), fmt)


@bp.get("/reports/staff/<int:user_id>/transcript.<any(csv, xlsx):fmt>")
@allow(*RESULT_EXPORTERS, Role.COLLECTOR, fresh=True)
def transcript(user_id: int, fmt: str):
    person = db.get_or_404(User, user_id)
    if not permissions.can_export_transcript(current_user, person):
        abort(404)  # someone else's records: as if they did not exist (docs/security.md §9)
    return send(exports.transcript(current_user, person, now=utcnow()), fmt)
