"""Domain errors raised by services; one handler module turns them into pages or form errors."""


class DomainError(Exception):
    """A rule of the domain refused the operation; `message` is already translated (lazy)."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
