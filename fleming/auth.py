"""Accounts, password hashes and the persistent login lock.

streamlit-authenticator draws the login form and checks the bcrypt hash; everything it does not
do is here: the accounts live in the database, 5 failed attempts lock a username for 15 minutes
(persisted, so a new browser does not reset it), and every login is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def lock_state(*, session: Session, username: str, now: datetime | None = None) -> LockState:
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        return LockState(False, None, 0)
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
    if user is None:
        audit.record(
            session=session, actor=None, action="login_failed", entity="user", entity_id=name
        )
        return LockState(False, None, 0)
    if success:
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = now
        audit.record(session=session, actor=actor, action="login", entity="user", entity_id=user.id)
        return LockState(False, None, 0)
    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until = None
    user.failed_attempts += 1
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
