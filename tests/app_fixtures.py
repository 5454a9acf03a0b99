"""Small warehouses for the app's tests (tests/test_app_data.py, tests/test_app.py).

Two publishers in two currencies, redacted rows (with a stored name that must never show),
a department with an apostrophe, supplier names containing LIKE wildcards and quotes, a credit
note, amounts whose float sum would not be exact, and a row without a department.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from etl.schema import load_schema

WESTMINSTER = "E09000033"
LYON = "216901231"
SECRET_NAME = "Jane Q. Citizen"  # stored on redacted rows: must never be displayed


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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
        "supplier_name": supplier,
        "purpose": purpose,
        "amount": Decimal(amount),
        "currency": currency,
        "is_redacted": redacted,
        "redaction_reason": "natural-person" if redacted else None,
        "source_file_sha256": _sha(f"{publisher}-{period}"),
        "source_line": line,
        "release_id": f"r-{publisher}-1",
    }


def sample_rows() -> list[dict[str, Any]]:
    W, L = WESTMINSTER, LYON
    return [
        _row(W, 2, "2024-01", 5, "Children's Services", "Acme Construction Ltd", "1234.56"),
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
        _row(L, 3, "2024-02", 15, "Direction de l'Éducation", "Écoles Numériques SA", "2750.50"),
        _row(L, 4, "2024-02", 16, "Voirie", SECRET_NAME, "42.00", redacted=True),
        _row(L, 5, "2024-03", 2, "Voirie", "Acme Construction Ltd", "10000.00"),
    ]


def sample_releases() -> list[tuple[str, datetime, str]]:
    return [
        (f"r-{WESTMINSTER}-0", datetime(2024, 3, 1, 9, 0), WESTMINSTER),
        (f"r-{WESTMINSTER}-1", datetime(2024, 4, 2, 10, 30), WESTMINSTER),
        (f"r-{LYON}-1", datetime(2024, 4, 5, 8, 15), LYON),
    ]


def write_warehouse(
    path: Path,
    rows: list[dict[str, Any]] | None = None,
    *,
    releases: list[tuple[str, datetime, str]] | None = None,
    with_spending: bool = True,
) -> Path:
    """Build a warehouse next to `path`, then os.replace it into place (like a publish)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    schema = load_schema("spending")
    con = duckdb.connect(str(tmp))
    try:
        if with_spending:
            con.execute(schema.create_table_sql("spending"))
            names = schema.field_names
            insert = (
                f"insert into spending ({', '.join(names)}) "
                f"values ({', '.join('?' for _ in names)})"
            )
            data = [[r.get(n) for n in names] for r in (sample_rows() if rows is None else rows)]
            if data:
                con.executemany(insert, data)
        if releases is not None:
            con.execute(
                "create table releases "
                "(release_id varchar, published_at timestamp, publisher_id varchar)"
            )
            if releases:
                con.executemany("insert into releases values (?, ?, ?)", releases)
    finally:
        con.close()
    os.replace(tmp, path)
    return path
