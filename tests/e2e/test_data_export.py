"""In a real browser: the people register's table offers no download of its
own (Streamlit's "Download as CSV" is off, ``client.disableDataExport``), while our export still
works, holds the register and writes its audit rows."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.e2e.conftest import go, login, shot, wait_idle


def _exports(db_url: str) -> tuple[int, int]:
    from fleming.db import get_engine, unit_of_work
    from fleming.models import AuditEntry

    with unit_of_work(get_engine(db_url)) as session:
        counts = dict(
            session.execute(
                select(AuditEntry.entity, func.count())
                .where(AuditEntry.action == "export")
                .group_by(AuditEntry.entity)
            ).all()
        )
    return counts.get("person_register", 0), counts.get("person", 0)


def test_the_register_table_has_no_download_of_its_own_and_our_export_is_audited(page, server):
    login(page, server["base"], "coordinatore")
    go(page, "Registro persone")
    expect(page.get_by_role("heading", name="Registro delle persone")).to_be_visible()

    # The table's toolbar shows on hover: search and full screen, but no download.
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    expect(toolbar.get_by_role("button", name="Search")).to_be_visible()
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
    shot(page, "register_table_toolbar")

    # Our export: a file named in Italian, the register's columns, and its audit rows.
    before_register, before_people = _exports(server["db"])
    button = page.get_by_role("button", name="Scarica CSV")
    button.scroll_into_view_if_needed()
    expect(page.get_by_text("Esporta le")).to_be_visible()
    with page.expect_download() as info:
        button.click()
    download = info.value
    wait_idle(page)
    assert download.suggested_filename.startswith("registro_persone_")
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Nome", "Codice fiscale"]
    exported = len(rows) - 1
    assert exported > 25  # every filtered person, not one page
    after_register, after_people = _exports(server["db"])
    assert after_register == before_register + 1
    assert after_people == before_people + exported


def test_a_partner_typing_a_staff_address_sees_our_page_and_the_attempt_is_audited(page, server):
    from fleming.db import get_engine, unit_of_work
    from fleming.models import AuditEntry

    def denied() -> int:
        with unit_of_work(get_engine(server["db"])) as session:
            return session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "denied", AuditEntry.entity == "page")
                .where(AuditEntry.entity_id == "people")
            )

    login(page, server["base"], "partner")
    before = denied()
    page.goto(server["base"] + "/people")  # typed in the address bar (the re-login cookie)
    expect(
        page.get_by_role("heading", name="Questa pagina non è disponibile per il tuo ruolo")
    ).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("link", name="Torna alla pagina iniziale")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    shot(page, "partner_typed_staff_address")
    assert denied() == before + 1
