"""spendpub's Streamlit app: explore the published spending data.

Run with ``streamlit run app.py`` (the warehouse is read from ``$SPENDPUB_HOME/warehouse.duckdb``,
``./var`` by default). Pages live in ``app_pages/``, one file per page; they read data only
through ``app_data``.
"""

import streamlit as st

st.set_page_config(page_title="spendpub", layout="wide")

page = st.navigation(
    [
        st.Page(
            "app_pages/spending.py",
            title="Spending",
            icon=":material/payments:",
            default=True,
        ),
    ]
)
page.run()
