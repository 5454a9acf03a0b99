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

page = st.navigation(
    [
        st.Page(ui.page_file(slug), title=T(f"nav.{slug}"), icon=icon, url_path=slug,
                default=i == 0)
        for i, (slug, icon) in enumerate(ui.PAGES.items())
    ]
)

try:
    if ui.scope_picker(T) is None:
        st.stop()
except WarehouseError as exc:
    st.error(str(exc), icon=":material/database_off:")
    st.stop()

page.run()
