"""Fleming: page config, login, role-based navigation, run the page. Nothing else."""

import streamlit as st

from fleming import config
from fleming.ui.auth import login, logout_button
from fleming.ui.chrome import demo_banner, sidebar_identity
from fleming.ui.context import language_switch, t
from fleming.ui.guard import forbidden_page
from fleming.ui.nav import forbidden_for, pages_for
from fleming.ui.startup import demo_mode, ensure_database

st.set_page_config(page_title="Fleming", page_icon=":material/work:", layout="wide")
language_switch()
ensure_database()
is_demo = demo_mode(config.database_url())

actor, authenticator = login()
if actor is None:
    if is_demo:
        demo_banner()
    st.stop()

sidebar_identity(actor, is_demo)
logout_button(authenticator)
specs = pages_for(actor.role)
sections = {
    t(section): [
        st.Page(str(s.path), title=t(s.title_key), icon=s.icon, url_path=s.url_path)
        for s in specs
        if s.section_key == section
    ]
    for section in dict.fromkeys(s.section_key for s in specs)
}
# Another role's page, typed as an address: our own refusal (audited), not "Page not found".
next(iter(sections.values())).extend(
    st.Page(
        forbidden_page(s.url_path), title=t(s.title_key), url_path=s.url_path, visibility="hidden"
    )
    for s in forbidden_for(actor.role)
)
pg = st.navigation(
    sections,
    expanded=True,  # every screen in view: staff should not hunt behind "View more"
)
pg.run()
