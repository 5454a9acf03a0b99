"""The UK Local Government Transparency Code 2015 spending CSV from the canonical spending table.

One row per payment, in the order of the publisher's own files (period, then file and line), with
the Code's mandatory fields (date, department, beneficiary, purpose, amount, irrecoverable VAT) and
the common template's optional ones (body name and identifier, transaction number, service area,
expenditure category, expense code, supplier id, capital or revenue), headed as the template names
them. Body is the body's official code (its ONS code in England) when the profile gives one
(`publisher.identifier`), else the publisher id. Dates are written the UK way (dd/mm/yyyy), amounts
as plain decimals in pounds. Rows already redacted keep their amount, date and department; their
beneficiary reads "Redacted – personal data" and their supplier id is left empty.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import SpendpubError
from ..schema import load_schema
from .. import spreadsheet
from ..releases import row_order
from ..sqltext import quote_ident, quote_literal

DATE_FORMAT = "%d/%m/%Y"

# (template header, canonical spending field, SQL over `s`, Table Schema type of the CSV column)
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("Body Name", "publisher_name", "s.publisher_name", "string"),
    ("Body", "publisher_id", "s.publisher_id", "string"),
    ("Date", "payment_date", f"strftime(s.payment_date, '{DATE_FORMAT}')", "date"),
    ("Transaction Number", "transaction_id", "s.transaction_id", "string"),
    ("Net Amount", "amount", "cast(s.amount as decimal(18, 2))", "number"),
    ("Irrecoverable VAT", "vat_irrecoverable", "cast(s.vat_irrecoverable as decimal(18, 2))", "number"),
    ("Department", "department", "s.department", "string"),
    ("Service Area", "service", "s.service", "string"),
    ("Expenditure Category", "expense_type", "s.expense_type", "string"),
    ("Expense Code", "expense_code", "s.expense_code", "string"),
    ("Purpose", "purpose", "s.purpose", "string"),
    ("Supplier Name", "supplier_name", "s.supplier_name", "string"),
    ("Supplier ID", "supplier_id", "case when s.is_redacted then null else s.supplier_id end", "string"),
    ("Capital or Revenue", "capital_or_revenue",
     "case s.capital_or_revenue when 'capital' then 'Capital' when 'revenue' then 'Revenue' end", "string"),
)
NAME_COLUMNS = tuple(header for header, field, *_ in COLUMNS if field == "supplier_name")   # for the leak gate
BODY = "Body"


def _columns() -> list[tuple[str, str, str, str]]:
    """The template columns whose canonical field the spending schema has."""
    fields = set(load_schema("spending").field_names)
    return [c for c in COLUMNS if c[1] in fields]


def uk_spend_schema() -> dict:
    """Frictionless Table Schema of the CSV written by write_uk_spend. A column is required where
    its spending field is: the Code asks for a supplier name and a department on every row, but a
    source may leave them empty, and spendpub publishes such a row as it is."""
    spending = load_schema("spending")
    fields = []
    for header, source, _, type_ in _columns():
        f = {"name": header, "type": type_, "description": f"From the spendpub spending field {source}."}
        if type_ == "date":
            f["format"] = DATE_FORMAT
        if spending.field(source).constraints.get("required"):
            f["constraints"] = {"required": True}
        fields.append(f)
    return {"fields": fields, "missingValues": [""]}


def _where(publisher_id: str | None, period: str | None, alias: str = "") -> str:
    conditions = [f"{alias}publisher_id = {quote_literal(publisher_id)}"] if publisher_id else []
    if period is not None:
        conditions.append(f"{alias}period = {quote_literal(period)}")
    return " and ".join(conditions) or "true"


def uk_spend_query(table: str = "spending", *, publisher_id: str | None = None, period: str | None = None,
                   body: str | None = None) -> str:
    """DuckDB SQL selecting the transparency-code rows in the canonical table's order: period, then
    source file and line, each row where the publisher's own export had it. One period's rows are
    not sorted again: the warehouse stores them in that order (releases.row_order). `body`: the
    body's official code for the Body column (the publisher id when None)."""
    columns = ", ".join(f"{quote_literal(body) if header == BODY and body else expr} as {quote_ident(header)}"
                        for header, _, expr, _ in _columns())
    source = ".".join(quote_ident(p) for p in table.split("."))
    order = "" if period is not None else f"order by {row_order(load_schema('spending'))}"
    return f"select {columns}\nfrom {source} s\nwhere {_where(publisher_id, period, 's.')}\n{order}"


def other_currencies(con: duckdb.DuckDBPyConnection, table: str = "spending", *, publisher_id: str | None = None,
                     period: str | None = None) -> tuple[int, str | None]:
    """(rows not in GBP, their currencies) among the rows the CSV would hold."""
    source = ".".join(quote_ident(p) for p in table.split("."))
    return con.execute(f"select count(*), string_agg(distinct currency, ', ') from {source} "
                       f"where {_where(publisher_id, period)} and currency is distinct from 'GBP'").fetchone()


def write_uk_spend(con: duckdb.DuckDBPyConnection, target: Path, table: str = "spending", *,
                   publisher_id: str | None = None, period: str | None = None, body: str | None = None) -> int:
    """Write the CSV (UTF-8, comma, header) of the rows (a publisher's, one period of them);
    returns the number of rows. Amounts must be in GBP. `body`: as in uk_spend_query."""
    others, currencies = other_currencies(con, table, publisher_id=publisher_id, period=period)
    if others:
        raise SpendpubError(f"the transparency-code CSV is in pounds, but {others} rows are in "
                            f"{currencies or 'no currency'}", where=table)
    query = uk_spend_query(table, publisher_id=publisher_id, period=period, body=body)
    target.parent.mkdir(parents=True, exist_ok=True)
    return con.execute(f"copy ({spreadsheet.safe_query(con, query)}) to {quote_literal(str(target))} "
                       "(format csv, header true)").fetchone()[0]
