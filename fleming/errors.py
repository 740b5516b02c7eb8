"""The one small hierarchy of domain errors.

Services raise these; pages turn them into a message next to the field (``ValidationError``)
or a banner (the others). Messages are translation keys or already-translated text in Italian.
"""

from __future__ import annotations

from datetime import datetime


class FlemingError(Exception):
    """Base class of every error a service raises on purpose."""


class ValidationError(FlemingError):
    """Bad input for one field. ``field`` names the form field; ``message`` is for the user."""

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.params = params


class ValidationWarning(ValidationError):
    """Input that is probably wrong but may be right (a namesake, a centenarian): it is saved
    once the user ticks the confirmation named ``confirm``, and refused until then."""

    def __init__(self, field: str, message: str, *, confirm: str, **params: object) -> None:
        super().__init__(field, message, **params)
        self.confirm = confirm


class ValidationErrors(FlemingError):
    """Several field errors found together, so a form can show all of them at once."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, ValidationError]:
        out: dict[str, ValidationError] = {}
        for e in self.errors:
            out.setdefault(e.field, e)
        return out


class PermissionDenied(FlemingError):
    """The actor may not do this. The attempt is audited by the service that raises it."""


class NotFound(FlemingError):
    """The record does not exist (or the actor may not know that it exists)."""


class Conflict(FlemingError):
    """Someone else saved the record first (stale ``version``) or a uniqueness rule was hit."""


class AccountLocked(FlemingError):
    """Too many failed logins on this username; ``until`` says when the lock ends."""

    def __init__(self, username: str, until: datetime | None) -> None:
        super().__init__(f"{username} locked until {until}")
        self.username = username
        self.until = until
