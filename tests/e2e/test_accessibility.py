"""axe-core on every page for every role, after the page has rendered, plus visible labels.

Zero violations of impact serious or critical, except the Streamlit-owned ones listed (with the
reason) in ``tests/e2e/a11y.py``; every input on show has a visible text label.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fleming.i18n import translate
from fleming.models import Role
from fleming.ui.nav import pages_for
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import go, login, logout, wait_rendered

ROLES = {
    "admin": Role.ADMIN,
    "coordinatore": Role.COORDINATOR,
    "tutor": Role.TUTOR,
    "partner": Role.PARTNER,
}


@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_of_the_role_is_accessible(page, server, username):
    login(page, server["base"], username)
    problems: dict[str, list[str]] = {}
    for spec in pages_for(ROLES[username]):
        go(page, translate(spec.title_key, "it"))
        wait_rendered(page)
        found = accessibility_problems(page)
        if found:
            problems[spec.url_path] = found
    logout(page)
    expect(page.get_by_label("Nome utente")).to_be_visible()
    assert problems == {}
