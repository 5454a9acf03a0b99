"""Every issue of a validation, one row each, as a CSV file: the list finance staff fix from.

The reports (render.py) give each code's count and its first examples; this file gives them all,
in file and line order, with their reasons in the report's language:

    source_file, source_line, code, severity, field, column, value, reason

`column` is the source file's header the field was read from; `value` the cell as the source
wrote it. A file or period issue (a total that does not reconcile) has no line. DuckDB writes the
file in one statement from validation_issues, whatever the count. Its values are the source's
cells, names of people among them, so, like the quarantine file, it is readable by its owner only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import duckdb

from ..errors import SpendpubError
from ..sqltext import quote_literal
from .quarantine import file_names_sql, reason_sql, write_private_csv


def _source_columns_sql(mappings: dict[int, dict[str, str | None]]) -> str:
    """SQL rows (source_file_index, field, source_column): the header each file's field was read from."""
    rows = ", ".join(f"({i}, {quote_literal(field)}, {quote_literal(header)})"
                     for i, columns in mappings.items() for field, header in columns.items() if header)
    if not rows:
        return ("select null::bigint as source_file_index, null::varchar as field, "
                "null::varchar as source_column where false")
    return f"select * from (values {rows}) t(source_file_index, field, source_column)"


def write_issue_list(con: duckdb.DuckDBPyConnection, names: Mapping[int, str],
                     mappings: dict[int, dict[str, str | None]], path: Path, lang: str) -> int:
    """Write every issue of validation_issues to `path` (atomically, owner-only), its files named by
    `names` (file index -> name); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    query = f"""
        select n.source_file, i.source_line, i.code, i.severity, i.field, h.source_column as "column",
               i.value, {reason_sql(con, lang)} as reason
        from validation_issues i
        left join ({file_names_sql(names)}) n using (source_file_index)
        left join ({_source_columns_sql(mappings)}) h using (source_file_index, field)
        order by i.source_file_index nulls first, i.source_line nulls first, i.field nulls first,
                 i.code, i.constraint_name nulls first, reason"""
    try:
        return write_private_csv(con, query, path)
    except (OSError, duckdb.IOException) as e:     # a full disk, say: checked writable before the run
        raise SpendpubError(f"the issue list could not be written: {e}", where=str(path)) from e
