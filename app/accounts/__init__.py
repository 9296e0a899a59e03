"""Users, roles, login, passwords and server-side sessions."""
