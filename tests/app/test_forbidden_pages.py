"""Another role's page opened by its address shows our own page ("Questa
pagina non è disponibile per il tuo ruolo"), in the user's language, and the attempt is audited;
nothing of the real page runs. The real address typed in a browser: tests/e2e/test_data_export.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleming.db import get_engine, unit_of_work
from fleming.models import AuditEntry
from tests.app.helpers import login_as

TITLE = {
    "it": "Questa pagina non è disponibile per il tuo ruolo",
    "en": "This page is not available for your role",
}


def _denied(url: str, page: str) -> int:
    with unit_of_work(get_engine(url)) as session:
        return session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "denied", AuditEntry.entity == "page")
            .where(AuditEntry.entity_id == page)
        )


def open_address(at, url_path: str):
    """Open ``/<url_path>`` as a typed address does: the page registered at that URL (AppTest's
    switch_page only knows file pages, and these are drawn by a function)."""
    (page_hash,) = [
        h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path
    ]
    at._page_hash = page_hash
    return at.run()


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize(
    ("username", "page"),
    [("partner", "people"), ("partner", "audit_log"), ("tutor", "admin_users")],
)
def test_another_roles_address_shows_our_page_and_is_audited(app, demo_url, lang, username, page):
    at = login_as(app(), username)
    at.session_state["lang"] = lang
    at.run()
    before = _denied(demo_url, page)
    at = open_address(at, page)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [TITLE[lang]]
    assert not at.dataframe and not at.metric  # nothing of the real page
    assert _denied(demo_url, page) == before + 1
