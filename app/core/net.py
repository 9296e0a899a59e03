"""The client's address, as ProxyFix (configured hop count) has resolved it."""

from flask import request


def client_ip() -> str:
    """Used for throttling and audit; X-Forwarded-For is trusted only via ProxyFix."""
    return request.remote_addr or "unknown"
