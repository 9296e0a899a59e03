"""Routes of the org blueprint: roster import (admin and HR).

Upload → preview (parse and check, nothing written; the file is kept on the server under a token
tied to the uploader) → confirm (the stored file is read and checked again, then applied all or
nothing, one commit) → result page (read from the import's audit event).
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.loading import load_or_404
from app.core.net import client_ip
from app.core.permissions import allow, login_is_fresh
from app.core.roles import ROLE_LABELS
from app.extensions import db
from app.org import permissions
from app.org.permissions import STAFF_MANAGERS
from app.org.roster import (
    ACTION_LABELS,
    FIELD_LABELS,
    ROSTER_MAX_ROWS,
    RosterPreview,
    RosterRejected,
    apply_preview,
    preview_roster,
)
from app.org.roster.columns import COLUMNS
from app.org.roster_forms import RosterConfirmForm, RosterUploadForm
from app.org.views import bp
from app.uploads.services import consume_upload, find_upload, keep_upload

PREVIEW_ROWS_SHOWN = 1000  # rows listed on the preview page; the counts cover every row
FILENAME_MAX = 200
UPLOAD_KIND = "roster"


def _display_name(filename: str | None) -> str:
    """The file's own name (no client path), printable, for pages and the audit log."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:FILENAME_MAX] or "upload"


def _preview(data: bytes, filename: str, create_missing: bool) -> RosterPreview:
    return preview_roster(data, filename, actor=current_user, create_missing=create_missing)


def _render_preview(preview: RosterPreview, *, token: str | None, status: int = 200, rejected: bool = False):
    return render_template(
        "org/roster_preview.html",
        preview=preview,
        token=token,
        rejected=rejected,
        confirm_form=RosterConfirmForm(),
        upload_form=RosterUploadForm(formdata=None, create_missing=preview.create_missing),
        rows_shown=preview.rows[:PREVIEW_ROWS_SHOWN],
        action_labels=ACTION_LABELS,
        field_labels=FIELD_LABELS,
        role_labels=ROLE_LABELS,
        needs_fresh_login=preview.changes_roles and not login_is_fresh(),
        max_rows=ROSTER_MAX_ROWS,
        may_change_roles=permissions.can_change_roles(current_user),
    ), status


def _render_upload(form, status: int = 200):
    return render_template("org/roster_import.html", form=form, columns=COLUMNS,
                           max_rows=ROSTER_MAX_ROWS,
                           may_change_roles=permissions.can_change_roles(current_user)), status


@bp.route("/staff/import", methods=["GET", "POST"])
@allow(*STAFF_MANAGERS)
def roster_import():
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _render_upload(form, 400 if form.is_submitted() else 200)
    data = form.file.data.read()
    filename = _display_name(form.file.data.filename)
    create_missing = bool(form.create_missing.data)
    preview = _preview(data, filename, create_missing)
    if not preview.ok:
        return _render_preview(preview, token=None, status=422)
    token = keep_upload(data, kind=UPLOAD_KIND, filename=filename, options={"create_missing": create_missing},
                        owner=current_user, now=utcnow())
    db.session.commit()
    return _render_preview(preview, token=token)


@bp.get("/staff/import/<token>")
@allow(*STAFF_MANAGERS)
def roster_preview(token: str):
    """The preview of a stored upload again (after a password confirmation, or a reload)."""
    upload = find_upload(token, kind=UPLOAD_KIND, owner=current_user, now=utcnow())
    preview = _preview(upload.data, upload.filename, bool(upload.options.get("create_missing")))
    return _render_preview(preview, token=token if preview.ok else None)


@bp.post("/staff/import/<token>")
@allow(*STAFF_MANAGERS)
def roster_confirm(token: str):
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    upload = find_upload(token, kind=UPLOAD_KIND, owner=current_user, now=now)
    preview = _preview(upload.data, upload.filename, bool(upload.options.get("create_missing")))
    if preview.ok and preview.changes_roles and not login_is_fresh():
        flash(_("Giving or changing roles needs a recent login. Confirm your password, then confirm the "
                "import again."), "warning")
        return redirect(url_for("accounts.confirm_password", next=url_for("org.roster_preview", token=token)))
    try:
        consume_upload(upload)  # first, so a second confirmation of the same file imports nothing
        result = apply_preview(preview, actor=current_user, ip=client_ip(), now=now)
    except RosterRejected as rejected:
        db.session.rollback()
        consume_upload(upload)
        db.session.commit()
        return _render_preview(rejected.preview, token=None, status=422, rejected=True)
    except IntegrityError:  # another request created the same staff, station or team a moment ago
        db.session.rollback()
        flash(_("Someone changed the staff list at the same time. Check the preview again, then confirm."),
              "warning")
        return redirect(url_for("org.roster_preview", token=token))
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return redirect(url_for("org.roster_result", event_id=result.event_id), code=303)


@bp.post("/staff/import/<token>/discard")
@allow(*STAFF_MANAGERS)
def roster_discard(token: str):
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    consume_upload(find_upload(token, kind=UPLOAD_KIND, owner=current_user, now=utcnow()))
    db.session.commit()
    flash(_("The uploaded file was discarded; nothing was imported."), "info")
    return redirect(url_for("org.roster_import"))


@bp.get("/staff/import/results/<int:event_id>")
@allow(*STAFF_MANAGERS)
def roster_result(event_id: int):
    event = load_or_404(AuditEvent, event_id)
    if event.action != actions.ROSTER_IMPORTED:
        abort(404)
    return render_template("org/roster_result.html", event=event, details=event.details)
