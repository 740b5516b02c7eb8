"""The logged-in user as services see it: a small frozen value, never an ORM object."""

from __future__ import annotations

from dataclasses import dataclass

from fleming.models import STAFF_ROLES, Role


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    full_name: str
    role: Role
    partner_org_id: int | None = None
    partner_org_name: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


SYSTEM = Actor(id=0, username="system", full_name="Fleming", role=Role.ADMIN)
"""The actor of command-line maintenance (``init``, ``demo``); audited as user ``system``."""
