"""France's SCDL budget CSV (scdl/budget 0.8.3, `BGT_*` columns) from the canonical budget table.

The column list, order and constraints are those of schemas/scdl-budget-0.8.3.schema.json; this
module only says where each column comes from. Codes and amounts are the budget table's, labels
its own or, where it has none, the chart of accounts' (tables made by etl.reference.load_m14).
Values are the standard's French words: `compte administratif`, `dépense`, `réel`,
`fonctionnement`, ...
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..schema import TableSchema, load_schema
from .. import spreadsheet
from ..sqltext import quote_ident, quote_literal

SCDL_BUDGET_SCHEMA = "scdl-budget-0.8.3"

# Where each SCDL column comes from, in the budget table `b` (and the chart's tables ch, ac, fn).
SOURCES: dict[str, str] = {
    "BGT_NATDEC": "b.budget_stage",
    "BGT_ANNEE": "b.fiscal_year",
    "BGT_SIRET": "b.entity_id",
    "BGT_NOM": "coalesce(b.entity_name, b.publisher_name)",
    "BGT_CONTNAT": "b.chapter_code",
    "BGT_CONTNAT_LABEL": "coalesce(b.chapter_label, ch.chapter_label, chac.account_label)",
    "BGT_NATURE": "b.economic_code",
    "BGT_NATURE_LABEL": "coalesce(b.economic_label, ac.account_label)",
    "BGT_FONCTION": "b.functional_code",
    "BGT_FONCTION_LABEL": "coalesce(b.functional_label, fn.function_label)",
    "BGT_OPERATION": "b.operation",
    "BGT_SECTION": ("case coalesce(b.section, ch.section, chac.section) when 'investment' then 'investissement' "
                    "when 'operating' then 'fonctionnement' end"),
    "BGT_OPBUDG": "case b.is_real when true then 'réel' when false then 'ordre' end",
    "BGT_CODRD": "case b.direction when 'revenue' then 'recette' when 'expenditure' then 'dépense' end",
    "BGT_MTREAL": "b.amount_executed",
    "BGT_MTBUDGPREC": "b.amount_previous_budget",
    "BGT_MTRARPREC": "b.amount_prior_carryover",
    "BGT_MTPROPNOUV": "b.amount_new_proposals",
    "BGT_MTPREV": "b.amount_voted",
    "BGT_CREDOUV": "b.amount_open",
    "BGT_MTRAR3112": "b.amount_carryover",
    "BGT_ARTSPE": "case b.is_specialised when true then 'spécialisé' when false then 'non spécialisé' end",
}


def scdl_schema() -> TableSchema:
    return load_schema(SCDL_BUDGET_SCHEMA)


def scdl_query(table: str = "budget", *, publisher_id: str | None = None,
               chart: dict[str, str] | None = None) -> str:
    """DuckDB SQL selecting the SCDL budget rows (BGT_* columns in the schema's order).

    table: the canonical budget table (e.g. `budget`, `wh.budget`, `stg_budget`);
    chart: role -> table of a chart of accounts (etl.reference.load_m14), used for missing labels.
    Rows come in source order (file, line).
    """
    schema = scdl_schema()
    if list(SOURCES) != schema.field_names:
        raise RuntimeError("SOURCES no longer matches schemas/scdl-budget-0.8.3.schema.json")
    columns = []
    for field in schema.fields:
        expr = SOURCES[field.name]
        if field.type == "number":
            expr = f"cast({expr} as decimal(18, 2))"
        columns.append(f"{expr} as {quote_ident(field.name)}")
    if chart:
        joins = (f"left join (select * from {quote_ident(chart['chapters'])} where presentation = 'nature') ch "
                 f"on ch.chapter_code = b.chapter_code\n"
                 f"left join {quote_ident(chart['accounts'])} chac on chac.account_code = b.chapter_code\n"
                 f"left join {quote_ident(chart['accounts'])} ac on ac.account_code = b.economic_code\n"
                 f"left join {quote_ident(chart['functions'])} fn on fn.function_code = b.functional_code")
    else:
        joins = ("left join (select null::varchar as chapter_label, null::varchar as section) ch on false\n"
                 "left join (select null::varchar as account_label, null::varchar as section) chac on false\n"
                 "left join (select null::varchar as account_label) ac on false\n"
                 "left join (select null::varchar as function_label) fn on false")
    where = f"where b.publisher_id = {quote_literal(publisher_id)}" if publisher_id else ""
    source = ".".join(quote_ident(p) for p in table.split("."))
    return (f"select {', '.join(columns)}\nfrom {source} b\n{joins}\n{where}\n"
            "order by b.fiscal_year, b.source_file_sha256, b.source_line")


def write_scdl_budget(con: duckdb.DuckDBPyConnection, target: Path, table: str = "budget", *,
                      publisher_id: str | None = None, chart: dict[str, str] | None = None) -> int:
    """Write the SCDL budget CSV (UTF-8, comma, header) to target; returns the number of rows."""
    query = scdl_query(table, publisher_id=publisher_id, chart=chart)
    target.parent.mkdir(parents=True, exist_ok=True)
    return con.execute(f"copy ({spreadsheet.safe_query(con, query)}) to {quote_literal(str(target))} "
                       "(format csv, header true)").fetchone()[0]
