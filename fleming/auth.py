"""Accounts, password hashes and the persistent login lock.

streamlit-authenticator draws the login form and checks the bcrypt hash; everything it does not
do is here: the accounts live in the database, 5 failed attempts lock a username for 15 minutes
(persisted, so a new browser does not reset it), and every login is audited.

The login never tells whether a username exists: a name with no account gets the same messages,
the same lock after 5 failures (counted per typed name in ``UNKNOWN_NAMES``, a bounded store whose
entries expire) and the same time, a bcrypt check against a dummy hash. Failures are forgotten
``LOCK_MINUTES`` after the last one, for accounts and unknown names alike.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import bcrypt
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming import audit
from fleming.actor import Actor
from fleming.errors import AccountLocked, Conflict, NotFound, ValidationError
from fleming.models import PartnerOrganisation, Role, User, utcnow
from fleming.permissions import authorize

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


@cache
def _dummy_hash() -> bytes:
    """A bcrypt hash of nothing anyone types, at the cost of a real one (12 rounds)."""
    return bcrypt.hashpw(b"no account has this password", bcrypt.gensalt(rounds=12))


def dummy_password_check(password: str | None) -> None:
    """Spend the time a password check takes, for a username with no account (or an inactive
    one, which the login form does not know either): the answer's timing says nothing."""
    bcrypt.checkpw((password or "").encode("utf-8")[:72], _dummy_hash())


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def validate_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise ValidationError(
            "username",
            "auth.error.username_format",
        )
    return name


def validate_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", "auth.error.password_short", n=MIN_PASSWORD_LENGTH)
    if len(password.encode("utf-8")) > 72:
        raise ValidationError("password", "auth.error.password_long")
    return password


def actor_from_user(user: User) -> Actor:
    return Actor(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        partner_org_id=user.partner_org_id,
        partner_org_name=user.partner_org.name if user.partner_org else None,
    )


def get_actor(*, session: Session, username: str) -> Actor:
    user = session.scalar(
        select(User).where(User.username == normalise_username(username), User.active)
    )
    if user is None:
        raise NotFound(username)
    return actor_from_user(user)


def insert_user(
    *,
    session: Session,
    username: str,
    full_name: str,
    password_hash: str,
    role: Role,
    partner_org_id: int | None = None,
    email: str | None = None,
) -> User:
    """Insert an account without policy checks (used by ``create_user`` and the demo data)."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("auth.error.username_taken")
    user = User(
        username=username,
        full_name=full_name,
        password_hash=password_hash,
        role=role,
        partner_org_id=partner_org_id,
        email=email,
    )
    session.add(user)
    session.flush()
    return user


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    full_name: str,
    password: str,
    role: Role | str,
    partner_org_id: int | None = None,
    email: str | None = None,
) -> User:
    """Create an account (admin only); partner users belong to exactly one organisation."""
    authorize(session=session, actor=actor, operation="users.create")
    name = validate_username(username)
    if not (full_name or "").strip():
        raise ValidationError("full_name", "error.required")
    validate_password(password)
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError("role", "auth.error.role_unknown") from None
    if role is Role.PARTNER:
        if partner_org_id is None or session.get(PartnerOrganisation, partner_org_id) is None:
            raise ValidationError("partner_org_id", "auth.error.partner_required")
    else:
        partner_org_id = None
    user = insert_user(
        session=session,
        username=name,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        partner_org_id=partner_org_id,
        email=(email or "").strip() or None,
    )
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        changes=audit.snapshot(user),
    )
    return user


def credentials(*, session: Session) -> dict:
    """The credentials dict streamlit-authenticator expects, built from the active accounts.

    A fresh dict each call: the library mutates what it is given.
    """
    users = session.scalars(select(User).where(User.active)).all()
    return {
        "usernames": {
            u.username: {
                "name": u.full_name,
                "email": u.email or f"{u.username}@fleming.invalid",
                "password": u.password_hash,
                "roles": [u.role.value],
                "failed_login_attempts": 0,
                "logged_in": False,
            }
            for u in users
        }
    }


@dataclass(frozen=True)
class LockState:
    locked: bool
    until: datetime | None
    failed_attempts: int


FAILURE_WINDOW = timedelta(minutes=LOCK_MINUTES)
"""Failures older than this (after the last one) are forgotten: 5 within it lock the name."""


class UnknownNames:
    """Failed logins of typed usernames that have no account, counted like an account's.

    Bounded: at most ``max_entries`` names (the least recently tried dropped first); expiring:
    a name is forgotten ``FAILURE_WINDOW`` after its last attempt, or when its lock ends. So a
    million typed names cost at most ``max_entries`` small entries. Per process: a restart
    forgets them (an account's count is in the database).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[int, datetime, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _live(self, name: str, now: datetime) -> tuple[int, datetime, datetime | None] | None:
        entry = self._entries.get(name)
        if entry is None:
            return None
        _, last, until = entry
        if (until is not None and until <= now) or (until is None and now - last > FAILURE_WINDOW):
            del self._entries[name]
            return None
        return entry

    def state(self, name: str, now: datetime) -> LockState:
        with self._lock:
            entry = self._live(name, now)
        if entry is None:
            return LockState(False, None, 0)
        failed, _, until = entry
        return LockState(until is not None, until, failed)

    def fail(self, name: str, now: datetime) -> LockState:
        with self._lock:
            entry = self._live(name, now)
            failed = (entry[0] if entry else 0) + 1
            until = None
            if failed >= MAX_FAILED_ATTEMPTS:
                failed, until = 0, now + timedelta(minutes=LOCK_MINUTES)
            self._entries[name] = (failed, now, until)
            self._entries.move_to_end(name)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return LockState(until is not None, until, failed)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


UNKNOWN_NAMES = UnknownNames()


def lock_state(*, session: Session, username: str, now: datetime | None = None) -> LockState:
    now = now or utcnow()
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        return UNKNOWN_NAMES.state(name, now)
    locked = user.locked_until is not None and user.locked_until > now
    return LockState(locked, user.locked_until if locked else None, user.failed_attempts)


def ensure_not_locked(*, session: Session, username: str, now: datetime | None = None) -> None:
    state = lock_state(session=session, username=username, now=now)
    if state.locked:
        raise AccountLocked(normalise_username(username), state.until)


def record_login(
    *, session: Session, username: str, success: bool, now: datetime | None = None
) -> LockState:
    """Count a login attempt; the 5th consecutive failure locks the username for 15 minutes."""
    now = now or utcnow()
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    actor = actor_from_user(user) if user is not None else None
    if user is None:  # counted like an account (see UnknownNames), so nothing tells them apart
        state = UNKNOWN_NAMES.fail(name, now)
        audit.record(
            session=session,
            actor=None,
            action="login_failed",
            entity="user",
            entity_id=name[:40],  # the column's width
            changes={"unknown_username": True, **({"locked": True} if state.locked else {})},
        )
        return state
    if success:
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        audit.record(session=session, actor=actor, action="login", entity="user", entity_id=user.id)
        return LockState(False, None, 0)
    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until = None
    if user.failed_at is not None and now - user.failed_at > FAILURE_WINDOW:
        user.failed_attempts = 0  # the earlier failures are forgotten, as an unknown name's are
    user.failed_attempts += 1
    user.failed_at = now
    changes: dict[str, object] = {"failed_attempts": user.failed_attempts}
    if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_attempts = 0
        changes["locked_until"] = user.locked_until
    audit.record(
        session=session,
        actor=actor,
        action="login_failed",
        entity="user",
        entity_id=user.id,
        changes=changes,
    )
    locked = user.locked_until is not None and user.locked_until > now
    return LockState(locked, user.locked_until, user.failed_attempts)


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    role: Role
    partner_org: str | None
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


def list_users(*, session: Session, actor: Actor) -> list[UserRow]:
    authorize(session=session, actor=actor, operation="users.list")
    rows = session.execute(
        select(User, PartnerOrganisation.name)
        .outerjoin(PartnerOrganisation, User.partner_org_id == PartnerOrganisation.id)
        .order_by(User.username)
    ).all()
    now = utcnow()
    return [
        UserRow(
            id=u.id,
            username=u.username,
            full_name=u.full_name,
            role=Role(u.role),
            partner_org=org,
            active=u.active,
            locked_until=u.locked_until if u.locked_until and u.locked_until > now else None,
            last_login_at=u.last_login_at,
        )
        for u, org in rows
    ]


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user


def unlock_user(*, session: Session, actor: Actor, user_id: int) -> None:
    authorize(session=session, actor=actor, operation="users.unlock")
    user = _user(session, user_id)
    user.failed_attempts = 0
    user.locked_until = None
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        changes=audit.changed_fields(user),
    )


def set_active(*, session: Session, actor: Actor, user_id: int, active: bool) -> None:
    authorize(session=session, actor=actor, operation="users.update")
    user = _user(session, user_id)
    if user.id == actor.id and not active:
        raise ValidationError("active", "auth.error.cannot_deactivate_self")
    user.active = active
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        changes=audit.changed_fields(user),
    )


def reset_password(*, session: Session, actor: Actor, user_id: int, password: str) -> None:
    authorize(session=session, actor=actor, operation="users.update")
    validate_password(password)
    user = _user(session, user_id)
    user.password_hash = hash_password(password)
    user.failed_attempts = 0
    user.locked_until = None
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity="user",
        entity_id=user.id,
        changes={"password": "changed"},
    )


def list_partner_orgs(*, session: Session, actor: Actor) -> list[tuple[int, str]]:
    authorize(session=session, actor=actor, operation="partners.list")
    return [
        (pid, name)
        for pid, name in session.execute(
            select(PartnerOrganisation.id, PartnerOrganisation.name)
            .where(PartnerOrganisation.active)
            .order_by(PartnerOrganisation.name)
        )
    ]
