"""Uploaded files kept on the server between the preview and the confirmation.

The browser only ever holds a token; the confirmation reads the stored bytes again and checks them
afresh. A token is `<id>.<issued>.<mac>`: the MAC (HMAC-SHA256 with the app's secret key) binds the
id and issue time to the user who uploaded, so another account's token is refused without touching
the disk, and the token expires after `UPLOAD_TTL`.

Files live in `<instance>/uploads/<kind>/`. Several workers on one server share that directory; with
several app servers, `instance/` must be on shared storage (or this store moved into the database).
"""

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.core.errors import DomainError, NotFound
from app.core.i18n import lazy_gettext as _l

UPLOAD_TTL = timedelta(hours=1)
_TOKEN = re.compile(r"([A-Za-z0-9_-]{32})\.(\d{1,12})\.([0-9a-f]{32})")


class UploadExpired(DomainError):
    status_code = 410


@dataclass(frozen=True)
class PendingUpload:
    token: str
    data: bytes
    filename: str
    options: dict
    issued: datetime


class PendingUploads:
    def __init__(self, directory: Path, secret: str, *, kind: str, ttl: timedelta = UPLOAD_TTL):
        self.directory = Path(directory)
        self.secret = secret.encode()
        self.kind = kind
        self.ttl = ttl

    @classmethod
    def for_app(cls, app, kind: str) -> "PendingUploads":
        return cls(Path(app.instance_path) / "uploads" / kind, app.config["SECRET_KEY"], kind=kind)

    def _mac(self, ident: str, issued: int, user_id: int) -> str:
        message = f"{self.kind}|{ident}|{issued}|{user_id}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]

    def _paths(self, ident: str) -> tuple[Path, Path]:
        return self.directory / f"{ident}.bin", self.directory / f"{ident}.json"

    def save(self, data: bytes, *, filename: str, options: dict, user_id: int, now: datetime) -> str:
        """Store the bytes; returns the token the preview page hands back on confirmation."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sweep(now)
        ident = secrets.token_urlsafe(24)
        issued = int(now.timestamp())
        meta = {
            "filename": filename,
            "options": options,
            "user_id": user_id,
            "issued": issued,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        data_path, meta_path = self._paths(ident)
        _write_private(data_path, data)
        _write_private(meta_path, json.dumps(meta).encode())
        return f"{ident}.{issued}.{self._mac(ident, issued, user_id)}"

    def load(self, token: str, *, user_id: int, now: datetime) -> PendingUpload:
        """The upload behind `token` if this user made it; NotFound otherwise, UploadExpired when too old."""
        match = _TOKEN.fullmatch(token or "")
        if match is None:
            raise _not_found()
        ident, issued, mac = match.group(1), int(match.group(2)), match.group(3)
        if not hmac.compare_digest(mac, self._mac(ident, issued, user_id)):
            raise _not_found()
        if now.timestamp() - issued > self.ttl.total_seconds():
            self.discard(token)
            raise UploadExpired(_l("The uploaded file has expired (files are kept for %(minutes)d minutes). "
                                   "Upload it again.", minutes=int(self.ttl.total_seconds() // 60)))
        data_path, meta_path = self._paths(ident)
        try:
            meta = json.loads(meta_path.read_bytes())
            data = data_path.read_bytes()
        except (OSError, ValueError):
            raise _not_found() from None
        if meta.get("user_id") != user_id or meta.get("sha256") != hashlib.sha256(data).hexdigest():
            raise _not_found()
        return PendingUpload(token=token, data=data, filename=meta["filename"], options=meta.get("options", {}),
                             issued=datetime.fromtimestamp(issued, UTC))

    def discard(self, token: str) -> None:
        match = _TOKEN.fullmatch(token or "")
        if match is None:
            return
        for path in self._paths(match.group(1)):
            path.unlink(missing_ok=True)

    def sweep(self, now: datetime) -> int:
        """Delete files older than the time-to-live; returns how many were removed."""
        removed = 0
        cutoff = now.timestamp() - self.ttl.total_seconds()
        if not self.directory.is_dir():
            return 0
        for path in self.directory.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    removed += 1
            except OSError:
                continue
        return removed


def _not_found() -> NotFound:
    return NotFound(_l("This upload does not exist, has already been imported, or was made by someone else. "
                       "Upload the file again."))


def _write_private(path: Path, content: bytes) -> None:
    """Write atomically with owner-only permissions."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
