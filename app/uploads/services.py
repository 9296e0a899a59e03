"""Keeping, finding and using up pending uploads. The browser holds only a random token; the
database keeps its hash. Services flush, never commit."""

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete

from app.core.errors import DomainError, NotFound
from app.core.i18n import lazy_gettext as _l
from app.core.tokens import hash_token
from app.extensions import db
from app.uploads.models import PendingUpload

UPLOAD_TTL = timedelta(hours=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class UploadExpired(DomainError):
    status_code = 410


def _not_found() -> NotFound:
    return NotFound(_l("This upload does not exist, has already been imported, or was made by someone else. "
                       "Upload the file again."))


def keep_upload(data: bytes, *, kind: str, filename: str, options: dict, owner, now: datetime) -> str:
    """Store the file for `owner`; returns the token the preview page sends back on confirmation."""
    sweep_uploads(now)
    token = secrets.token_urlsafe(32)
    db.session.add(PendingUpload(token_hash=hash_token(token), kind=kind, owner_id=owner.id, filename=filename[:255],
                                 options=options, data=data, created_at=now))
    db.session.flush()
    return token


def find_upload(token: str, *, kind: str, owner, now: datetime) -> PendingUpload:
    """The upload behind `token`, if `owner` made it; NotFound otherwise, UploadExpired when too old."""
    if not _TOKEN.fullmatch(token or ""):
        raise _not_found()
    upload = db.session.scalar(
        db.select(PendingUpload).where(PendingUpload.token_hash == hash_token(token), PendingUpload.kind == kind)
    )
    if upload is None or upload.owner_id != owner.id:
        raise _not_found()
    if now - upload.created_at > UPLOAD_TTL:
        raise UploadExpired(_l("The uploaded file has expired (files are kept for %(minutes)d minutes). "
                               "Upload it again.", minutes=int(UPLOAD_TTL.total_seconds() // 60)))
    return upload


def consume_upload(upload: PendingUpload) -> None:
    """Remove the upload as part of the import that uses it; a second confirmation (double click,
    another tab) finds it gone and imports nothing."""
    removed = db.session.execute(
        delete(PendingUpload).where(PendingUpload.id == upload.id).execution_options(synchronize_session=False)
    ).rowcount
    if removed != 1:
        raise _not_found()


def sweep_uploads(now: datetime) -> int:
    """Delete uploads older than the time-to-live; returns how many."""
    return db.session.execute(
        delete(PendingUpload).where(PendingUpload.created_at < now - UPLOAD_TTL)
        .execution_options(synchronize_session=False)
    ).rowcount
