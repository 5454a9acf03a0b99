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

import os
from pathlib import Path

import duckdb

from ..errors import SpendpubError
from ..sqltext import quote_literal
from ..transform import FileContext
from .quarantine import reason_sql


def write_issue_list(con: duckdb.DuckDBPyConnection, contexts: list[FileContext],
                     mappings: dict[int, dict[str, str | None]], path: Path, lang: str) -> int:
    """Write every issue of validation_issues to `path` (atomically, owner-only); returns how many."""
    con.execute("create or replace temp table issue_files as "
                "select unnest(?::bigint[]) as source_file_index, unnest(?::varchar[]) as source_file",
                [[c.index for c in contexts], [c.extracted.name for c in contexts]])
    read_from = [(i, field, header) for i, columns in mappings.items() for field, header in columns.items() if header]
    con.execute("create or replace temp table issue_columns as select unnest(?::bigint[]) as source_file_index, "
                "unnest(?::varchar[]) as field, unnest(?::varchar[]) as source_column",
                [list(column) for column in zip(*read_from)] if read_from else [[], [], []])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        written = con.execute(f"""
            copy (
                select n.source_file, i.source_line, i.code, i.severity, i.field, h.source_column as "column",
                       i.value, {reason_sql(con, lang)} as reason
                from validation_issues i
                left join issue_files n using (source_file_index)
                left join issue_columns h using (source_file_index, field)
                order by i.source_file_index nulls first, i.source_line nulls first, i.field nulls first,
                         i.code, i.constraint_name nulls first, reason
            ) to {quote_literal(str(tmp))} (header, delimiter ',')""").fetchone()[0]
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except (OSError, duckdb.IOException) as e:     # a full disk, say: checked writable before the run
        tmp.unlink(missing_ok=True)
        raise SpendpubError(f"the issue list could not be written: {e}", where=str(path)) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.execute("drop table if exists issue_files; drop table if exists issue_columns")
    return written
