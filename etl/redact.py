"""Redact: personal data replaced in stg_ before anything is loaded or written.

Rows keep their amount, date, department and expense type, so totals stay true; the name is
replaced by a fixed label and the row says why.
"""

from __future__ import annotations

import duckdb

from .profile import Profile
from .sqltext import quote_ident
from .transform import stg_table

REDACTED_LABEL = "Redacted – personal data"


def apply_source_markers(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """Rows the source already marks as personal data (e.g. 'REDACTED PERSONAL DATA')."""
    if not profile.redaction_markers or "supplier_name" not in profile.schema.field_names:
        return
    markers = [m.casefold() for m in profile.redaction_markers]
    con.execute(
        f"update {quote_ident(stg_table(profile))} "
        "set is_redacted = true, redaction_reason = 'source-marker', supplier_name = ? "
        "where lower(supplier_name) in (select unnest(?::varchar[]))",
        [REDACTED_LABEL, markers])
