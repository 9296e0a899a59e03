"""Routes of the banks blueprint: importing a bank file from the web, and exporting a bank.

Import: upload → preview (parsed and checked, nothing written; the file is kept on the server under a
token tied to the uploader) → confirm (the stored file is read and checked again against the bank as it
is then, and stored all or nothing, one commit) → the bank's page. As the roster import does. The
confirmation carries the trainer's two choices: import the questions other than those of unsupported
types (the button says so, and is the only way past them), and skip the questions other banks of the
course already have (a checkbox, ticked by default).

Export: a page to choose the format, then a download (GET: it changes nothing but the audit log, which
records every export); the download needs a recent login, as every export does.
"""

import base64
from types import SimpleNamespace

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.banks import browsing, permissions, registry
from app.banks.drafts import Draft
from app.banks.exporting import FORMATS, export_bank
from app.banks.forms import (
    EXPORT_FORMATS,
    ImportConfirmForm,
    ImportForm,
    type_labels,
)
from app.banks.importing import (
    FORMAT_LABELS,
    BankImportRejected,
    ImportPreview,
    import_bank,
    preview_import,
    read_bank_file,
)
from app.banks.keys import key_of
from app.banks.models import Bank
from app.banks.services import find_bank
from app.banks.views import bp
from app.banks.views.loading import managed_bank
from app.core.clock import utcnow
from app.core.downloads import content_disposition
from app.core.loading import load_or_404, require
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.roles import Role
from app.core.writes import commit_or_report
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from app.uploads.services import consume_upload, find_upload, keep_upload

UPLOAD_KIND = "bank"
PREVIEW_QUESTIONS = 50  # questions shown as candidates will see them; the counts cover every one
FILENAME_MAX = 200


def _display_name(filename: str | None) -> str:
    """The file's own name (no client path), printable, for pages and the audit log."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:FILENAME_MAX] or "upload"


def _import_form(**kwargs) -> ImportForm:
    return ImportForm(courses=browsing.course_choices(), banks=browsing.visible_banks(current_user), **kwargs)


def _target(options: dict) -> tuple[str, Bank | None, str]:
    """(course code, existing bank or None, bank name) the stored options name; 403 for a bank the user
    may not manage, 404 for one that is gone."""
    bank = None
    if options.get("bank_id"):
        bank = load_or_404(Bank, options["bank_id"], allowed=permissions.can_manage_bank)
        return bank.course.code, bank, bank.name
    course = find_course(options.get("course", ""))
    name = options.get("bank_name", "")
    if course is not None:
        bank = find_bank(course, name) if name.strip() else None
        if bank is not None and not permissions.can_manage_bank(current_user, bank):
            abort(403)
    return options.get("course", ""), bank, bank.name if bank is not None else name


def _preview(data: bytes, filename: str, options: dict) -> ImportPreview:
    """What the import would do with the default choices (questions other banks have are skipped)."""
    file = read_bank_file(data, filename, format=options.get("format", "auto"))
    code, bank, name = _target(options)
    return preview_import(bank, file, bank_name=None if bank is not None else name, course=find_course(code),
                          skip_existing=True, managed_bank_ids=_managed_bank_ids())


def _managed_bank_ids() -> set[int]:
    """The banks whose questions the importer may read: what the preview may say about them."""
    return {bank.id for bank in browsing.visible_banks(current_user)}


def _shown(draft: Draft, preview: ImportPreview):
    """A draft as candidates will see it once stored (a version-like object for the registry)."""
    kind = registry.get(draft.type)
    version = SimpleNamespace(
        type=str(kind.type), stem=draft.stem, options=list(draft.options) if kind.has_options else [],
        key=key_of(draft), points=draft.points if draft.points is not None else kind.default_points,
        explanation=draft.explanation,
    )
    image = preview.images.get(draft.image) if draft.image else None
    url = None
    if image is not None:  # not stored yet: shown inline (CSP allows data: images)
        url = f"data:{image.content_type};base64,{base64.b64encode(image.data).decode('ascii')}"
    return kind.present(version, image_url=url)


def _render_preview(preview: ImportPreview, options: dict, *, token: str | None, status: int = 200,
                    rejected: bool = False):
    course = find_course(options.get("course", ""))
    return render_template(
        "banks/import_preview.html", preview=preview, token=token, rejected=rejected,
        confirm_form=ImportConfirmForm(formdata=None), course=course, type_labels=type_labels(),
        format_labels=FORMAT_LABELS, questions=[_shown(d, preview) for d in preview.to_import[:PREVIEW_QUESTIONS]],
        preview_limit=PREVIEW_QUESTIONS,
    ), status


@bp.route("/banks/import", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.TRAINER)
def import_upload():
    require(permissions.can_create_bank(current_user))
    chosen = request.args.get("bank", "")
    form = _import_form(data={"bank": chosen} if chosen.isdigit() else None)
    if not form.validate_on_submit():
        return render_template("banks/import.html", form=form), 400 if form.is_submitted() else 200
    options = {"format": form.text_format.data, "course": form.course.data, "bank_id": None, "bank_name": ""}
    if form.bank.data:
        bank = db.session.get(Bank, int(form.bank.data))
        if bank is None or not permissions.can_manage_bank(current_user, bank):
            abort(403)
        options.update(course=bank.course.code, bank_id=bank.id)
    else:
        name = (form.new_bank.data or "").strip()
        if not name:
            form.new_bank.errors = [_("Choose a bank, or enter the name of a new one.")]
            return render_template("banks/import.html", form=form), 400
        course = find_course(form.course.data)
        existing = find_bank(course, name) if course is not None else None
        if existing is not None and not permissions.can_manage_bank(current_user, existing):
            form.new_bank.errors = [_("Course %(course)s already has a bank named %(name)s, owned by other "
                                      "trainers. Choose another name.", course=existing.course.name, name=name)]
            return render_template("banks/import.html", form=form), 400
        options["bank_name"] = name
    data = form.file.data.read()
    filename = _display_name(form.file.data.filename)
    preview = _preview(data, filename, options)
    if not preview.ok:
        return _render_preview(preview, options, token=None, status=422)
    token = keep_upload(data, kind=UPLOAD_KIND, filename=filename, options=options, owner=current_user,
                        now=utcnow())
    db.session.commit()
    return _render_preview(preview, options, token=token)


@bp.get("/banks/import/<bank_token>")
@allow(Role.ADMIN, Role.TRAINER)
def import_preview(bank_token: str):
    """The preview of a stored upload again (after a reload)."""
    upload = find_upload(bank_token, kind=UPLOAD_KIND, owner=current_user, now=utcnow())
    preview = _preview(upload.data, upload.filename, upload.options)
    return _render_preview(preview, upload.options, token=bank_token if preview.ok else None)


@bp.post("/banks/import/<bank_token>")
@allow(Role.ADMIN, Role.TRAINER)
def import_confirm(bank_token: str):
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    upload = find_upload(bank_token, kind=UPLOAD_KIND, owner=current_user, now=now)
    options = dict(upload.options)
    code, _bank, name = _target(options)
    file = read_bank_file(upload.data, upload.filename, format=options.get("format", "auto"))
    try:
        consume_upload(upload)  # first, so a second confirmation of the same file imports nothing
        ensure_courses()
        course = find_course(code)
        if course is None:
            abort(404)
        result = import_bank(current_user, course, name, file, now=now, ip=client_ip(),
                             skip_unsupported=form.skip_unsupported.data, skip_existing=form.skip_existing.data,
                             managed_bank_ids=_managed_bank_ids())
    except BankImportRejected as rejected:
        db.session.rollback()
        consume_upload(find_upload(bank_token, kind=UPLOAD_KIND, owner=current_user, now=now))
        db.session.commit()
        return _render_preview(rejected.preview, options, token=None, status=422, rejected=True)
    except IntegrityError:  # the same bank was created by someone else a moment ago
        db.session.rollback()
        flash(_("Someone changed the banks at the same time. Check the preview again, then confirm."), "warning")
        return redirect(url_for("banks.import_preview", bank_token=bank_token))
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    flash(_("%(created)d questions were imported into %(bank)s and %(updated)d updated (new versions); "
            "%(skipped)d questions were skipped.", created=result.created, bank=result.bank.name,
            updated=result.updated,
            skipped=result.skipped_duplicates + result.skipped_existing + result.skipped_unsupported), "success")
    return redirect(url_for("banks.bank_detail", bank_id=result.bank.id), code=303)


@bp.post("/banks/import/<bank_token>/discard")
@allow(Role.ADMIN, Role.TRAINER)
def import_discard(bank_token: str):
    if not ImportConfirmForm().validate_on_submit():
        abort(400)
    consume_upload(find_upload(bank_token, kind=UPLOAD_KIND, owner=current_user, now=utcnow()))
    db.session.commit()
    flash(_("The uploaded file was discarded; nothing was imported."), "info")
    return redirect(url_for("banks.import_upload"))


@bp.get("/banks/<int:bank_id>/export")
@allow(Role.ADMIN, Role.TRAINER)
def export_page(bank_id: int):
    bank = managed_bank(bank_id)
    return render_template("banks/export.html", bank=bank, counts=browsing.bank_counts(bank),
                           export_formats=EXPORT_FORMATS)


@bp.get("/banks/<int:bank_id>/export/<any(csv, xlsx, gift):fmt>")
@allow(Role.ADMIN, Role.TRAINER, fresh=True)
def export_download(bank_id: int, fmt: str):
    bank = managed_bank(bank_id)
    if fmt not in FORMATS:
        abort(404)
    exported = commit_or_report(lambda: export_bank(
        current_user, bank, fmt, include_retired=request.args.get("retired") in ("1", "y", "on"), now=utcnow(),
        ip=client_ip(), gift_left_out_note=_("Not exported (GIFT allows one blank per question):")))
    if not exported:
        return redirect(url_for("banks.export_page", bank_id=bank.id))
    export = exported.value
    response = make_response(export.data)
    response.headers["Content-Type"] = export.mimetype
    response.headers["Content-Disposition"] = content_disposition(export.filename)
    response.headers["Cache-Control"] = "no-store"
    return response

