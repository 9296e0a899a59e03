"""The one place that turns HTTP and domain errors into pages (or JSON for API/XHR callers)."""

from flask import jsonify, render_template, request
from flask_babel import format_decimal
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("Not allowed"), _l("Your account does not have permission to open this page.")),
    404: (_l("Not found"), _l("This page does not exist, or it has been removed.")),
    405: (_l("Not allowed"), _l("This address cannot be used that way.")),
    409: (_l("Conflict"), _l("Someone changed this at the same time. Reload and try again.")),
    413: (_l("File too large"), _l("The upload is too large. Split it or shrink it, then try again.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("The server hit an error. Your data is safe; try again, and tell an administrator if it keeps happening.")),
}


# Stable machine-readable codes for JSON callers (the API's HR systems branch on these, not on text).
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
}


def wants_json() -> bool:
    """The API, and callers that prefer JSON to HTML (the exam page's fetches)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def size_label(size: int) -> str:
    """A byte count in the largest unit that does not round it to zero: 16 MiB, 512 KiB, 100 B."""
    for factor, unit in ((1024 * 1024, "MiB"), (1024, "KiB")):
        if size >= factor:
            return f"{format_decimal(round(size / factor, 1))} {unit}"
    return f"{format_decimal(size)} B"


def render_error(status: int, detail=None, *, code: str | None = None, parameter: str | None = None,
                 headers: dict | None = None):
    """The error page, or for JSON callers `{"error": {"status", "code", "title", "message"[, "parameter"]}}`."""
    from flask import current_app

    title, message = MESSAGES.get(status, MESSAGES[500])
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if status == 413 and limit:
        message = _l(
            "The upload is larger than the %(size)s limit. Split it or shrink it, then try again.",
            size=size_label(limit),
        )
    if detail:
        message = detail
    if wants_json():
        body = {"status": status, "code": code or CODES.get(status, "error"), "title": str(title),
                "message": str(message)}
        if parameter:
            body["parameter"] = parameter
        return jsonify(error=body), status, headers or {}
    return render_template("error.html", status=status, title=title, message=message), status, headers or {}


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(
            400, _l("The form has expired or was sent from another page. Reload the page and try again.")
        )

    @app.errorhandler(DomainError)
    def _domain(error):
        # API errors carry a code, the query parameter at fault and headers such as WWW-Authenticate.
        return render_error(error.status_code, error.message, code=getattr(error, "code", None),
                            parameter=getattr(error, "parameter", None), headers=getattr(error, "headers", None))

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code in MESSAGES:
            # Keep what the exception says besides its page, such as a 405's Allow (RFC 9110 §15.5.6).
            headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
            return render_error(error.code, headers=headers)
        return error

    app.register_error_handler(Exception, unexpected_error)


def unexpected_error(error):
    """500: the traceback goes to the log with the request id the page shows, so a quoted id finds it."""
    from flask import current_app

    from app.core.request_log import request_id

    current_app.logger.exception("Unhandled error on %s %s (request_id=%s)", request.method, request.path,
                                 request_id())
    return render_error(InternalServerError.code)
