"""Static files under URLs that carry their content's hash, cached by browsers for a year.

`url_for('static', filename=…)` adds `v=<the first 12 hex digits of the file's SHA-256>`. A request whose `v`
is the file's is answered with `Cache-Control: public, max-age=31536000, immutable`: a browser that holds the
page's files fetches nothing on a reload or the next page, and a changed file has a new URL. Without `v`, or
with another (a page rendered before a deploy), the answer may be kept only briefly.

The ETag is the content's hash and no Last-Modified is sent, so servers of one release answer alike whatever
their files' mtimes (Werkzeug's ETag is made of mtime and size). Each file is read and hashed once per process
and served from memory (the folder holds well under a megabyte); an entry is kept while the file's mtime and
size stay the same, so an edited file is read again without a restart.

A static response neither sets the session cookie nor says `Vary: Cookie` (Flask adds it whenever anything,
such as Flask-Login's after-request hook, merely looks at the session): browsers key their cache on a varied
header, and the session cookie changes as people use the site, so the year would be lost at the next page.
"""

import hashlib
import mimetypes
import os
from dataclasses import dataclass

from flask import Flask, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

YEAR = 31536000
LONG_LIVED = f"public, max-age={YEAR}, immutable"
SHORT_LIVED = "public, max-age=60"
VERSION_ARG = "v"
VERSION_LENGTH = 12


@dataclass(frozen=True)
class StaticFile:
    stamp: tuple[int, int]  # mtime_ns, size when read
    body: bytes
    digest: str  # SHA-256, hex
    mimetype: str

    @property
    def version(self) -> str:
        return self.digest[:VERSION_LENGTH]


class StaticFiles:
    """The files of one static folder, read and hashed once per process."""

    def __init__(self, folder: str):
        self.folder = folder
        self._files: dict[str, StaticFile] = {}

    def get(self, filename: str) -> StaticFile | None:
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path):
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        known = self._files.get(path)
        if known is not None and known.stamp == stamp:
            return known
        with open(path, "rb") as file:
            body = file.read()
        read = StaticFile(stamp=stamp, body=body, digest=hashlib.sha256(body).hexdigest(),
                          mimetype=mimetypes.guess_type(path)[0] or "application/octet-stream")
        self._files[path] = read  # two threads reading one file at once store the same thing
        return read


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left out of static responses (a static request never changes the session)."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def register(app: Flask) -> None:
    """Serve `static` from memory with hashed URLs; templates keep calling url_for('static', filename=…)."""
    if not app.has_static_folder:
        return
    files = StaticFiles(app.static_folder)
    app.extensions["static_files"] = files

    @app.url_defaults
    def _add_version(endpoint, values):
        if endpoint != "static" or VERSION_ARG in values:
            return
        found = files.get(values.get("filename") or "")
        if found is not None:
            values[VERSION_ARG] = found.version

    def serve_static(filename: str):
        found = files.get(filename)
        if found is None:
            abort(404)
        response = current_app.response_class(found.body, mimetype=found.mimetype)
        response.set_etag(found.digest)
        long_lived = request.args.get(VERSION_ARG) == found.version
        response.headers["Cache-Control"] = LONG_LIVED if long_lived else SHORT_LIVED
        return response.make_conditional(request)

    app.view_functions["static"] = serve_static
    app.session_interface = SessionInterface()
