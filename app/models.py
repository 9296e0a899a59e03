"""Imports every domain's models so metadata (and Alembic) sees all tables."""

from app.accounts.models import LoginSession, User, UserRole
from app.audit.models import AuditEvent
from app.org.models import Office, Station, Team

__all__ = ["AuditEvent", "LoginSession", "Office", "Station", "Team", "User", "UserRole"]
