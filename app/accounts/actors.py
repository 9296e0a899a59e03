"""Who acts when no one is signed in: commands run on the server (create-admin, demo, staff import).

Whoever runs them already controls the database, so the services' admin-only checks let SYSTEM
through; audit rows get no actor and the address the command passes ("cli", "demo").
"""

from app.accounts.models import User


class SystemActor:
    id = None
    staff_no = ""
    name = "system"

    def has_role(self, *roles) -> bool:
        return True


SYSTEM = SystemActor()

Actor = User | SystemActor
