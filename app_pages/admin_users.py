"""Accounts (admin): list, create, unlock, activate/deactivate, reset a password."""

import streamlit as st

from fleming import auth
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.i18n import fmt_date
from fleming.models import Role
from fleming.ui.context import engine, label, lang, t
from fleming.ui.forms import FieldErrors, show_error
from fleming.ui.guard import require_role

actor = require_role(Role.ADMIN)

st.title(t("users.title"))

with unit_of_work(engine()) as session:
    users = auth.list_users(session=session, actor=actor)
    partners = auth.list_partner_orgs(session=session, actor=actor)

st.dataframe(
    [
        {
            t("users.username"): u.username,
            t("users.full_name"): u.full_name,
            t("users.role"): label(u.role),
            t("users.partner"): u.partner_org or "",
            t("users.state"): (
                t("users.state.locked", until=fmt_date(u.locked_until, lang()))
                if u.locked_until
                else t("users.state.active" if u.active else "users.state.inactive")
            ),
            t("users.last_login"): fmt_date(u.last_login_at, lang()),
        }
        for u in users
    ],
    hide_index=True,
    width="stretch",
)

create_tab, manage_tab = st.tabs([t("users.create.heading"), t("users.manage.heading")])

with create_tab, st.form("users_create", clear_on_submit=False):
    errors = FieldErrors()
    username = st.text_input(t("users.username"), help=t("users.username.help"))
    errors.slot("username")
    full_name = st.text_input(t("users.full_name"))
    errors.slot("full_name")
    email = st.text_input(t("users.email"))
    role = st.selectbox(t("users.role"), list(Role), format_func=label)
    errors.slot("role")
    partner_id = st.selectbox(
        t("users.partner"),
        [None, *[pid for pid, _ in partners]],
        format_func=lambda pid: t("users.partner.none") if pid is None else dict(partners)[pid],
        help=t("users.partner.help"),
    )
    errors.slot("partner_org_id")
    password = st.text_input(
        t("users.password"), type="password", help=t("users.password.help", n=10)
    )
    errors.slot("password")
    if st.form_submit_button(t("users.create.submit"), type="primary"):
        try:
            with unit_of_work(engine()) as session:
                auth.create_user(
                    session=session,
                    actor=actor,
                    username=username,
                    full_name=full_name,
                    password=password,
                    role=role,
                    partner_org_id=partner_id,
                    email=email,
                )
        except (ValidationError, ValidationErrors) as exc:
            errors.show(exc)
        except FlemingError as exc:
            show_error(exc)
        else:
            st.toast(t("users.create.done", username=auth.normalise_username(username)))
            st.rerun()

with manage_tab:
    by_name = {u.username: u for u in users}
    chosen = st.selectbox(t("users.manage.choose"), list(by_name), key="users_manage_choice")
    if chosen:
        u = by_name[chosen]
        c1, c2 = st.columns(2)
        if u.locked_until and c1.button(t("users.manage.unlock"), key="users_unlock"):
            with unit_of_work(engine()) as session:
                auth.unlock_user(session=session, actor=actor, user_id=u.id)
            st.toast(t("users.manage.unlocked", username=u.username))
            st.rerun()
        toggle_label = "users.manage.deactivate" if u.active else "users.manage.activate"
        if c2.button(t(toggle_label), key="users_toggle_active"):
            try:
                with unit_of_work(engine()) as session:
                    auth.set_active(session=session, actor=actor, user_id=u.id, active=not u.active)
            except ValidationError as exc:
                st.error(t(exc.message))
            else:
                st.toast(t("users.manage.saved"))
                st.rerun()
        with st.form("users_reset_password"):
            reset_errors = FieldErrors()
            new_password = st.text_input(t("users.manage.new_password"), type="password")
            reset_errors.slot("password")
            if st.form_submit_button(t("users.manage.reset")):
                try:
                    with unit_of_work(engine()) as session:
                        auth.reset_password(
                            session=session, actor=actor, user_id=u.id, password=new_password
                        )
                except ValidationError as exc:
                    reset_errors.show(exc)
                else:
                    st.success(t("users.manage.password_reset", username=u.username))
