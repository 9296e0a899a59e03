"""API errors; app.core.error_handlers renders them as `{"error": {"status", "code", "title", "message",
"parameter"?}}` with the message translated for the caller (Accept-Language, else the app's default)."""

from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l

REALM = 'Bearer realm="api"'


class ApiError(DomainError):
    code = "bad_request"
    parameter: str | None = None
    headers: dict | None = None


class InvalidParameter(ApiError):
    """A query parameter the API cannot use; `parameter` names it."""

    status_code = 400
    code = "invalid_parameter"

    def __init__(self, parameter: str, message):
        super().__init__(message, field=parameter)
        self.parameter = parameter


class TokenMissing(ApiError):
    status_code = 401
    code = "token_required"
    headers = {"WWW-Authenticate": REALM}

    def __init__(self):
        super().__init__(_l("This API needs a token: send the header Authorization: Bearer <token>."))


class TokenInvalid(ApiError):
    """Unknown, garbled or revoked: the answer does not say which."""

    status_code = 401
    code = "invalid_token"
    headers = {"WWW-Authenticate": f'{REALM}, error="invalid_token"'}

    def __init__(self):
        super().__init__(_l("The API token is not valid or has been revoked."))


class TooManyFailedTokens(ApiError):
    """An address that keeps sending no token or a bad one is slowed down before any token is looked at."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int):
        super().__init__(_l("Too many requests without a valid token from this address. Wait a minute, then try "
                            "again."))
        self.headers = {"Retry-After": str(retry_after)}


class ScopeMissing(ApiError):
    status_code = 403
    code = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__(_l("This token may not read this resource; it needs the scope %(scope)s.", scope=scope))
        self.headers = {"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'}


class ApiNotFound(ApiError):
    status_code = 404
    code = "not_found"
