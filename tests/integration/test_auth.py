"""Accounts, the persistent login lock and role checks, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleming import auth
from fleming.actor import SYSTEM
from fleming.db import unit_of_work
from fleming.errors import AccountLocked, PermissionDenied, ValidationError
from fleming.models import AuditEntry, PartnerOrganisation, Role, User, utcnow


@pytest.fixture
def partner_org(engine) -> int:
    with unit_of_work(engine) as s:
        org = PartnerOrganisation(name="Soleterre")
        s.add(org)
        s.flush()
        return org.id


def _make(engine, username="mario.rossi", role=Role.TUTOR, partner_org_id=None):
    with unit_of_work(engine) as s:
        return auth.create_user(
            session=s,
            actor=SYSTEM,
            username=username,
            full_name="Mario Rossi",
            password="una-password-lunga",
            role=role,
            partner_org_id=partner_org_id,
        ).id


def test_created_user_has_bcrypt_hash_and_audit_row(engine):
    uid = _make(engine)
    with unit_of_work(engine) as s:
        user = s.get(User, uid)
        assert user.password_hash.startswith("$2")
        assert "una-password-lunga" not in user.password_hash
        assert auth.check_password("una-password-lunga", user.password_hash)
        assert not auth.check_password("sbagliata", user.password_hash)
        rows = s.scalars(select(AuditEntry).where(AuditEntry.entity == "user")).all()
        assert [(r.action, r.entity_id) for r in rows] == [("create", str(uid))]
        assert "password_hash" not in rows[0].changes


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("username", {"username": "Ab"}),
        ("username", {"username": "has space"}),
        ("password", {"password": "short"}),
        ("full_name", {"full_name": "  "}),
        ("partner_org_id", {"role": Role.PARTNER}),
    ],
)
def test_create_user_rejects_bad_input_and_saves_nothing(engine, field, kwargs):
    data = dict(username="valid.name", full_name="A B", password="una-password-lunga")
    data["role"] = Role.TUTOR
    data.update(kwargs)
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        auth.create_user(session=s, actor=SYSTEM, **data)
    assert err.value.field == field
    with unit_of_work(engine) as s:
        assert s.scalars(select(User)).all() == []


def test_partner_user_needs_and_keeps_its_organisation(engine, partner_org):
    uid = _make(engine, "soleterre.op", Role.PARTNER, partner_org)
    with unit_of_work(engine) as s:
        actor = auth.get_actor(session=s, username="soleterre.op")
    assert actor.id == uid
    assert actor.partner_org_id == partner_org
    assert actor.partner_org_name == "Soleterre"
    assert not actor.is_staff


def test_only_admin_creates_users_and_the_refusal_is_audited(engine):
    _make(engine, "tutor.one")
    with unit_of_work(engine) as s:
        tutor = auth.get_actor(session=s, username="tutor.one")
    with pytest.raises(PermissionDenied), unit_of_work(engine) as s:
        auth.create_user(
            session=s,
            actor=tutor,
            username="intruso",
            full_name="X",
            password="una-password-lunga",
            role=Role.ADMIN,
        )
    with unit_of_work(engine) as s:
        assert s.scalar(select(User).where(User.username == "intruso")) is None
        denied = s.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).all()
        assert [(d.actor_username, d.entity_id) for d in denied] == [("tutor.one", "users.create")]


def test_five_failures_lock_for_fifteen_minutes_persisted(engine):
    _make(engine)
    now = utcnow()
    for i in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with unit_of_work(engine) as s:
            state = auth.record_login(session=s, username="mario.rossi", success=False, now=now)
        assert not state.locked
        assert state.failed_attempts == i + 1
    with unit_of_work(engine) as s:
        state = auth.record_login(session=s, username="MARIO.ROSSI ", success=False, now=now)
    assert state.locked
    assert state.until == now + timedelta(minutes=15)
    # A new session (a new browser) reads the lock from the database.
    with pytest.raises(AccountLocked), unit_of_work(engine) as s:
        auth.ensure_not_locked(session=s, username="mario.rossi", now=now + timedelta(minutes=14))
    with unit_of_work(engine) as s:
        auth.ensure_not_locked(session=s, username="mario.rossi", now=now + timedelta(minutes=16))


def test_success_resets_the_failure_count(engine):
    _make(engine)
    for _ in range(3):
        with unit_of_work(engine) as s:
            auth.record_login(session=s, username="mario.rossi", success=False)
    with unit_of_work(engine) as s:
        auth.record_login(session=s, username="mario.rossi", success=True)
    with unit_of_work(engine) as s:
        assert auth.lock_state(session=s, username="mario.rossi").failed_attempts == 0
        assert s.scalar(select(User.last_login_at)) is not None


def test_admin_unlocks(engine):
    admin_id = _make(engine, "capo", Role.ADMIN)
    uid = _make(engine)
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with unit_of_work(engine) as s:
            auth.record_login(session=s, username="mario.rossi", success=False)
    with unit_of_work(engine) as s:
        admin = auth.get_actor(session=s, username="capo")
        assert admin.id == admin_id
        auth.unlock_user(session=s, actor=admin, user_id=uid)
    with unit_of_work(engine) as s:
        assert not auth.lock_state(session=s, username="mario.rossi").locked


def test_credentials_list_only_active_accounts(engine):
    admin_id = _make(engine, "capo", Role.ADMIN)
    uid = _make(engine)
    with unit_of_work(engine) as s:
        admin = auth.get_actor(session=s, username="capo")
        assert admin.id == admin_id
        auth.set_active(session=s, actor=admin, user_id=uid, active=False)
    with unit_of_work(engine) as s:
        creds = auth.credentials(session=s)
    assert set(creds["usernames"]) == {"capo"}
    assert creds["usernames"]["capo"]["password"].startswith("$2")
