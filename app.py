"""spendpub's Streamlit app: where the money goes, in French and English, checkable down to the
payment line.

Run with ``streamlit run app.py`` (the warehouse is read from ``$SPENDPUB_HOME/warehouse.duckdb``,
``./var`` by default). This file is the frame around every page: the language, the public body
and the year (all three kept in the URL, so any view can be shared), then ``st.navigation`` over
``app_pages/``, one file per page. Pages read data only through ``app_data``.
"""

import streamlit as st

from app_data import WarehouseError
from app_pages import _shared as ui

# An emoji favicon is drawn in the page itself; a Material icon would be fetched from Google's servers
# by every visitor's browser.
st.set_page_config(page_title="spendpub", page_icon="🏛️", layout="wide")

T = ui.language_picker()

pages = [st.Page(ui.page_file(slug), title=T(f"nav.{slug}"), icon=icon, url_path=slug)
         for slug, icon in ui.PAGES.items()]


def root() -> None:
    """The app's root address opens the first page at its own address, with the query string
    as it came: Streamlit serves its default page at the root only, so that page, given the
    default, would answer to no slug of its own (/overview: "Page not found")."""
    st.switch_page(pages[0],
                   query_params={k: st.query_params.get_all(k) for k in st.query_params})


page = st.navigation([st.Page(root, title=pages[0].title, default=True, visibility="hidden"),
                      *pages])

try:
    if ui.scope_picker(T) is None:
        st.stop()
except WarehouseError as exc:
    st.error(str(exc), icon=":material/database_off:")
    st.stop()

page.run()
