"""Every page opens for every role allowed to see it, and no role reaches another role's page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from fleming.actor import Actor
from fleming.models import Role
from fleming.ui.context import ACTOR_KEY
from fleming.ui.nav import PAGES
from tests.app.conftest import TIMEOUT
from tests.app.helpers import login_as

DEMO_USER = {
    Role.ADMIN: "admin",
    Role.COORDINATOR: "coordinatore",
    Role.TUTOR: "tutor",
    Role.PARTNER: "partner",
}
ALLOWED = [(p, r) for p in PAGES for r in Role if r in p.roles]
REFUSED = [(p, r) for p in PAGES for r in Role if r not in p.roles]


def _id(case) -> str:
    page, role = case
    return f"{page.url_path}-{role.value}"


@pytest.mark.parametrize("case", ALLOWED, ids=[_id(c) for c in ALLOWED])
def test_page_opens_for_allowed_role(app, case):
    page, role = case
    at = login_as(app(), DEMO_USER[role]).run()
    at.switch_page(f"app_pages/{page.script}").run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert not errors, errors
    assert at.title, "the page shows its title"


@pytest.mark.parametrize("case", REFUSED, ids=[_id(c) for c in REFUSED])
def test_page_is_not_in_the_navigation_of_other_roles(app, case):
    page, role = case
    at = login_as(app(), DEMO_USER[role]).run()
    with pytest.raises(ValueError, match="registered"):
        at.switch_page(f"app_pages/{page.script}")


@pytest.mark.parametrize("case", REFUSED, ids=[_id(c) for c in REFUSED])
def test_page_script_run_directly_stops_at_the_guard(demo_url, monkeypatch, case):
    """Whatever route reaches the script, nothing renders for a role that is not allowed."""
    page, role = case
    monkeypatch.setenv("FLEMING_DATABASE_URL", demo_url)
    at = AppTest.from_file(str(page.path), default_timeout=TIMEOUT)
    at.session_state[ACTOR_KEY] = Actor(
        id=999_999, username="x", full_name="X Y", role=role, partner_org_id=1
    )
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Il tuo ruolo non ha accesso a questa pagina."]
    assert not at.title
    assert not at.dataframe
    assert not at.metric


@pytest.mark.parametrize("page", PAGES, ids=[p.url_path for p in PAGES])
def test_page_script_without_login_shows_nothing(demo_url, monkeypatch, page):
    monkeypatch.setenv("FLEMING_DATABASE_URL", demo_url)
    at = AppTest.from_file(str(page.path), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Accedi per vedere questa pagina."]
    assert not at.title


def test_guards_name_the_same_roles_as_the_navigation():
    import re

    for page in PAGES:
        source = page.path.read_text(encoding="utf-8")
        match = re.search(r"require_role\(([^)]*)\)", source)
        assert match, f"{page.script} has no role guard"
        named = {Role[name] for name in re.findall(r"Role\.(\w+)", match.group(1))}
        assert named == set(page.roles), page.script
