"""Small warehouses for the app's tests (tests/app_data/, tests/test_app.py).

Two publishers in two currencies over two years, redacted rows (with a stored name that must
never show), a department with an apostrophe, supplier names containing LIKE wildcards and
quotes, a credit note, amounts whose float sum would not be exact, a row without a department,
COFOG codes on one publisher only, a population for one publisher, and (optionally) a budget for
the other, shaped as the `budget` table the app expects.

`write_warehouse` builds the file like a publish does: tables, then every
`etl/sql/marts/agg_*.sql` in build order (etl.warehouse.derived_marts), then an atomic `os.replace`.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from etl.paths import SQL_DIR
from etl.schema import load_schema
from etl.sqltext import quote_literal
from etl.warehouse import COFOG_CSV, COFOG_SQL, derived_marts

WESTMINSTER = "E09000033"
LYON = "216901231"
SECRET_NAME = "Jane Q. Citizen"  # stored on redacted rows: must never be displayed
WESTMINSTER_POPULATION = 204_300

COFOG = {  # department -> COFOG class, Westminster only
    "Children's Services": "09.1.1",
    "Highways": "04.5.1",
    "Adult Social Care": "10.1.2",
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def source_sha(publisher: str, period: str) -> str:
    return sha(f"{publisher}-{period}")


def _row(
    publisher: str,
    line: int,
    period: str,
    day: int,
    department: str | None,
    supplier: str | None,
    amount: str,
    *,
    redacted: bool = False,
    purpose: str | None = None,
) -> dict[str, Any]:
    name, currency = {
        WESTMINSTER: ("Westminster City Council", "GBP"),
        LYON: ("Ville de Lyon", "EUR"),
    }[publisher]
    y, m = (int(x) for x in period.split("-"))
    return {
        "publisher_id": publisher,
        "publisher_name": name,
        "period": period,
        "payment_date": date(y, m, day),
        "transaction_id": f"T{line:04d}",
        "department": department,
        "expense_type": "Services",
        "cofog_code": COFOG.get(department or "") if publisher == WESTMINSTER else None,
        "supplier_name": supplier,
        "supplier_id": None if supplier is None else f"ID-{sha(supplier)[:6]}",
        "purpose": purpose,
        "amount": Decimal(amount),
        "currency": currency,
        "is_redacted": redacted,
        "redaction_reason": "natural-person" if redacted else None,
        "source_file_sha256": source_sha(publisher, period),
        "source_line": line,
        "release_id": f"r-{publisher}-{y}",
    }


def sample_rows() -> list[dict[str, Any]]:
    W, L = WESTMINSTER, LYON
    return [
        _row(W, 2, "2023-01", 10, "Highways", "Acme Construction Ltd", "500.00"),
        _row(W, 2, "2023-02", 11, "Children's Services", "100% Recycling Ltd", "1000.00"),
        _row(W, 3, "2023-02", 12, "Adult Social Care", SECRET_NAME, "60.00", redacted=True),
        _row(W, 2, "2024-01", 5, "Children's Services", "Acme Construction Ltd", "1234.56",
             purpose="School roof repairs"),
        _row(W, 3, "2024-01", 9, "Children's Services", "100% Recycling Ltd", "0.10"),
        _row(W, 4, "2024-01", 12, "Highways", "100% Recycling Ltd", "0.20"),
        _row(W, 5, "2024-01", 20, "Highways", SECRET_NAME, "250.00", redacted=True),
        _row(W, 2, "2024-02", 3, "Highways", "Acme Construction Ltd", "98765.43"),
        _row(W, 3, "2024-02", 14, "Adult Social Care", SECRET_NAME, "75.25", redacted=True),
        _row(W, 4, "2024-02", 28, "Adult Social Care", "O'Brien & Sons", "-120.00"),
        _row(W, 5, "2024-02", 28, None, "A_B Consulting", "5000.00"),
        _row(W, 2, "2024-03", 1, "Children's Services", "a_b consulting", "19.99"),
        _row(W, 3, "2024-03", 30, "Highways", "ACME CONSTRUCTION LTD", "0.01"),
        _row(L, 2, "2024-01", 15, "Direction de l'Éducation", "Société Générale", "1500.00"),
        _row(L, 3, "2024-02", 15, "Direction de l'Éducation", "Écoles Numériques SA", "2750.50",
             purpose="Tablettes pour les écoles"),
        _row(L, 4, "2024-02", 16, "Voirie", SECRET_NAME, "42.00", redacted=True),
        _row(L, 5, "2024-03", 2, "Voirie", "Acme Construction Ltd", "10000.00"),
    ]


def sample_releases() -> list[tuple[str, datetime, str]]:
    return [
        (f"r-{WESTMINSTER}-0", datetime(2023, 1, 1, 9, 0), WESTMINSTER),  # rows since replaced
        (f"r-{WESTMINSTER}-2023", datetime(2023, 3, 1, 9, 0), WESTMINSTER),
        (f"r-{WESTMINSTER}-2024", datetime(2024, 4, 2, 10, 30), WESTMINSTER),
        (f"r-{LYON}-2024", datetime(2024, 4, 5, 8, 15), LYON),
    ]


def _budget_row(year: int, phase: str, direction: str, function: tuple[str, str],
                chapter: tuple[str, str], amount: str, *, real: bool = True,
                section: str = "operating") -> dict[str, Any]:
    return {
        "publisher_id": LYON, "publisher_name": "Ville de Lyon", "fiscal_year": year,
        "phase": phase, "direction": direction,
        "functional_code": function[0], "functional_label": function[1],
        "cofog_code": None, "economic_code": chapter[0], "economic_label": chapter[1],
        "section": section, "is_real": real, "amount": Decimal(amount), "currency": "EUR",
    }


EDUCATION = ("2", "Enseignement - formation")
ROADS = ("8", "Aménagement et services urbains")
GENERAL = ("0", "Services généraux")
CHARGES = ("011", "Charges à caractère général")
STAFF = ("012", "Charges de personnel")
TAXES = ("73", "Impôts et taxes")


def sample_budget() -> list[dict[str, Any]]:
    """Lyon's 2024 budget: voted, amended and executed expenditure by function and chapter,
    an order operation that must be left out, and revenue."""
    b = _budget_row
    return [
        b(2024, "approved", "expenditure", EDUCATION, STAFF, "600000.00"),
        b(2024, "approved", "expenditure", EDUCATION, CHARGES, "150000.00"),
        b(2024, "approved", "expenditure", ROADS, CHARGES, "200000.00"),
        b(2024, "approved", "expenditure", GENERAL, STAFF, "50000.00"),
        b(2024, "adjusted", "expenditure", EDUCATION, STAFF, "620000.00"),
        b(2024, "adjusted", "expenditure", EDUCATION, CHARGES, "150000.00"),
        b(2024, "adjusted", "expenditure", ROADS, CHARGES, "230000.00"),
        b(2024, "adjusted", "expenditure", GENERAL, STAFF, "50000.00"),
        b(2024, "executed", "expenditure", EDUCATION, STAFF, "590000.00"),
        b(2024, "executed", "expenditure", EDUCATION, CHARGES, "140500.50"),
        b(2024, "executed", "expenditure", ROADS, CHARGES, "199999.99"),
        b(2024, "executed", "expenditure", GENERAL, STAFF, "45000.00"),
        b(2024, "approved", "expenditure", GENERAL, ("023", "Virement à la section "
          "d'investissement"), "99999.00", real=False),
        b(2024, "executed", "expenditure", GENERAL, ("042", "Opérations d'ordre"), "88888.00",
          real=False),
        b(2024, "approved", "revenue", GENERAL, TAXES, "1000000.00"),
        b(2024, "executed", "revenue", GENERAL, TAXES, "1010000.00"),
    ]


BUDGET_DDL = """
create table budget (
    publisher_id varchar, publisher_name varchar, fiscal_year integer, phase varchar,
    direction varchar, functional_code varchar, functional_label varchar, cofog_code varchar,
    economic_code varchar, economic_label varchar, section varchar, is_real boolean,
    amount decimal(18, 2), currency varchar
)
"""


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    con.executemany(
        f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
        [[r[n] for n in names] for r in rows],
    )


def _columns_also_required(con: duckdb.DuckDBPyConnection, table: str, **values: Any
                           ) -> dict[str, Any]:
    """Values for the columns a newer releases.sql added (seq, kind...), when it has them."""
    have = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ?", [table]
    ).fetchall()}
    defaults = {"seq": values.get("seq", 1), "kind": "publish"}
    return {k: v for k, v in defaults.items() if k in have}


def _bookkeeping(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]],
                 releases: list[tuple[str, datetime, str]]) -> None:
    """releases, release_sources, release_totals, release_redacted_published and publishers,
    shaped as a publish writes them (etl/sql/marts/releases.sql)."""
    con.execute((SQL_DIR / "marts" / "releases.sql").read_text(encoding="utf-8"))
    for seq, (release_id, published_at, publisher) in enumerate(releases, start=1):
        mine = [r for r in rows if r["release_id"] == release_id]
        periods = sorted({r["period"] for r in mine})
        _insert(con, "releases", [{
            "release_id": release_id, "published_at": published_at, "publisher_id": publisher,
            "dataset": "spending", "periods": periods, "profile_sha256": sha("profile"),
            "tool_version": "0.1.0", "rows_read": len(mine), "rows_loaded": len(mine),
            "rows_rejected": 0, "rows_redacted": sum(r["is_redacted"] for r in mine),
        } | _columns_also_required(con, "releases", seq=seq)])
        for period in periods:
            lines = [r for r in mine if r["period"] == period]
            total = sum((r["amount"] for r in lines), Decimal(0))
            con.execute(
                "insert into release_sources values (?, ?, ?, 1000, 'utf-8', ?, 1, ?, ?, ?)",
                [release_id, f"{publisher}-{period}.csv", source_sha(publisher, period), period,
                 len(lines), len(lines), total],
            )
            con.execute("insert into release_totals values (?, ?, ?, ?, ?)",
                        [release_id, period, lines[0]["currency"], len(lines), total])
    if f"r-{WESTMINSTER}-2024" in {r for r, _, _ in releases}:   # a name confirmed after 2023's release
        con.execute("insert into release_redacted_published values (?, '2023-02', 3)", [f"r-{WESTMINSTER}-2024"])
    con.execute("insert into publishers values (?, ?, 'GB', 'https://www.westminster.gov.uk', "
                "?, 2021)", [WESTMINSTER, "Westminster City Council", WESTMINSTER_POPULATION])
    con.execute("insert into publishers values (?, ?, 'FR', 'https://www.lyon.fr', null, null)",
                [LYON, "Ville de Lyon"])


def refresh_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """Every agg_* mart built for every publisher, as a home's first publish does
    (AttachedWarehouse.refresh_aggregates)."""
    for _, sql in derived_marts("agg_"):
        con.execute(sql)


def write_warehouse(
    path: Path,
    rows: list[dict[str, Any]] | None = None,
    *,
    releases: list[tuple[str, datetime, str]] | None = None,
    with_spending: bool = True,
    aggregates: bool = True,
    budget: list[dict[str, Any]] | None = None,
    cofog: bool = True,
) -> Path:
    """Build a warehouse next to `path`, then os.replace it into place (like a publish).

    `releases=None`: no bookkeeping tables at all (an old warehouse). `aggregates=False`: no
    agg_* tables (a warehouse published before they existed). `budget`: rows of a `budget`
    table (none when None)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    schema = load_schema("spending")
    data = sample_rows() if rows is None else rows
    con = duckdb.connect(str(tmp))
    try:
        if with_spending:
            con.execute(schema.create_table_sql("spending"))
            _insert(con, "spending",
                    [{n: r.get(n) for n in schema.field_names} for r in data])
        if releases is not None:
            _bookkeeping(con, data, releases)
        if cofog:
            con.execute(COFOG_SQL.format(path=quote_literal(str(COFOG_CSV))))
        if budget is not None:
            con.execute(BUDGET_DDL)
            _insert(con, "budget", budget)
        if with_spending and aggregates:
            refresh_aggregates(con)
    finally:
        con.close()
    os.replace(tmp, path)
    return path
