"""Intake (*accoglienza*): take a person in. Nothing is saved until every field is valid."""

import streamlit as st

from fleming import people
from fleming.db import unit_of_work
from fleming.errors import FlemingError, ValidationError, ValidationErrors
from fleming.models import Role
from fleming.ui.context import engine, t
from fleming.ui.forms import show_error
from fleming.ui.guard import require_role
from fleming.ui.people_widgets import open_person, person_form

actor = require_role(Role.COORDINATOR, Role.TUTOR)

FLASH_KEY = "person_flash"
NONCE_KEY = "intake_nonce"

st.title(t("people.intake.title"))
st.caption(t("people.intake.intro"))

with unit_of_work(engine()) as session:
    tutors = people.tutors(session=session, actor=actor)
    partners = people.partners(session=session, actor=actor)

nonce = st.session_state.setdefault(NONCE_KEY, 0)
form = person_form(
    f"intake_{nonce}",
    actor=actor,
    tutors=tutors,
    partners=partners,
    submit_label=t("people.intake.submit"),
)

if form.submitted:
    try:
        with unit_of_work(engine()) as session:
            person_id = people.create(
                session=session,
                actor=actor,
                data=form.data,
                consents=form.consents,
                confirmed=form.confirmed,
            )
    except (ValidationError, ValidationErrors) as exc:
        form.show(exc)
        st.error(t("people.intake.fix_errors"), icon=":material/error:")
    except FlemingError as exc:
        show_error(exc)
    else:
        st.session_state[NONCE_KEY] = nonce + 1  # a fresh, empty form next time
        st.session_state[FLASH_KEY] = t(
            "people.intake.done",
            name=f"{form.data.first_name.strip()} {form.data.last_name.strip()}",
        )
        open_person(person_id)
