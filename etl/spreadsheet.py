"""Spreadsheet safety: no published text cell can run as a formula when a CSV is opened.

A spreadsheet treats a cell that starts with '=', '+', '-' or '@' as a formula (and a leading tab
or carriage return can hide one), so a supplier called '=HYPERLINK(...)' would run on the reader's
machine. As OWASP recommends, such a text gets an apostrophe in front, which spreadsheets read as
"this is text". A text that already starts with an apostrophe gets one more, so the rule can be
undone exactly: remove one leading apostrophe from any text cell that starts with one.

Only text columns are touched: amounts and dates are typed values, and a negative amount such as
-12.50 is a number, not a formula. A text such as a reference '-5' is neutralised like any other.
Parquet files and the warehouse keep the original texts: they are typed data, not opened as
spreadsheets.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .schema import TableSchema
from .sqltext import quote_ident, quote_literal

# What makes a spreadsheet read a cell as a formula (OWASP CSV injection), and the escape itself.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_APOSTROPHE = quote_literal(ESCAPE)
# The first character decides, except after blanks. Most texts start with a letter or a digit, which
# a byte comparison (x < '0': every first character that matters but '=' and '@' is below '0') and
# prefix tests rule out before ascii() is compared with the codes; only a text starting with a
# space, newline or form feed (RE2's other \s) goes through the regular expression.
_BLANKS = (" ", "\n", "\f")
_TRIGGER_CODES = ", ".join(str(ord(c)) for c in (*FORMULA_TRIGGERS, ESCAPE))
_BLANK_CODES = ", ".join(str(ord(c)) for c in _BLANKS)
_FROM_ZERO = [c for c in (*FORMULA_TRIGGERS, ESCAPE, *_BLANKS) if c >= "0"]
_AFTER_BLANKS = quote_literal(r"^\s*[=+\-@]")


def _needs_escape(x: str) -> str:
    """SQL: does text x start like a formula (or with the escape itself)?"""
    may = f"{x} < '0'" + "".join(f" or starts_with({x}, {quote_literal(c)})" for c in _FROM_ZERO)
    return (f"(({may}) and (ascii({x}) in ({_TRIGGER_CODES}) "
            f"or (ascii({x}) in ({_BLANK_CODES}) and regexp_matches({x}, {_AFTER_BLANKS}))))")


SAFE_CELL_MACRO = (
    f"create or replace macro safe_cell(x) as case when {_needs_escape('x')} then {_APOSTROPHE} || x else x end"
)

SPREADSHEET_NOTE = (
    "Safe to open in a spreadsheet: in the CSV files, a text cell that would start with =, +, -, @ "
    "(after any spaces), a tab, a carriage return or an apostrophe starts with one more apostrophe (') so that no "
    "spreadsheet runs it as a formula (OWASP CSV injection). To get the original text, remove one "
    "leading apostrophe from any text cell that starts with one. Numbers and dates are never changed; "
    "the Parquet files hold the original texts."
)

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def install(con) -> None:
    """Create the safe_cell(x) macro on a DuckDB connection."""
    con.execute(SAFE_CELL_MACRO)


def safe_expression(sql: str) -> str:
    """SQL neutralising one text expression, without needing the macro."""
    return f"(case when {_needs_escape(sql)} then {_APOSTROPHE} || {sql} else {sql} end)"


def safe_select_list(schema: TableSchema, qualifier: str = "") -> str:
    """The select list of a CSV export: the schema's fields in order, every string field neutralised."""
    prefix = f"{qualifier}." if qualifier else ""
    out = []
    for f in schema.fields:
        col = prefix + quote_ident(f.name)
        out.append(f"{safe_expression(col)} as {quote_ident(f.name)}" if f.type == "string" else col)
    return ", ".join(out)


def safe_query(con, query: str) -> str:
    """Any query, wrapped so that every text column of its result is neutralised (same order, names).

    For CSV writers whose query is not a schema's field list: `copy ({safe_query(con, q)}) to ...`.
    """
    columns = con.execute(f"describe {query}").fetchall()
    select = ", ".join(
        f"{safe_expression('q.' + quote_ident(name))} as {quote_ident(name)}" if type_ == "VARCHAR"
        else f"q.{quote_ident(name)}"
        for name, type_, *_ in columns)
    return f"select {select} from ({query}) q"


_SPACES = " \t\n\f\r"  # what RE2's \s means: the same rule in SQL and in Python


def _triggered(text: str) -> bool:
    return text[0] in (*FORMULA_TRIGGERS, ESCAPE) or text.lstrip(_SPACES)[:1] in FORMULA_TRIGGERS[:4]


def neutralise(text: str | None) -> str | None:
    """The same rule in Python, for the few texts written outside DuckDB."""
    return ESCAPE + text if text and _triggered(text) else text


def restore(text: str | None) -> str | None:
    """Undo neutralise(): what a reader does to get the original text back."""
    return text[1:] if text and text.startswith(ESCAPE) else text


def is_formula(cell: str) -> bool:
    """True when a spreadsheet could run this cell as a formula (a plain number cannot)."""
    return (bool(cell) and (cell[0] in FORMULA_TRIGGERS or cell.lstrip(_SPACES)[:1] in FORMULA_TRIGGERS[:4])
            and not NUMBER.fullmatch(cell))


def formula_cells(csv_path: Path) -> list[tuple[int, str, str]]:
    """(row, column, text) of every cell of a CSV file that a spreadsheet could run as a formula.

    Rows count from 1 for the header. Numbers such as -12.50 are not formulas.
    """
    found = []
    with open(csv_path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header: list[str] = []
        for row_number, row in enumerate(reader, start=1):
            if row_number == 1:
                header = row
            for i, cell in enumerate(row):
                if is_formula(cell):
                    column = header[i] if i < len(header) else f"column {i + 1}"
                    found.append((row_number, column, cell))
    return found
