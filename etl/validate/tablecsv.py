"""Validate a CSV file against a Table Schema the way `frictionless validate` does, in DuckDB SQL.

    report = validate_table("export.csv", schema_descriptor, limit_errors=None)

The same errors as frictionless-py 5: the same types (type-error, constraint-error, missing-cell,
extra-cell, blank-row, unique-error, primary-key, foreign-key and the header's label errors), on
the same rows (frictionless' rowNumber: the record's position in the file, the header being 1,
an empty line counting as a record) and the same fields, in the same order, so that
`limit_errors` cuts the list where frictionless does. Each error also gives the physical line the
record starts on, which differs from rowNumber when cells span lines.

How: the file is read once by DuckDB (every cell as text, empty cells kept apart from absent
ones), typed by the SQL of fieldsql.py, and every check is a set-based query. What DuckDB's reader
would see differently from Python's csv module (a sniffed dialect with skipinitialspace, lone CR
line ends, unbalanced quotes, blanks around quotes, NUL bytes, a parse error) sends the file
through Python's csv module instead, into the same table and the same queries.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .. import engine
from ..sqltext import quote_ident, quote_literal
from .csvread import Layout, Records, Sample, Source, TableError, numbered, open_source, read_records, read_sample
from .csvscan import Dialect
from .fieldsql import FieldRules, SchemaNotSupported, missing_values_of
from .tableorder import collect


__all__ = ["TableError", "TableReport", "validate_table", "SchemaNotSupported"]


@dataclass
class TableReport:
    path: Path
    errors: list[TableError]
    rows: int
    header_row: int
    labels: list[str]
    encoding: str
    dialect: Dialect
    method: str                # "duckdb" (fast path) or "python" (csv module into DuckDB)
    partial: bool              # stopped at limit_errors
    seconds: float = 0.0
    total_errors: int = 0      # before the limit was applied

    @property
    def valid(self) -> bool:
        return not self.errors

    def counter(self) -> Counter:
        """Multiset of (type, rowNumber, fieldName) – what the differential test compares."""
        return Counter(e.key() for e in self.errors)

    def by_type(self) -> dict[str, int]:
        return dict(Counter(e.type for e in self.errors))


# --------------------------------------------------------------------------- header

def _dedupe(names: list[str]) -> list[str]:
    out, used = [], set()
    for name in names:
        new, suffix = name, 2
        while new in used:
            new, suffix = f"{name}{suffix}", suffix + 1
        out.append(new)
        used.add(new)
    return out


def _label_errors(labels: list[str], fields: list[FieldRules]) -> list[TableError]:
    """frictionless Header (fieldsMatch 'exact'): extra, missing, blank, duplicate, incorrect."""
    out: list[TableError] = []
    if not labels:
        return out
    names = [f.name for f in fields]
    for number, label in enumerate(labels, start=1):
        if number > len(names):
            out.append(TableError("extra-label", None, None, "", number, label, ""))
    for offset, name in enumerate(names[len(labels):]):
        out.append(TableError("missing-label", None, None, name, len(labels) + 1 + offset, "", ""))
    for number, (name, label) in enumerate(zip(names, labels), start=1):
        if not label:
            out.append(TableError("blank-label", None, None, name, number, "", ""))
        current: str | None = label
        if label:
            dups = [i for i, seen in enumerate(labels[:number - 1], start=1) if seen == label]
            if dups:
                current = None
                out.append(TableError("duplicate-label", None, None, name, number, label,
                                      f'at position "{", ".join(map(str, dups))}"'))
        if current and current != name:
            out.append(TableError("incorrect-label", None, None, name, number, current, ""))
    return out


# --------------------------------------------------------------------------- checks

def _fk_groups(schema: dict[str, Any]) -> list[dict[str, Any]]:
    groups = []
    for fk in schema.get("foreignKeys", []) or []:
        fields = fk["fields"]
        ref = fk.get("reference", {})
        ref_fields = ref.get("fields", [])
        groups.append({"fields": [fields] if isinstance(fields, str) else list(fields),
                       "resource": ref.get("resource", "") or "",
                       "ref_fields": [ref_fields] if isinstance(ref_fields, str) else list(ref_fields)})
    return groups


def _typed_key(rules: FieldRules, cell: str, row: str, tagged: bool = True) -> str:
    """A key equal where frictionless' Python values are equal (1 == 1.0 == True; NaN equals
    nothing; an aware datetime never equals a naive one); NULL for None. Keys compared within one
    type need no tag (`tagged=False`)."""
    t = rules.type
    value = rules.value(cell)
    if t in ("any", "string"):
        return f"('s:' || {value})" if tagged else value
    if t == "number":
        canonical = (f"regexp_replace(regexp_replace(cast({value} as varchar), '(\\.[0-9]*[1-9])0+$', '\\1'), "
                     f"'\\.0+$', '')")
        return f"(case when {value} is not null then 'n:' || {canonical} else {rules.key('null', cell, row)} end)"
    if t in ("integer", "year"):
        return f"('n:' || cast({value} as varchar))"
    if t == "boolean":
        return f"(case when {value} then 'n:1' when not {value} then 'n:0' end)"
    if t in ("datetime", "time") and rules.format == "default":
        return (f"((case when {rules.is_aware(cell)} then '{t}+:' else '{t}:' end) "
                f"|| cast({value} as varchar))")
    tag = {"date": "D", "datetime": "T", "time": "t", "yearmonth": "ym"}[t]
    return f"('{tag}:' || cast({value} as varchar))"


def _tag_class(rules: FieldRules) -> str:
    """Types whose Python values can be equal to each other share a class (numbers and booleans)."""
    t = rules.type
    if t in ("integer", "number", "year", "boolean"):
        return "n"
    if t in ("datetime", "time") and rules.format == "default":
        return t + "?"   # aware or naive decided per value
    return t if t not in ("any", "string") else "s"


@dataclass
class Plan:
    fields: list[FieldRules]            # expected fields, by position
    unique: list[int]                   # positions (1-based) of unique fields
    primary_key: list[int]              # positions, in primaryKey order
    foreign_keys: list[dict[str, Any]]  # groups whose fields are all expected
    layout: Layout = field(default_factory=lambda: Layout(0, set()))
    keep: set[str] = field(default_factory=set)   # fields kept as text although nothing checks them

    def position(self, name: str) -> int:
        return next(i for i, f in enumerate(self.fields, start=1) if f.name == name)

    def checked(self, i: int) -> bool:
        """Does anything read field i's text (type, constraint other than required, or key)?
        A text field only `required` applies to needs no more than a flag of its missingness."""
        f = self.fields[i - 1]
        if f.name in self.keep:
            return True
        if i in self.unique or i in self.primary_key or any(i in self._fk_positions(g) for g in self.foreign_keys):
            return True
        plain = f.type == "any" or (f.type == "string" and f.format == "default")
        return not (plain and not (set(f.constraints) - {"unique", "required"}))

    def required_flag(self, i: int) -> bool:
        """A field kept as a flag whose only check is `required`."""
        return i in self.layout.flags and bool(self.fields[i - 1].constraints.get("required"))

    def _fk_positions(self, group: dict[str, Any]) -> list[int]:
        return [self.position(n) for n in group["fields"]]

    @property
    def spilled(self) -> list[int]:
        """Positions whose text only the bad rows keep, in the records table's list `cells`."""
        lay, n = self.layout, len(self.fields)
        return [i for i in range(1, lay.width + 1) if i not in lay.flags and not (i <= n and self.keyed(i))]

    def text(self, i: int) -> str:
        """SQL of position i's text in the records table, where every row keeps it for key fields
        only (NULL beyond the width or for a flag)."""
        return self.layout.text(i) or "cast(null as varchar)"

    def missing(self, i: int) -> str:
        if i > self.layout.width:
            return "true"
        if i in self.layout.flags:
            return f"coalesce(m{i}, true)"
        return self.fields[i - 1].missing(f"c{i}")

    def keyed(self, i: int) -> bool:
        """Is field i's text read on every row (a unique, primary or foreign key, or kept)?"""
        f = self.fields[i - 1]
        return (f.name in self.keep or i in self.unique or i in self.primary_key
                or any(i in self._fk_positions(g) for g in self.foreign_keys))

    def select(self, width: int, source: str, newlines: bool) -> str:
        """SQL reading `source` (c1..c<width>) into the records table, in one pass: `bad` marks the
        rows with a cell error, a wrong number of cells or no value at all; the text of key fields
        is kept on every row (c<i>), the others' for those rows only, in the list `cells` (in the
        order of `spilled`); fields nothing checks become flags (m<i>)."""
        self.layout = lay = Layout(width, {i for i in range(1, len(self.fields) + 1)
                                            if i <= width and not self.checked(i)})
        inner = [lay.column_sql(i, f"c{i}", self.fields[i - 1] if i <= len(self.fields) else None)
                 for i in range(1, width + 1)]
        n = len(self.fields)
        conds = [f"({_blank_sql(self)})"]
        if 1 <= n <= width:
            conds.append(lay.absent(n))                  # fewer cells than fields
        if n + 1 <= width:
            conds.append(f"c{n + 1} is not null")        # more cells than fields
        for i, f in enumerate(self.fields, start=1):
            if lay.text(i) and self.checked(i):
                conds.append(f.failure_sql(f"c{i}"))
            elif self.required_flag(i):
                conds.append(self.missing(i))
        count_nl = ""
        if newlines:
            count_nl = ", " + " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)"
                                         for i in range(1, width + 1)) + " as nl"
        spilled = self.spilled
        outer = [f"m{i}" if i in lay.flags else f"c{i}" for i in range(1, width + 1) if i not in spilled]
        if spilled:
            # one list, NULL on good rows: a column per field would store an empty slot on every row
            outer.append(f"(case when bad then [{', '.join(f'c{i}' for i in spilled)}] end) as cells")
        # the inner projection computes `bad` once; the outer one only reads it
        return (f"select bad, {', '.join(outer)}{', nl' if newlines else ''} from "
                f"(select {', '.join(inner)}, ({' or '.join(conds)}) as bad{count_nl} from {source})")


def _plan(schema: dict[str, Any], labels: list[str], self_name: str | None = None) -> Plan:
    mv = missing_values_of(schema.get("missingValues"))
    declared = [FieldRules(f, mv) for f in schema.get("fields", [])]
    if not labels:
        fields = declared
    else:
        names = _dedupe([declared[i].name if i < len(declared) else label for i, label in enumerate(labels)])
        fields = [declared[i] if i < len(declared) else FieldRules({"name": names[i], "type": "any"}, mv)
                  for i in range(len(labels))]
    position = {f.name: i for i, f in enumerate(fields, start=1)}
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else list(pk)
    groups = [g for g in _fk_groups(schema) if all(f in position for f in g["fields"])]
    return Plan(
        fields=fields,
        unique=[i for i, f in enumerate(fields, start=1) if f.constraints.get("unique")],
        primary_key=[position[p] for p in pk] if pk and all(p in position for p in pk) else [],
        foreign_keys=groups,
        # a key referring to this very file reads the referenced fields' text too
        keep={f for g in groups if g["resource"] in ("", self_name) for f in g["ref_fields"]},
    )


def _blank_sql(plan: Plan) -> str:
    return " and ".join(plan.missing(i) for i in range(1, len(plan.fields) + 1)) or "true"


def _suspect_rows(con: duckdb.DuckDBPyConnection, rec: Records, plan: Plan, first: int, table: str) -> None:
    """The rows the read marked bad, with each checked field's value and type-error flag."""
    lay = plan.layout
    values = []
    for i, f in enumerate(plan.fields, start=1):
        if lay.text(i) and plan.checked(i):
            c = f"c{i}"
            values.append(f"{f.value(c)} as v{i}")
            if f.type == "number":
                values += [f"{f.double_value(c)} as d{i}", f"{f.is_nan(c)} as nan{i}"]
            values.append(f"{f.type_error(c)} as te{i}")
    kept = [f"m{i}" if i in lay.flags else f"c{i}" for i in range(1, lay.width + 1)]
    spilled = plan.spilled
    unpacked = "".join(f", cells[{j}] as c{i}" for j, i in enumerate(spilled, start=1))
    columns = f"* exclude (cells){unpacked}" if spilled else "*"
    con.execute(f"""
        create or replace temp table {quote_ident(table)} as
        select k{''.join(', ' + c for c in kept)}, {_blank_sql(plan)} as blank{''.join(', ' + v for v in values)}
        from (select rowid as k, {columns} from {quote_ident(rec.table)} where bad and rowid >= {first})""")


def _error_queries(rec: Records, plan: Plan, table: str) -> list[str]:
    """One SELECT per kind of cell or row error over the suspect rows:
    (k, prev_k, type, field, field_number, cell, note, phase, ord)."""
    t = quote_ident(table)
    lay = plan.layout
    q = []
    n_fields = len(plan.fields)

    def sel(kind: str, field: str | None, number: int | None, cell: str, note: str, where: str,
            phase: int, order: int) -> str:
        return (f"select k, cast(null as bigint) as prev_k, {quote_literal(kind)} as type, "
                f"{quote_literal(field) if field is not None else 'cast(null as varchar)'} as field, "
                f"{number if number is not None else 'cast(null as integer)'} as field_number, "
                f"cast({cell} as varchar) as cell, {note} as note, {phase} as phase, {order} as ord "
                f"from {t} where {where}")

    for i, f in enumerate(plan.fields, start=1):
        if plan.required_flag(i):
            note = quote_literal(f'constraint "required" is "{f.constraints["required"]}"')
            q.append(sel("constraint-error", f.name, i, "''", note, f"{plan.missing(i)} and not blank", 0, i * 100 + 1))
        if not (lay.text(i) and plan.checked(i)):
            continue
        c = f"c{i}"
        cell = f"coalesce({c}, '')"
        q.append(sel("type-error", f.name, i, cell, quote_literal(f'type is "{f.type}/{f.format}"'),
                     f"te{i} and not blank", 0, i * 100))
        extra = {"double": f"d{i}", "nan": f"nan{i}"} if f.type == "number" else {}
        for j, (name, cond) in enumerate(f.constraint_failures(f"v{i}", f.missing(c), **extra), start=1):
            note = quote_literal(f'constraint "{name}" is "{f.constraints[name]}"')
            q.append(sel("constraint-error", f.name, i, cell, note,
                          f"not te{i} and coalesce({cond}, false) and not blank", 0, i * 100 + j))
    for i in range(n_fields + 1, lay.width + 1):
        q.append(sel("extra-cell", "", i, f"c{i}", "''", f"c{i} is not null and not blank", 1, i))
    for i, f in enumerate(plan.fields, start=1):
        q.append(sel("missing-cell", f.name, i, "''", "''", f"{lay.absent(i)} and not blank", 2, i))
    q.append(sel("blank-row", None, None, "null", "''", "blank", 3, 0))
    return q


def _repeated_keys(con: duckdb.DuckDBPyConnection, rec: Records, keys: list[str], first: int,
                   cache: dict[tuple[str, ...], str]) -> str:
    """A table (k, prev_k) of the rows whose key repeats an earlier row's (NULL parts equal, as
    Python's tuples compare; rows whose parts are all None are left out). Computed once per key."""
    if tuple(keys) in cache:
        return cache[tuple(keys)]
    name = f"_tc_repeats{len(cache)}"
    key = keys[0] if len(keys) == 1 else "[" + ", ".join(f"coalesce({k}, chr(0))" for k in keys) + "]"
    not_none = " or ".join(f"{k} is not null" for k in keys)
    keys_sql = f"select rowid as k, {key} as key from {quote_ident(rec.table)} where rowid >= {first} and ({not_none})"
    # grouped by the key's hash first (an integer, cheap to group a million of): only the rows
    # whose hash repeats are then compared on the key itself
    con.execute(f"""
        create or replace temp table {name} as
        select k, lag(k) over (partition by key order by k) as prev_k
        from ({keys_sql}) where hash(key) in (select hash(key) from ({keys_sql}) group by 1 having count(*) > 1)""")
    cache[tuple(keys)] = name
    return name


def _integrity_queries(con: duckdb.DuckDBPyConnection, rec: Records, plan: Plan, first: int,
                       references: dict[str, tuple[Path, dict[str, Any]]], workdir: Path,
                       self_name: str | None) -> list[str]:
    """unique-error, primary-key and foreign-key over every record, as (k, prev_k, ...) queries."""
    raw = quote_ident(rec.table)
    cache: dict[tuple[str, ...], str] = {}
    q = []

    def key(p: int, tagged: bool = True) -> str:
        return _typed_key(plan.fields[p - 1], plan.text(p), "rowid", tagged)

    def none(positions: list[int]) -> str:
        return " and ".join(plan.fields[p - 1].is_none(plan.fields[p - 1].value(plan.text(p)), plan.text(p))
                            for p in positions)

    for order, p in enumerate(plan.unique):
        f = plan.fields[p - 1]
        repeats = _repeated_keys(con, rec, [key(p, tagged=False)], first, cache)
        q.append(f"select r.k, r.prev_k, 'unique-error', {quote_literal(f.name)}, {p}, "
                 f"cast(coalesce(x.cell, '') as varchar), null, 10, {order} "
                 f"from {repeats} r join (select rowid as k, {plan.text(p)} as cell from {raw}) x using (k) "
                 f"where r.prev_k is not null")
    if plan.primary_key:
        repeats = _repeated_keys(con, rec, [key(p, tagged=False) for p in plan.primary_key], first, cache)
        q.append(f"select rowid, null, 'primary-key', null, null, null, "
                 f"'cells composing the primary keys are all \"None\"', 20, 0 from {raw} "
                 f"where rowid >= {first} and {none(plan.primary_key)}")
        q.append(f"select k, prev_k, 'primary-key', null, null, null, null, 20, 0 from {repeats} "
                 f"where prev_k is not null")
    for order, group in enumerate(plan.foreign_keys):
        lookup, ref_types = _lookup_table(con, group, references, workdir, order, self_name, rec, plan, first)
        positions = [plan.position(name) for name in group["fields"]]
        tagged = [_tag_class(plan.fields[p - 1]) for p in positions] != ref_types
        keys = [key(p, tagged) for p in positions]
        match = " and ".join(f"l.k{i} is not distinct from s.k{i}" for i in range(len(keys)))
        values = " || ', ' || ".join(
            f"coalesce(cast({plan.fields[p - 1].value(plan.text(p))} as varchar), 'None')" for p in positions)
        note = (f"'for \"{', '.join(group['fields'])}\": values \"' || {values} || "
                f"'\" not found in the lookup table \"{group['resource']}\" as \"{', '.join(group['ref_fields'])}\"'")
        q.append(f"""
            select k, null, 'foreign-key', null, null, null, note, 30, {order}
            from (select rowid as k, {', '.join(f'{k} as k{i}' for i, k in enumerate(keys))}, {note} as note
                  from {raw} where rowid >= {first} and not ({none(positions)})) s
            anti join {quote_ident(lookup)} l on {match}""")
    return q


def _load(con: duckdb.DuckDBPyConnection, path: Path, schema: dict[str, Any], table: str, workdir: Path,
          force_python: bool = False, keep: set[str] | None = None, self_name: str | None = None) -> tuple[Records, Plan, Sample, Source] | TableError:
    """Read a file as frictionless would, into `table`, with its plan."""
    source = open_source(path, workdir)
    if isinstance(source, TableError):
        return source
    sample = read_sample(source)
    plan = _plan(schema, sample.labels, self_name)
    plan.keep |= set(keep or ())
    try:
        rec = read_records(con, source, table, plan.select, sample.width, force_python=force_python)
    except (csv.Error, UnicodeDecodeError, ValueError) as e:
        return TableError("source-error", None, None, None, None, None, str(e))
    return rec, plan, sample, source


def _lookup_table(con: duckdb.DuckDBPyConnection, group: dict[str, Any],
                  references: dict[str, tuple[Path, dict[str, Any]]], workdir: Path, order: int,
                  self_name: str | None, rec: Records, plan: Plan, first: int) -> tuple[str, list[str]]:
    """The referenced keys, typed by the referenced resource's own schema (rows all None skipped)."""
    name = f"_tc_lookup{order}"
    resource = group["resource"]
    if resource == "" or resource == self_name:
        ref_rec, ref_plan, ref_first = rec, plan, first
    else:
        if resource not in references:
            raise SchemaNotSupported(f"foreign key to resource {resource!r}: give its path and schema "
                                     "in `references`")
        ref_path, ref_schema = references[resource]
        loaded = _load(con, Path(ref_path), ref_schema, f"_tc_ref{order}", workdir, keep=set(group["ref_fields"]))
        if isinstance(loaded, TableError):
            raise SchemaNotSupported(f"foreign key to resource {resource!r}: {loaded.note}")
        ref_rec, ref_plan, ref_sample, _ = loaded
        ref_first = ref_sample.first_k
    positions = []
    for ref_field in group["ref_fields"]:
        found = [i for i, f in enumerate(ref_plan.fields, start=1) if f.name == ref_field]
        if not found:
            raise SchemaNotSupported(f"foreign key reference field {ref_field!r} is not in resource {resource!r}")
        positions.append(found[0])
    if ref_plan is not plan and not all(ref_plan.layout.text(p) for p in positions):
        raise SchemaNotSupported(f"foreign key reference fields of {resource!r} are beyond its columns")
    ref_types = [_tag_class(ref_plan.fields[p - 1]) for p in positions]
    own_types = [_tag_class(plan.fields[plan.position(n) - 1]) for n in group["fields"]]
    tagged = ref_types != own_types
    keys = [_typed_key(ref_plan.fields[p - 1], ref_plan.text(p), "rowid", tagged) for p in positions]
    none = " and ".join(ref_plan.fields[p - 1].is_none(ref_plan.fields[p - 1].value(ref_plan.text(p)),
                                                        ref_plan.text(p)) for p in positions)
    con.execute(f"create or replace temp table {quote_ident(name)} as select distinct "
                f"{', '.join(f'{k} as k{i}' for i, k in enumerate(keys))} from {quote_ident(ref_rec.table)} "
                f"where rowid >= {ref_first} and not ({none})")
    return name, ref_types


# --------------------------------------------------------------------------- entry point

def _schema_errors(schema: dict[str, Any]) -> list[TableError]:
    """What frictionless refuses in the schema itself before reading a row: exclusive bounds are a
    Data Package v2 addition it rejects for a resource validated on its own (a field-error each)."""
    out = []
    for f in schema.get("fields", []):
        for name in ("exclusiveMinimum", "exclusiveMaximum"):
            if name in (f.get("constraints") or {}):
                out.append(TableError("field-error", None, None, None, None, None,
                                      f'constraint "{name}" requires datapackage v2'))
    return out


def validate_table(path: str | Path, schema: dict[str, Any], *,
                   references: dict[str, tuple[str | Path, dict[str, Any]]] | None = None,
                   limit_errors: int | None = 1000, con: duckdb.DuckDBPyConnection | None = None,
                   name: str | None = None, force_python: bool = False) -> TableReport:
    """Validate a CSV file against a Table Schema descriptor as `frictionless validate` would.

    `references` maps the resource names that foreign keys point to onto (path, schema); a key
    without a resource name (or naming this resource, `name`) refers to this file itself.
    `limit_errors` (None: no limit) stops where frictionless stops (its default is 1,000). Raises
    SchemaNotSupported for a schema rule the SQL cannot judge exactly as frictionless does.
    """
    started = time.perf_counter()
    path = Path(path)
    refused = _schema_errors(schema)
    if refused:
        return TableReport(path, refused, 0, 1, [], "", Dialect(), "none", False, time.perf_counter() - started,
                           len(refused))
    own = con is None
    con = con or engine.connect()
    refs = {k: (Path(v[0]), v[1]) for k, v in (references or {}).items()}
    mv = missing_values_of(schema.get("missingValues"))
    try:
        with tempfile.TemporaryDirectory(prefix="spendpub-tablecsv-") as tmp:
            workdir = Path(tmp)
            loaded = _load(con, path, schema, "_tc_records", workdir, force_python=force_python, self_name=name)
            if isinstance(loaded, TableError):
                return TableReport(path, [loaded], 0, 1, [], "", Dialect(), "python", False,
                                   time.perf_counter() - started, 1)
            rec, plan, sample, source = loaded
            header_row, labels, first = sample.header_row, sample.labels, sample.first_k
            fragment = max(len(sample.records) - header_row, 0)
            header_errors: list[TableError] = []
            if not labels and not fragment:
                header_errors.append(TableError("source-error", None, None, None, None, None,
                                                "the source is empty"))
            header_errors += _label_errors(labels, [FieldRules(f, mv) for f in schema.get("fields", [])])
            _suspect_rows(con, rec, plan, first, "_tc_suspects")
            queries = _error_queries(rec, plan, "_tc_suspects")
            queries += _integrity_queries(con, rec, plan, first, refs, workdir, name)
            con.execute("create or replace temp table _tc_found as " + " union all ".join(
                f"({q})" for q in queries))
            con.execute(f"""
                create or replace temp table _tc_errors as
                with numbers as ({numbered(rec, "select distinct k from (select k from _tc_found union "
                                                "select prev_k from _tc_found where prev_k is not null)")})
                select n.rn, n.line, f.type, f.field, f.field_number, f.cell,
                       coalesce(f.note, 'the same as in the row at position ' || cast(p.rn as varchar)) as note,
                       f.phase, f.ord
                from _tc_found f join numbers n on n.k = f.k left join numbers p on p.k = f.prev_k""")
            blanks = [(rn, line) for rn, line in rec.blanks if rn > header_row]
            if blanks:
                # one statement per kind, the rows as lists: executemany costs a statement per row
                numbers = [list(column) for column in zip(*blanks)]
                con.execute("insert into _tc_errors select unnest(?::bigint[]), unnest(?::bigint[]), 'blank-row', "
                            "null, null, null, '', 3, 0", numbers)
                if plan.primary_key:
                    con.execute("insert into _tc_errors select unnest(?::bigint[]), unnest(?::bigint[]), "
                                "'primary-key', null, null, null, "
                                "'cells composing the primary keys are all \"None\"', 20, 0", numbers)
            rows = con.execute(f"select count(*) from {quote_ident(rec.table)} where rowid >= ?",
                               [first]).fetchone()[0] + len(blanks)
            errors, partial, total = collect(con, plan, header_errors, limit_errors, rows)
            return TableReport(path, errors, rows, header_row, labels, source.encoding, source.dialect,
                               rec.method, partial, time.perf_counter() - started, total)
    finally:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() where temporary "
                                              "and table_name like '\\_tc\\_%' escape '\\'").fetchall()]
        for t in tables:
            con.execute(f"drop table if exists {quote_ident(t)}")
        if own:
            con.close()


def validate_package_resource(descriptor: str | Path, resource_name: str, *, limit_errors: int | None = 1000,
                              con: duckdb.DuckDBPyConnection | None = None) -> TableReport:
    """`frictionless validate datapackage.json --resource-name NAME`: the resource's CSV against its
    schema, foreign keys resolved to the package's other resources (paths relative to the
    descriptor's folder)."""
    import json

    descriptor = Path(descriptor)
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    base = descriptor.parent
    resources = {r["name"]: r for r in package.get("resources", [])}
    if resource_name not in resources:
        raise SchemaNotSupported(f"no resource {resource_name!r} in {descriptor.name}")

    def schema_of(resource: dict[str, Any]) -> dict[str, Any]:
        schema = resource.get("schema", {})
        if isinstance(schema, str):
            schema = json.loads((base / schema).read_text(encoding="utf-8"))
        return schema

    resource = resources[resource_name]
    schema = schema_of(resource)
    references = {name: (base / r["path"], schema_of(r)) for name, r in resources.items()
                  if name != resource_name and isinstance(r.get("path"), str)}
    return validate_table(base / resource["path"], schema, references=references, limit_errors=limit_errors,
                          con=con, name=resource_name)
