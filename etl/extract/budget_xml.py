"""France's official budget XML ("DocumentBudgetaire", Actes budgétaires / TOTEM), streamed.

Every `Budget/LigneBudget` element becomes one record: each child's `V` attribute under the
child's name (a child with a `Code` attribute, such as `MtSup Code="BudgetHorsRAR"`, is named
`MtSup.BudgetHorsRAR`), plus the document-level values (`Exer`, `NatDec`, `IdColl`, `LibelleColl`,
`IdEtab`, `Nomenclature`, ...) repeated on every record, and the line the `LigneBudget` element
starts on. Values stay text exactly as the XML gives them; the profile parses them.

The file is read with lxml's iterparse and every element is cleared (and detached from its
parent) once it has been read, so the XML tree in memory never holds more than one budget line
and the open blocks above it, whatever the size of the file; only the values read are kept. The
`Annexes` block (staff, debt, assets: most of a real file) is streamed past, not kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from lxml import etree

from ..errors import InputError
from ..sqltext import quote_ident
from .reshape import replace_raw

if TYPE_CHECKING:  # pyarrow is imported where used: it would cost every command 50 ms to start
    import pyarrow as pa

NAMESPACE = "http://www.minefi.gouv.fr/cp/demat/docbudgetaire"
ROOT = "DocumentBudgetaire"
LINE = "LigneBudget"
SKIPPED_BLOCKS = frozenset({"Annexes"})  # per-document annexes: not budget lines
_ROOT_TAG = f"{{{NAMESPACE}}}{ROOT}"
_LINE_TAG = f"{{{NAMESPACE}}}{LINE}"
_BUDGET_TAG = f"{{{NAMESPACE}}}Budget"
_SKIPPED_TAGS = frozenset(f"{{{NAMESPACE}}}{b}" for b in SKIPPED_BLOCKS)


def _local(tag) -> str | None:
    """Local name of a tag in the budget namespace; None for comments, PIs and other namespaces."""
    if not isinstance(tag, str):
        return None
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return name if ns == NAMESPACE else None
    return None


def _column_name(element) -> str | None:
    name = _local(element.tag)
    if name is None:
        return None
    code = element.get("Code")
    return f"{name}.{code}" if code is not None else name


def _value(element) -> str | None:
    v = element.get("V")
    if v is not None:
        return v
    text = (element.text or "").strip()
    return text or None


def _clear(element) -> None:
    """Free an element that has been read, and the already-read siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_budget_xml(path: Path) -> tuple[list[str], pa.Table]:
    """The budget lines of a DocumentBudgetaire file: (header, table).

    The table has an int64 `source_line` column, then one string column per name in the header:
    first the document-level values, then the line-level children in the order first met.
    """
    import pyarrow as pa
    shown_as = Path(path).name
    document: dict[str, str | None] = {}
    doc_order: list[str] = []
    line_names: list[str] = []
    values: dict[str, list[str | None]] = {}   # line-level name -> one value per line read so far
    lines: list[int] = []
    known: dict[str, str] = {}                 # one copy of each distinct value (codes repeat a lot)
    stack: list = []                 # tags of the open elements (a skipped block's inside excluded)
    skipping = 0                     # depth inside a skipped block (Annexes), 0 outside
    try:
        context = etree.iterparse(str(path), events=("start", "end"), resolve_entities=False,
                                  no_network=True, huge_tree=True, remove_comments=True,
                                  remove_pis=True)
        for event, element in context:
            if event == "start":
                if skipping:
                    skipping += 1
                    continue
                tag = element.tag
                if not stack and tag != _ROOT_TAG:
                    raise InputError(f"not a budget document: the root element is {tag!r}, not "
                                     f"{ROOT} in the namespace {NAMESPACE}", where=shown_as)
                if tag in _SKIPPED_TAGS:
                    skipping = 1
                stack.append(tag)
                continue

            if skipping:
                # Inside a skipped block, its children and grandchildren are freed as they end
                # (deeper elements go with them): memory holds one annex record at most.
                skipping -= 1
                if skipping == 0:
                    stack.pop()
                if skipping <= 2:
                    _clear(element)
                continue
            tag = stack.pop()
            if _LINE_TAG in stack:
                continue  # read with its LigneBudget, at that element's end
            if tag == _LINE_TAG and stack and stack[-1] == _BUDGET_TAG:
                n = len(lines)
                for child in element:
                    col = _column_name(child)
                    if col is None:
                        continue
                    column = values.get(col)
                    if column is None:
                        column = values[col] = [None] * n
                        line_names.append(col)
                    elif len(column) > n:
                        raise InputError(f"the {LINE} on line {element.sourceline} has two {col} "
                                         "elements; a budget line gives each value once",
                                         where=shown_as)
                    value = _value(child)
                    column.append(None if value is None else known.setdefault(value, value))
                lines.append(element.sourceline)
                for column in values.values():
                    if len(column) == n:
                        column.append(None)
                _clear(element)
            elif len(element) == 0 and "V" in element.attrib and _local(tag) is not None:
                col = _column_name(element)
                value = element.get("V")
                if col not in document:
                    doc_order.append(col)
                elif document[col] != value:
                    raise InputError(f"the document gives {col} twice, {document[col]!r} and then "
                                     f"{value!r} on line {element.sourceline}", where=shown_as)
                document[col] = value
                _clear(element)
            elif stack:  # a finished block: its values have been read
                _clear(element)
    except etree.XMLSyntaxError as e:
        raise InputError(f"not well-formed XML: {e.msg} (line {e.lineno})", where=shown_as) from None
    except OSError as e:
        raise InputError(f"cannot be read: {e}", where=shown_as) from None

    # A document-level name that is also a line-level name (none in the TOTEM schema) is
    # qualified, never merged: both values stay visible.
    doc_columns = [(f"Document.{c}" if c in values else c, c) for c in doc_order]
    header = [shown for shown, _ in doc_columns] + line_names
    arrays = [pa.array(lines, type=pa.int64())]
    n = len(lines)
    for shown, key in doc_columns:
        arrays.append(pa.array([document[key]] * n, type=pa.string()))
    for col in line_names:
        arrays.append(pa.array(values.pop(col), type=pa.string()))
    table = pa.Table.from_arrays(arrays, names=["source_line", *header])
    return header, table


def load_budget_xml(con: duckdb.DuckDBPyConnection, path: Path, raw_table: str) -> tuple[str, ...]:
    """Create the raw table of the XML as extract does for delimited text: the cells in the temp
    table `<raw_table>_cells` (record_index, source_line, c001..cNNN), `raw_table` a view over
    them; header[i] names column c{i+1:03d}. Returns the header."""
    import pyarrow as pa
    header, table = read_budget_xml(path)
    columns = [f"c{i:03d}" for i in range(1, len(header) + 1)]
    # Read by its name in the SQL (DuckDB's scan of a Python variable): unlike con.register, this
    # works even when an earlier result on the connection was left unfinished.
    budget_xml_rows = table.add_column(0, "record_index", pa.array(range(table.num_rows), type=pa.int64()))  # noqa: F841
    selected = "".join(f", {quote_ident(h)} as {c}" for h, c in zip(header, columns))
    con.execute(f"""
        create or replace temp table {quote_ident(raw_table + '__xml')} as
        select record_index, source_line{selected}
        from budget_xml_rows order by record_index
    """)
    replace_raw(con, raw_table, raw_table + "__xml")
    return tuple(header)
