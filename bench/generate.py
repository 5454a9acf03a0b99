"""A realistic synthetic spending export, written by DuckDB in one vectorised query.

    .venv/bin/python -m bench.generate --rows 1000000 --out var/bench

The export has Leeds City Council's layout (the Local Government Transparency Code's columns,
plus a supplier ID and a COFOG code): departments and divisions with uneven weights, 20,000
suppliers with a skewed frequency (a few get most payments), log-normal amounts over £500 with
1% credit notes and thousands-separated quoted amounts, dates in the month with a fifth in the
previous one, redacted personal names, and a grand-total row at the end.

About `error_rate` of the rows (0.1% by default) carry one injected error, spread evenly over
every kind: each type error, each constraint, unique and primary key, foreign key, missing and
extra cells, blank rows, and the domain issues only spendpub checks (bad company numbers, dates
outside the period, probable duplicates). Every value is a pure function of the row number, so
a file is the same at every run.

Beside the export it writes the Table Schema and a datapackage.json (export + COFOG, for the
foreign key) that `frictionless validate` reads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import engine

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SCHEMA_PATH = BENCH_DIR / "export.schema.json"
PROFILE_PATH = BENCH_DIR / "profile.yaml"
COFOG_CSV = ROOT / "datasets" / "reference" / "cofog" / "cofog.csv"
PERIOD = "2024-05"

HEADER = ["Body", "Body name", "Service label", "Service division label", "Expenditure category",
          "Detailed expenses type", "Detailed expense code", "Date paid", "Transaction number", "Net amount",
          "Capital or revenue", "Supplier name", "Supplier ID", "COFOG"]

# (service label, weight, COFOG code)
DEPARTMENTS = [
    ("Adult Social Care", 22, "10.1.2"), ("Children's Services", 18, "10.4.0"),
    ("City Development", 9, "04.5.1"), ("Environment and Housing", 12, "06.1.0"),
    ("Resources and Housing", 8, "01.3.3"), ("Communities and Environment", 7, "05.1.0"),
    ("Public Health", 4, "07.4.0"), ("Highways and Transportation", 8, "04.5.1"),
    ("Schools", 7, "09.1.2"), ("Parks and Countryside", 3, "08.1.0"), ("Libraries", 1, "08.2.0"),
    ("Strategy and Resources", 1, "01.1.1")]
DIVISIONS = ["Commissioning", "Operations", "Business Support", "Strategy", "Transport Services", "Facilities",
             "Procurement", "Fleet Services"]
CATEGORIES = ["Supplies and Services", "Third Party Payments", "Premises", "Transport", "Employees",
              "Transfer Payments", "Capital"]
CATEGORY_WEIGHTS = [40, 25, 12, 8, 6, 5, 4]
EXPENSES = [("Other Materials", 205), ("Courses For Non-Employees", 281), ("Computer Software & Equipment", 214),
            ("Operational Furniture And Equipment", 203), ("Private Contractors", 512),
            ("Residential Care - Independent Sector", 530), ("Home Care - Independent Sector", 531),
            ("Electricity", 130), ("Gas", 131), ("Water Rates", 134), ("Repairs and Maintenance", 110),
            ("Rents", 140), ("Vehicle Hire", 220), ("Fuel", 223), ("Consultants Fees", 290),
            ("Legal Fees", 291), ("Printing and Stationery", 240), ("Catering Provisions", 250),
            ("Agency Staff", 120), ("Grants to Voluntary Organisations", 560), ("Construction Works", 710),
            ("Professional Fees - Capital", 720), ("Equipment Purchase", 211), ("Postage", 245),
            ("Telephones", 260), ("Insurance", 270), ("Subscriptions", 280), ("Waste Disposal", 515),
            ("Cleaning", 113), ("Security Services", 114)]
ADJECTIVES = ["Northern", "Allied", "Premier", "Yorkshire", "Pennine", "United", "Central", "Crown", "Apex",
              "Sterling", "Riverside", "Metro", "Heritage", "Summit", "Civic", "Greenfield", "Oakwood", "Aire",
              "Castle", "Harbour", "Phoenix", "Kingfisher", "Meridian", "Horizon", "Beacon", "Vale", "Moorland",
              "Millennium", "Abbey", "Clarion", "Capital", "Eastgate", "Westfield", "Brook", "Ashdown", "Swift",
              "Royal", "Valley", "Union", "Atlas"]
NOUNS = ["Care", "Building", "Logistics", "Consulting", "Cleaning", "Catering", "Security", "Engineering",
         "Solutions", "Supplies", "Transport", "Facilities", "Housing", "Health", "Education", "Print",
         "Electrical", "Roofing", "Plumbing", "Landscapes", "Waste", "Energy", "Fleet", "Training", "Legal",
         "Software", "Furniture", "Scaffolding", "Glazing", "Joinery", "Signs", "Hire", "Medical", "Foods",
         "Textiles", "Media", "Data", "Surveys", "Design", "Travel", "Tools", "Paving", "Lighting", "Water",
         "Motors", "Doors", "Windows", "Flooring", "Kitchens", "Gardens"]
SUFFIXES = ["Ltd", "Limited", "Ltd", "Services Ltd", "Group Ltd", "PLC", "LLP", "& Sons Ltd", "UK Ltd",
            "& Co, Ltd"]
SUPPLIERS = 20_000

# Injected errors: the kind, what breaks, and whether frictionless sees it.
ERROR_KINDS = [
    "type-date", "type-amount", "type-expense-code", "required-supplier", "enum-capital-revenue",
    "pattern-transaction", "maximum-expense-code", "min-length-supplier", "max-length-supplier",
    "duplicate-transaction", "foreign-key-cofog", "missing-cells", "extra-cell", "blank-row",
    "bad-company-number", "date-outside-period", "probable-duplicate",
]


def _list(values: list) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _pick(u: str, items: list, weights: list[int] | None = None) -> str:
    """SQL: an element of `items` chosen by the uniform `u` in [0, 1) (weighted when asked)."""
    if not weights:
        return f"{_list(items)}[1 + cast(floor({u} * {len(items)}) as integer)]"
    total, acc, cases = sum(weights), 0, []
    for item, w in zip(items, weights):
        acc += w
        cases.append(f"when {u} < {acc / total!r} then '{str(item).replace(chr(39), chr(39) * 2)}'")
    return f"(case {' '.join(cases[:-1])} else '{str(items[-1]).replace(chr(39), chr(39) * 2)}' end)"


def _u(index: str, salt: str) -> str:
    return f"((hash({index}, '{salt}') % 1000003) / 1000003.0)"


def _fields(i: str) -> dict[str, str]:
    """SQL for every field of row `i`, pure functions of the row number."""
    dept_names = [d[0] for d in DEPARTMENTS]
    dept = _pick(_u(i, "dept"), dept_names, [d[1] for d in DEPARTMENTS])
    cofog = f"(case {dept} " + " ".join(f"when '{d.replace(chr(39), chr(39) * 2)}' then '{c}'"
                                         for d, _, c in DEPARTMENTS) + " end)"
    exp_idx = f"(1 + cast(floor({_u(i, 'exp')} * {len(EXPENSES)}) as integer))"
    z = f"(sqrt(-2 * ln(1 - {_u(i, 'a1')})) * cos(2 * pi() * {_u(i, 'a2')}))"
    # spend over £500: £500 plus a log-normal excess (median about £1,700 in all)
    magnitude = f"round(500 + exp(ln(1200) + 1.3 * {z}), 2)"
    amount = f"(case when {_u(i, 'credit')} < 0.01 then -1 else 1 end) * {magnitude}"
    # a fifth of the payments are dated in the previous month, as in Leeds' exports
    day = (f"(case when {_u(i, 'prev')} < 0.2 then date '{PERIOD}-01' - to_days(1 + cast(floor({_u(i, 'd')} * 20) "
           f"as integer)) else date '{PERIOD}-01' + to_days(cast(floor({_u(i, 'd')} * 31) as integer)) end)")
    supplier = f"cast(floor({SUPPLIERS} * pow({_u(i, 's')}, 2.2)) as integer)"
    name = (f"({_list(ADJECTIVES)}[1 + {supplier} % {len(ADJECTIVES)}] || ' ' || "
            f"{_list(NOUNS)}[1 + ({supplier} // {len(ADJECTIVES)}) % {len(NOUNS)}] || ' ' || "
            f"{_list(SUFFIXES)}[1 + ({supplier} // 7) % {len(SUFFIXES)}])")
    redacted = f"{_u(i, 'red')} < 0.03"
    company = (f"(case when {supplier} % 10 = 0 then 'SC' || lpad(cast(({supplier} * 37) % 1000000 as varchar), 6, '0') "
               f"when {supplier} % 5 < 3 then lpad(cast(({supplier} * 7919 + 1000000) % 100000000 as varchar), 8, '0') "
               f"else '' end)")
    return {
        "body": "'E08000035'",
        "body_name": "'Bench Borough Council'",
        "dept": dept,
        "division": f"{dept} || ' ' || {_pick(_u(i, 'div'), DIVISIONS)}",
        "category": _pick(_u(i, "cat"), CATEGORIES, CATEGORY_WEIGHTS),
        "exp_type": f"{_list([e[0] for e in EXPENSES])}[{exp_idx}]",
        "exp_code": f"cast({[e[1] for e in EXPENSES]}[{exp_idx}] as varchar)",
        "date": f"strftime({day}, '%d-%b-%Y')",
        "txn": f"'2405-' || lpad(cast({i} + 1 as varchar), 7, '0')",
        "amount_value": f"cast({amount} as decimal(18, 2))",
        "cap_rev": f"(case when {_u(i, 'cr')} < 0.1 then 'C' else 'R' end)",
        "supplier": f"(case when {redacted} then 'REDACTED PERSONAL DATA' else {name} end)",
        "supplier_id": f"(case when {redacted} then '' else {company} end)",
        "cofog": cofog,
    }


def _csv_cell(expr: str) -> str:
    """SQL quoting a text cell the way a CSV writer does (only when it holds , or ")."""
    return (f"(case when contains({expr}, ',') or contains({expr}, '\"') "
            f"then '\"' || replace({expr}, '\"', '\"\"') || '\"' else {expr} end)")


def _amount_text(value: str, i: str) -> str:
    """Amounts above 999 are written with thousands separators (and quoted) in a third of the rows."""
    return (f"(case when abs({value}) >= 1000 and {_u(i, 'fmt')} < 0.33 "
            f"then '\"' || format('{{:,.2f}}', {value}) || '\"' else format('{{:.2f}}', {value}) end)")


def _row_sql(rows: int, error_rate: float) -> str:
    f = _fields("i")
    prev = _fields("(i - 1)")
    kinds = len(ERROR_KINDS)
    kind = (f"(case when i > 0 and {_u('i', 'err')} < {error_rate!r} "
            f"then cast(hash(i, 'kind') % {kinds} as integer) end)")
    k = {name: n for n, name in enumerate(ERROR_KINDS)}

    def when(name: str, value: str, otherwise: str) -> str:
        return f"(case when kind = {k[name]} then {value} else {otherwise} end)"

    cells = [
        f["body"], f["body_name"], _csv_cell(f["dept"]), _csv_cell(f["division"]), _csv_cell(f["category"]),
        _csv_cell(f["exp_type"]),
        when("type-expense-code", "'2O5'", when("maximum-expense-code", "'99999'", f["exp_code"])),
        when("type-date", "'31-Feb-2024'", when("date-outside-period", "'03-Jan-2023'",
                                                  when("probable-duplicate", prev["date"], f["date"]))),
        when("pattern-transaction", "'TX-' || cast(i as varchar)",
             when("duplicate-transaction", prev["txn"], f["txn"])),
        when("type-amount", "'12.34.56'", when("probable-duplicate", _amount_text(prev["amount_value"], "(i - 1)"),
                                               _amount_text(f["amount_value"], "i"))),
        when("enum-capital-revenue", "'X'", f["cap_rev"]),
        when("required-supplier", "''", when("min-length-supplier", "'A'", when(
            "max-length-supplier", "repeat('Very Long Supplier Name Ltd ', 5)",
            when("probable-duplicate", _csv_cell(prev["supplier"]), _csv_cell(f["supplier"]))))),
        when("bad-company-number", "'1234567'", when("probable-duplicate", prev["supplier_id"], f["supplier_id"])),
        when("foreign-key-cofog", "'99.9'", f["cofog"]),
    ]
    line = " || ',' || ".join(cells)
    line = when("missing-cells", " || ',' || ".join(cells[:10]), when("extra-cell", f"{line} || ',EXTRA'",
                                                                       when("blank-row", "''", line)))
    # the amount each record contributes to the grand total (NULL when it does not read as one)
    counted = (f"(case when kind = {k['type-amount']} or kind = {k['blank-row']} then null "
               f"when kind = {k['probable-duplicate']} then {prev['amount_value']} else {f['amount_value']} end)")
    return f"""
        select i, kind, {line} as line, {counted} as counted
        from (select i, {kind} as kind from range({rows}) r(i))
    """


@dataclass(frozen=True)
class Generated:
    path: Path
    rows: int
    bytes: int
    seconds: float
    injected: dict[str, int]
    datapackage: Path
    schema: Path


def generate(rows: int, out: Path, *, error_rate: float = 0.001, name: str | None = None,
             con: duckdb.DuckDBPyConnection | None = None) -> Generated:
    """Write the export (and its schema and datapackage.json) into `out`; returns what was made."""
    out.mkdir(parents=True, exist_ok=True)
    name = name or f"spend-{PERIOD}-{rows}{'-clean' if error_rate == 0 else ''}.csv"
    path = out / name
    started = time.perf_counter()
    con = con or engine.connect()
    con.execute(f"create or replace temp table bench_rows as {_row_sql(rows, error_rate)}")
    total = con.execute("select sum(counted) from bench_rows").fetchone()[0]
    total_line = "," * 9 + f'"{total:,.2f}"' + "," * 4
    header = ",".join(HEADER)
    con.execute(f"""
        copy (
            select line from (
                select 0 as o, {_sql_str(header)} as line
                union all select 1 + i, line from bench_rows
                union all select {rows + 1}, {_sql_str(total_line)}
            ) order by o
        ) to '{path}' (header false, quote '', escape '', delimiter '\t')""")
    injected = dict(con.execute("select kind, count(*) from bench_rows where kind is not null group by 1").fetchall())
    con.execute("drop table bench_rows")
    shutil.copyfile(COFOG_CSV, out / "cofog.csv")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    package = {
        "name": "bench-spending",
        "resources": [
            {"name": "spending", "path": name, "format": "csv", "schema": schema},
            {"name": "cofog", "path": "cofog.csv", "format": "csv",
             "schema": {"fields": [{"name": n, "type": "string"} for n in
                                   ("Code", "Description_EN", "Description_FR", "Description_ES", "ExplanatoryNote")]}},
        ],
    }
    datapackage = out / f"{path.stem}.datapackage.json"
    datapackage.write_text(json.dumps(package, indent=2), encoding="utf-8")
    return Generated(path=path, rows=rows, bytes=path.stat().st_size, seconds=time.perf_counter() - started,
                     injected={ERROR_KINDS[k]: n for k, n in sorted(injected.items())},
                     datapackage=datapackage, schema=SCHEMA_PATH)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--error-rate", type=float, default=0.001)
    parser.add_argument("--json", action="store_true", help="print what was made as JSON")
    args = parser.parse_args()
    g = generate(args.rows, args.out, error_rate=args.error_rate)
    if args.json:
        print(json.dumps({"path": str(g.path), "datapackage": str(g.datapackage), "bytes": g.bytes,
                          "seconds": g.seconds, "injected": g.injected}))
        return
    print(f"{g.path}: {g.rows:,} rows, {g.bytes / 1e6:,.1f} MB in {g.seconds:.1f} s; injected "
          f"{sum(g.injected.values()):,} errors: " + ", ".join(f"{k} {v}" for k, v in g.injected.items()))


if __name__ == "__main__":
    main()
