"""Imports every domain's models so metadata (and Alembic) sees all tables."""

from app.accounts.models import LoginSession, User, UserRole
from app.audit.models import AuditEvent
from app.org.models import Office, Station, Team
from app.uploads.models import PendingUpload

__all__ = ["AuditEvent", "LoginSession", "Office", "PendingUpload", "Station", "Team", "User", "UserRole"]
