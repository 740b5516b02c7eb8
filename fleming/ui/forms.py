"""Form helpers: an error slot under each field, filled from the services' ValidationErrors."""

from __future__ import annotations

from datetime import date

import streamlit as st

from fleming.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
    ValidationWarning,
)
from fleming.i18n import fmt_date
from fleming.ui.context import lang, t


def error_text(err: ValidationError) -> str:
    """The message of one field error in the user's language; dates shown their way."""
    params = {k: fmt_date(v, lang()) if isinstance(v, date) else v for k, v in err.params.items()}
    return t(err.message, **params)


class FieldErrors:
    """Reserve a slot under each field; after a failed submit, put each message in its slot.

    Usage inside ``st.form``::

        errors = FieldErrors()
        name = st.text_input(t("…"))
        errors.slot("full_name")
        ...
        if submitted:
            try: ...
            except (ValidationError, ValidationErrors) as exc: errors.show(exc)
    """

    def __init__(self) -> None:
        self._slots: dict[str, st.delta_generator.DeltaGenerator] = {}
        self._general = st.empty()

    def slot(self, field: str) -> None:
        self._slots[field] = st.empty()

    def show(self, exc: ValidationError | ValidationErrors) -> None:
        errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        grouped: dict[int, tuple[st.delta_generator.DeltaGenerator, list[tuple[str, bool]]]] = {}
        for err in errors:
            target = self._slots.get(err.field, self._general)
            warning = isinstance(err, ValidationWarning)
            grouped.setdefault(id(target), (target, []))[1].append((error_text(err), warning))
        for target, texts in grouped.values():  # several errors for one slot: show them all
            with target.container():
                for text, warning in dict.fromkeys(texts):
                    if warning:  # may be right: the form asks to confirm it
                        st.warning(text, icon=":material/warning:")
                    else:
                        st.error(text, icon=":material/error:")


def show_error(exc: Exception) -> None:
    """A banner for the domain errors that are not about one field."""
    if isinstance(exc, PermissionDenied):
        st.error(t("error.permission_denied"), icon=":material/block:")
    elif isinstance(exc, Conflict):
        key = exc.args[0] if exc.args and str(exc.args[0]).count(".") else "error.conflict"
        if key == "stale":
            key = "error.conflict"
        st.error(t(key), icon=":material/sync_problem:")
    elif isinstance(exc, NotFound):
        st.error(t("error.not_found"), icon=":material/search_off:")
    else:
        raise exc
