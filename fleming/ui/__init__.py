"""The only Streamlit code outside the page scripts: session glue, login, guard, widgets."""
