"""API clients: an HR system's token, stored only as its SHA-256 hash, with the scopes it may read.

A token is `tt_<prefix>_<secret>`: the prefix (public, unique) finds the row, the hash of the whole token is
compared in constant time. Tokens carry 256 random bits, so a fast hash is right (nothing to brute-force);
the token itself is shown once, when the client is created, and never stored or logged.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    created_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def __repr__(self) -> str:
        return f"<ApiClient {self.token_prefix} {self.name}>"
