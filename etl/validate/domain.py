"""Domain checks beyond the Table Schema, as set-based SQL over stg_ records.

Each check has a stable code, a message template (messages/) and a default severity (policy.py):

- invalid-company-number, invalid-siren, invalid-siret: supplier_id is not a UK company number
  (GB publishers) or a SIREN/SIRET whose Luhn check holds (FR publishers);
- period-mismatch: another month holds more of a file's payment dates than its period does (a
  wrong --period, a file named for another month): a whole-file error. Payments dated in the
  month before are common; a month's file is still mostly dated in that month;
- date-outside-period: payment_date more than `date_tolerance_days` outside the period;
- probable-duplicate: same supplier, payment date and amount as an earlier row;
- already-published: a file repeats payments (same transaction id, date and amount) the history
  holds in a period this release does not publish again: loaded, they would count twice (a
  whole-file error; skipped without a history, or when the profile maps no transaction id);
- period-shrinks: a file publishing a period again holds fewer than `shrink_share` of the payments
  the history holds for it: it is probably cut short, and published it would withdraw the rest
  (a warning about a whole file);
- amount-outlier: |amount| above `factor` x the `quantile` of the publisher's own past absolute
  amounts, in the same currency. The history is a table or relation of past spending rows given
  to validate(); without one (a first publish, a dry run without a warehouse) the check is skipped;
- total-mismatch: records that do not add up to the file's own total row, or to a control total
  given for the file (by file name or period);
- missing-total-row: a file without the total row its profile requires (`required: true`): it
  is probably cut short;
- unknown-code: cofog_code not in COFOG, or a field's code not in a reference list the profile names.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

import duckdb

from ..errors import ProfileError, UsageError
from ..paths import DATASETS_DIR
from ..profile import Profile
from ..sqltext import quote_ident, quote_literal
from ..transform import FileContext, stg_table, text_column
from . import messages
from .checks import NO_LINE, RECORDS, issue_select
from .policy import IGNORE, CodeList, ValidationPolicy

COFOG_CSV = DATASETS_DIR / "reference" / "cofog" / "cofog.csv"
COMPANY_NUMBER = ("[0-9]{8}|(AC|BR|FC|GE|GN|GS|IC|IP|LP|NA|NF|NI|NL|NO|NP|NR|NZ|OC|RC|SA|SC|SE|SF|SG|SI|SL|SO|"
                  "SP|SR|SZ|ZC|R0)[0-9]{6}")
LA_POSTE_SIREN = "356000000"   # La Poste's SIRETs follow their own rule: digit sum divisible by 5


def luhn_sql(expr: str, length: int) -> str:
    """SQL: the Luhn check of a string of exactly `length` ASCII digits."""
    terms = []
    for i in range(1, length + 1):
        d = f"(ascii(substr({expr}, {i}, 1)) - 48)"
        if (length - i + 1) % 2 == 0:
            terms.append(f"(case when {d} > 4 then {d} * 2 - 9 else {d} * 2 end)")
        else:
            terms.append(d)
    return f"(({' + '.join(terms)}) % 10 = 0)"


def digit_sum_sql(expr: str, length: int) -> str:
    return "(" + " + ".join(f"(ascii(substr({expr}, {i}, 1)) - 48)" for i in range(1, length + 1)) + ")"


def _mapped(profile: Profile, name: str) -> bool:
    return name in profile.schema.field_names and name in profile.fields


def _as_written(profile: Profile, name: str) -> str:
    """SQL: a field's cell as the source wrote it (`20/10/2010`, `"4,928.57"`), so that the reports
    show what finance staff can search the file for; its typed value when it is not read from a column."""
    spec = profile.fields.get(name)
    if spec is None or spec.is_constant:
        return f"cast({quote_ident(name)} as varchar)"
    return f"coalesce({quote_ident(text_column(name))}, cast({quote_ident(name)} as varchar))"


def supplier_id_queries(profile: Profile, policy: ValidationPolicy, table: str) -> list[str]:
    if not _mapped(profile, "supplier_id"):
        return []
    scheme = policy.supplier_id_scheme
    if scheme == "none":
        return []
    country = (profile.country or "").upper()
    gb = scheme == "gb-company-number" or (scheme == "auto" and country == "GB")
    fr = scheme == "fr-siren-siret" or (scheme == "auto" and country == "FR")
    raw = "supplier_id"
    norm = f"upper(regexp_replace({raw}, '[\\s.]', '', 'g'))"
    prefixed = f"starts_with({norm}, 'GB-COH-')"
    queries = []
    sev_gb = policy.severity_of("invalid-company-number")
    if sev_gb != IGNORE:
        company = f"(case when {prefixed} then substr({norm}, 8) else {norm} end)"
        which = prefixed if not gb else "true"
        queries.append(issue_select(
            "invalid-company-number", "supplier_id", raw,
            f"{RECORDS} and {raw} is not null and not regexp_full_match({raw}, {quote_literal(COMPANY_NUMBER)}) "
            f"and {which} and not regexp_full_match({company}, {quote_literal(COMPANY_NUMBER)})", table,
            severity=sev_gb))
    if fr:
        digits = f"regexp_replace({raw}, '[\\s.]', '', 'g')"
        siren_ok = f"(regexp_full_match({digits}, '[0-9]{{9}}') and {luhn_sql(digits, 9)})"
        siret_ok = (f"(regexp_full_match({digits}, '[0-9]{{14}}') and ({luhn_sql(digits, 14)} or "
                    f"(starts_with({digits}, '{LA_POSTE_SIREN}') and {digit_sum_sql(digits, 14)} % 5 = 0)))")
        is_siret = f"length({digits}) >= 12"
        for code, shape, ok in (("invalid-siren", f"not {is_siret}", siren_ok),
                                ("invalid-siret", is_siret, siret_ok)):
            sev = policy.severity_of(code)
            if sev != IGNORE:
                queries.append(issue_select(
                    code, "supplier_id", raw,
                    f"{RECORDS} and {raw} is not null and not {prefixed} and {shape} and not {ok}",
                    table, severity=sev))
    return queries


def date_queries(profile: Profile, policy: ValidationPolicy, table: str) -> list[str]:
    if "payment_date" not in profile.schema.field_names or "period" not in profile.schema.field_names:
        return []
    start = "try_strptime(period || '-01', '%Y-%m-%d')::date"
    end = f"last_day({start})"
    tol = int(policy.date_tolerance_days)
    outside = f"(payment_date < {start} - to_days({tol}) or payment_date > {end} + to_days({tol}))"
    dated = f"{RECORDS} and payment_date is not null and period is not null"
    queries = []
    if (sev := policy.severity_of("period-mismatch")) != IGNORE:
        months = (f"select source_file_index, period, strftime(payment_date, '%Y-%m') as month, count(*) as n, "
                  f"min(payment_date) as first, max(payment_date) as last from {table} where {dated} group by all")
        files = (f"(select source_file_index, period, sum(n) as dated, coalesce(sum(n) filter (where month = period), 0) "
                 f"as inside, arg_max(month, n) as month, max(n) as most, min(first) as first, max(last) as last "
                 f"from ({months}) group by all) t")
        queries.append(issue_select(
            "period-mismatch", "payment_date", "period", "most > inside", files, severity=sev,
            line_sql=NO_LINE,
            params={"dated": "cast(dated as varchar)", "period": "period", "inside": "cast(inside as varchar)",
                    "month": "month", "most": "cast(most as varchar)",
                    "first": "cast(first as varchar)", "last": "cast(last as varchar)"}))
    if (sev := policy.severity_of("date-outside-period")) != IGNORE:
        days = (f"(case when payment_date < {start} then date_diff('day', payment_date, {start}) "
                f"else date_diff('day', {end}, payment_date) end)")
        queries.append(issue_select(
            "date-outside-period", "payment_date", _as_written(profile, "payment_date"), f"{dated} and {outside}",
            table, severity=sev,
            params={"days": days, "period": "period", "tolerance": str(tol)}))
    return queries


def duplicate_queries(profile: Profile, policy: ValidationPolicy, table: str) -> list[str]:
    sev = policy.severity_of("probable-duplicate")
    names = profile.schema.field_names
    if sev == IGNORE or not {"payment_date", "amount"} <= set(names):
        return []
    has_id, has_name = _mapped(profile, "supplier_id"), _mapped(profile, "supplier_name")
    if not (has_id or has_name):
        return []
    parts = (["nullif(trim(supplier_id), '')"] if has_id else []) + (
        ["lower(trim(supplier_name))"] if has_name else [])
    supplier = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    markers = [m.strip().lower() for m in profile.redaction_markers]
    not_redacted = (f" and lower(trim(coalesce(supplier_name, ''))) not in ({', '.join(map(quote_literal, markers))})"
                    if markers and has_name else "")
    if "is_redacted" in names:   # people whose names are redacted are not one supplier
        not_redacted += " and not coalesce(is_redacted, false)"
    where = f"{RECORDS} and payment_date is not null and amount is not null{not_redacted}"
    # The key and its hash are computed once per row (a materialised CTE) and grouped by the
    # hash (one integer, cheap to group a million of); only the rows whose hash repeats are then
    # compared on the values themselves.
    keys = "supplier_key, payment_date, amount"
    repeated = (f"(with keyed as materialized (select source_file_index, source_line, {supplier} as supplier_key, "
                f"payment_date, amount, {_as_written(profile, 'amount')} as amount_as_written, hash({keys}) as h "
                f"from {table} where {where} and {supplier} is not null) "
                f"select *, first_value(source_line) over w as first_line, row_number() over w as nth "
                f"from keyed where h in (select h from keyed group by h having count(*) > 1) "
                f"window w as (partition by {keys} order by source_file_index, source_line)) t")
    return [issue_select("probable-duplicate", "amount", "amount_as_written", "nth > 1", repeated,
                         severity=sev, params={"first_line": "first_line"})]


OUTLIER_BASELINE = "validation_outlier_baseline"   # (currency, usual, history) the check compared with
# The usual amount is money (the quantile of DECIMAL amounts is DECIMAL): the check compares exactly,
# in 38 digits so that a large amount times the factor cannot overflow.
USUAL_TYPE = "decimal(18, 2)"


@dataclass(frozen=True)
class RecordedBaseline:
    """The outlier baseline a release was validated with, as (currency, usual, history) rows: a
    replay compares amounts with it, not with a history the warehouse no longer holds."""

    rows: tuple[tuple[str, Decimal, int], ...]


def _history_source(con: duckdb.DuckDBPyConnection, history: Any) -> str | None:
    if history is None:
        return None
    if isinstance(history, str):
        return history
    if isinstance(history, duckdb.DuckDBPyRelation):
        con.execute(f"create or replace temp view validation_history as {history.sql_query()}")
        return "validation_history"
    raise TypeError("history is a table name, a DuckDB relation of past spending rows or a RecordedBaseline")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {d[0] for d in con.execute(f"select * from {relation} limit 0").description}


def _outlier_baseline(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy,
                      table: str, history: Any) -> None:
    """Fill OUTLIER_BASELINE: per currency, the quantile of the publisher's past absolute amounts
    and how many there were, where there were enough (or the rows a release recorded)."""
    if isinstance(history, RecordedBaseline):
        if history.rows:
            con.execute(f"insert into {OUTLIER_BASELINE} select unnest(?::varchar[]), "
                        f"unnest(?::{USUAL_TYPE}[]), unnest(?::bigint[])",
                        [list(column) for column in zip(*history.rows)])
        return
    source = _history_source(con, history)
    # the periods this release publishes again are replaced, not history: a month is not compared with itself
    replaced = (f" and period not in (select period from {table} where {RECORDS} and period is not null)"
                if "period" in _columns(con, source) else "")
    con.execute(f"insert into {OUTLIER_BASELINE} select currency, quantile_cont(abs(amount), "
                f"{float(policy.outlier_quantile)}) as usual, count(*) from {source} "
                f"where publisher_id = {quote_literal(profile.publisher_id)} and amount is not null{replaced} "
                f"group by currency having count(*) >= {int(policy.outlier_min_history)} and usual > 0")


def outlier_baseline_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, Decimal, int]]:
    """The baseline the last validation on `con` compared amounts with (none when it did not)."""
    return con.execute(f"select * from {OUTLIER_BASELINE} order by currency").fetchall()


def _exact(setting: float) -> str:
    """SQL of a profile's number as written (1.15, not 1.149999...): compared with money exactly."""
    return f"cast({quote_literal(str(Decimal(repr(setting))))} as decimal(38, 10))"


def outlier_queries(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy,
                    table: str, history: Any) -> list[str]:
    # empty unless the check runs: a baseline left by an earlier validation on `con` is never read
    con.execute(f"create or replace temp table {OUTLIER_BASELINE} "
                f"(currency varchar, usual {USUAL_TYPE}, history bigint)")
    sev = policy.severity_of("amount-outlier")
    if sev == IGNORE or history is None or not {"amount", "currency"} <= set(profile.schema.field_names):
        return []
    _outlier_baseline(con, profile, policy, table, history)
    joined = (f"(select s.*, h.usual, h.history from {table} s join {OUTLIER_BASELINE} h using (currency) "
              f"where s.{RECORDS} and cast(abs(s.amount) as decimal(38, 2)) > "
              f"{_exact(policy.outlier_factor)} * "
              f"cast(h.usual as decimal(38, 2))) t")
    return [issue_select(
        "amount-outlier", "amount", _as_written(profile, "amount"), "true", joined, severity=sev,
        params={"ratio": "cast(round(abs(amount) / usual, 1) as varchar)",
                "threshold": "cast(round(usual, 2) as varchar)", "currency": "currency",
                "history": "cast(history as varchar)"})]


def republished_queries(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy,
                        table: str, history: Any) -> list[str]:
    """already-published: per file, the history's rows in another period than every one this
    release publishes (those are replaced): the file itself (its sha256), published as another
    period; else its records, matched on transaction id, date and amount. A replay has no history
    table and skips it: a release this refused was never made."""
    sev = policy.severity_of("already-published")
    fields = set(profile.schema.field_names)
    if (sev == IGNORE or history is None or isinstance(history, RecordedBaseline)
            or not {"period", "source_file_sha256", "release_id"} <= fields):
        return []
    source = _history_source(con, history)
    if not {"period", "source_file_sha256", "release_id"} <= _columns(con, source):
        return []   # past rows without their provenance (a test's): nothing to match files on
    others = (f"(select * from {source} "
              f"where publisher_id = {quote_literal(profile.publisher_id)} "
              f"and period not in (select period from {table} where {RECORDS} and period is not null))")
    files = (f"(select s.source_file_index, s.period, min(h.period) as other, min(h.release_id) as release "
             f"from (select distinct source_file_index, source_file_sha256, period from {table} where {RECORDS}) s "
             f"join (select distinct source_file_sha256, period, release_id from {others}) h "
             f"using (source_file_sha256) group by all) t")
    queries = [issue_select("already-published", None, "null", "true", files, severity=sev, line_sql=NO_LINE,
                            constraint="same-file", params={"other": "other", "release": "release",
                                                            "period": "period"})]
    if not ({"payment_date", "amount"} <= fields and _mapped(profile, "transaction_id")):
        return queries
    keys = ("transaction_id", "payment_date", "amount")
    on = " and ".join(f"h.{k} = s.{k}" for k in keys)
    published = f"(select distinct {', '.join(keys)}, period, source_file_sha256 from {others})"
    records = (f"(select s.source_file_index, count(distinct s.source_line) as repeated, min(h.period) as other, "
               f"min(s.source_line) as first_line, arg_min(s.transaction_id, s.source_line) as first "
               f"from (select * from {table} where {RECORDS}) s join {published} h on {on} "
               f"where s.source_file_sha256 <> h.source_file_sha256 group by all) t")   # the same file: said above
    return queries + [issue_select(
        "already-published", "transaction_id", "first", "true", records, severity=sev, line_sql=NO_LINE,
        params={"repeated": "cast(repeated as varchar)", "other": "other",
                "first_line": "cast(first_line as varchar)"})]


def shrink_queries(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy,
                   table: str, history: Any, set_aside: str) -> list[str]:
    """period-shrinks: per file, a period it publishes again with fewer than `shrink_share` of the
    payments the history holds for it (a file cut short would withdraw the rest). Rows with an
    error are not counted when quarantine is on (`set_aside`: a select of their file index and
    line): they would not be published. A replay has no history table and skips it, as the release
    it replays was judged already."""
    sev = policy.severity_of("period-shrinks")
    if sev == IGNORE or history is None or isinstance(history, RecordedBaseline) \
            or "period" not in profile.schema.field_names:
        return []
    source = _history_source(con, history)
    if "period" not in _columns(con, source):
        return []
    share = _exact(policy.shrink_share)
    kept = f" and (source_file_index, source_line) not in ({set_aside})" if policy.quarantine else ""
    files = (f"(select s.source_file_index, s.period, s.records, h.published from "
             f"(select source_file_index, period, count(*) as records from {table} where {RECORDS}{kept} "
             f"group by all) s "
             f"join (select period, count(*) as published from {source} "
             f"where publisher_id = {quote_literal(profile.publisher_id)} group by period) h using (period) "
             f"where s.records < {share} * h.published) t")
    return [issue_select("period-shrinks", None, "cast(null as varchar)", "true", files, severity=sev,
                         line_sql=NO_LINE, params={"period": "period", "records": "cast(records as varchar)",
                                                   "published": "cast(published as varchar)"})]


def _control_total_rows(con: duckdb.DuckDBPyConnection, contexts: list[FileContext],
                        control_totals: Mapping[str, Decimal] | None) -> list[tuple[int, str, Decimal]]:
    if not control_totals:
        return []
    rows = []
    matched = set()
    for ctx in contexts:
        for key in (ctx.extracted.name, ctx.period):
            if key is not None and key in control_totals:
                rows.append((ctx.index, key, Decimal(control_totals[key])))
                matched.add(key)
                break
    unknown = sorted(set(control_totals) - matched)
    if unknown:
        raise UsageError(f"control total given for {', '.join(unknown)}, which names no file and no period "
                         "of this publish")
    return rows


# A file's total: its last total row (a grand total follows any subtotal, and a total repeated is
# the same figure). Totals are never added up.
STATED_TOTAL = "arg_max(amount, source_line) filter (where row_kind = 'total')"


# Records whose amount is empty or cannot be read are in no sum: a total that does not reconcile
# says how many there are, as they are often the whole difference.
UNREAD_AMOUNTS = (f"count(*) filter (where {RECORDS} and amount is null) as unread, "
                  f"min(source_line) filter (where {RECORDS} and amount is null) as first_unread")
UNREAD_PHRASE = "total-mismatch-unread"


def _unread_params() -> dict[str, str]:
    unread = {"unread": "cast(unread as varchar)", "first_unread": "cast(first_unread as varchar)"}
    return {**unread,
            "further": f"case when unread > 0 then {messages.render_sql(UNREAD_PHRASE, unread)} end",
            "further_key": f"case when unread > 0 then {quote_literal(UNREAD_PHRASE)} end"}


def total_queries(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy, table: str,
                  contexts: list[FileContext], control_totals: Mapping[str, Decimal] | None) -> list[str]:
    sev = policy.severity_of("total-mismatch")
    if sev == IGNORE or "amount" not in profile.schema.field_names:
        return []
    queries = []
    if any(r.kind == "total" for r in profile.skip_rows):
        totals = (f"(select source_file_index, sum(amount) filter (where {RECORDS}) as loaded, "
                  f"{STATED_TOTAL} as stated, "
                  f"max(source_line) filter (where row_kind = 'total') as total_line, {UNREAD_AMOUNTS} "
                  f"from {table} group by source_file_index) t")
        queries.append(issue_select(
            "total-mismatch", "amount", "cast(stated as varchar)", "stated is not null and stated <> coalesce(loaded, 0)",
            totals, severity=sev, line_sql="total_line",
            params={"loaded": "cast(coalesce(loaded, 0) as varchar)", "stated": "cast(stated as varchar)",
                    "source": quote_literal(messages.phrase("total-source.row")),
                    "source_key": quote_literal("total-source.row"), **_unread_params()}))
        # ...and a total row whose amount is empty or cannot be read states nothing to reconcile with
        spec = profile.fields.get("amount")
        text = quote_ident(text_column("amount")) if spec and not spec.is_constant else "cast(null as varchar)"
        queries.append(issue_select("total-mismatch", "amount", text, "row_kind = 'total' and amount is null",
                                    table, severity=sev, constraint="unreadable"))
    given = _control_total_rows(con, contexts, control_totals)
    if given:
        values = ", ".join(f"({i}, {quote_literal(k)}, CAST({quote_literal(str(v))} AS DECIMAL(38, 2)))"
                           for i, k, v in given)
        totals = (f"(select g.file_index as source_file_index, g.key, g.stated, coalesce(s.loaded, 0) as loaded, "
                  f"s.unread, s.first_unread from (values {values}) g(file_index, key, stated) left join "
                  f"(select source_file_index, sum(amount) filter (where {RECORDS}) as loaded, {UNREAD_AMOUNTS} "
                  f"from {table} group by all) s on s.source_file_index = g.file_index) t")
        queries.append(issue_select(
            "total-mismatch", "amount", "cast(stated as varchar)", "stated <> loaded", totals, severity=sev,
            line_sql=NO_LINE,
            params={"loaded": "cast(loaded as varchar)", "stated": "cast(stated as varchar)",
                    "key": "key", "source": messages.render_sql("total-source.given", {"key": "key"}),
                    "source_key": quote_literal("total-source.given"), **_unread_params()}))
    return queries


def total_row_queries(profile: Profile, policy: ValidationPolicy, table: str) -> list[str]:
    """missing-total-row: a file without the total row its profile requires."""
    sev = policy.severity_of("missing-total-row")
    if sev == IGNORE or not any(r.kind == "total" and r.required for r in profile.skip_rows):
        return []
    files = (f"(select source_file_index, count(*) filter (where row_kind = 'total') as total_rows "
             f"from {table} group by source_file_index) t")
    return [issue_select("missing-total-row", None, "cast(null as varchar)", "total_rows = 0", files, severity=sev,
                         line_sql=NO_LINE)]


def _reference_table(con: duckdb.DuckDBPyConnection, name: str, path, column: str | None) -> str:
    target = f"validation_codes_{name}"
    col = quote_ident(column) if column else "#1"
    con.execute(f"create or replace temp table {quote_ident(target)} as select distinct cast({col} as varchar) as code "
                f"from read_csv({quote_literal(str(path))}, header = true, all_varchar = true)")
    return target


def _code_list_table(con: duckdb.DuckDBPyConnection, profile: Profile, i: int, cl: CodeList) -> str:
    """A profile's code list as a table; a list that is missing or lacks its column is the profile's
    fault, named by its key."""
    key = cl.key
    if not cl.path.is_file():
        raise ProfileError(f"{key}: no such file {str(cl.path)!r}", where=str(profile.path))
    try:
        return _reference_table(con, f"{i}", cl.path, cl.column)
    except duckdb.Error as e:
        what = f"no column {cl.column!r}" if cl.column else "not a CSV file with a header"
        raise ProfileError(f"{key}: {cl.path.name} has {what} ({str(e).splitlines()[0]})",
                           where=str(profile.path)) from None


def _cofog_table(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse's cofog table when attached or present, otherwise the shipped COFOG list."""
    for db, schema in con.execute("select database_name, schema_name from duckdb_tables() "
                                  "where table_name = 'cofog'").fetchall():
        con.execute(f"create or replace temp table validation_codes_cofog as select distinct cofog_code as code "
                    f"from {quote_ident(db)}.{quote_ident(schema)}.cofog")
        return "validation_codes_cofog"
    return _reference_table(con, "cofog", COFOG_CSV, "Code")


def code_list_queries(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy,
                      table: str) -> list[str]:
    sev = policy.severity_of("unknown-code")
    if sev == IGNORE:
        return []
    lists: list[tuple[str, str, str]] = []
    if _mapped(profile, "cofog_code"):
        lists.append(("cofog_code", _cofog_table(con), "COFOG"))
    for i, cl in enumerate(policy.code_lists):
        if cl.field in profile.schema.field_names and cl.field in profile.fields:
            lists.append((cl.field, _code_list_table(con, profile, i, cl), cl.name or cl.path.name))
    queries = []
    for field, ref, name in lists:
        col = quote_ident(field)
        queries.append(issue_select(
            "unknown-code", field, col,
            f"{RECORDS} and {col} is not null and cast({col} as varchar) not in (select code from {quote_ident(ref)})",
            table, severity=sev, params={"list": quote_literal(name)}))
    return queries


def domain_queries(con: duckdb.DuckDBPyConnection, profile: Profile, policy: ValidationPolicy,
                   contexts: list[FileContext], *, control_totals: Mapping[str, Decimal] | None = None,
                   history: Any = None) -> list[str]:
    table = quote_ident(stg_table(profile))
    return [
        *total_queries(con, profile, policy, table, contexts, control_totals),
        *total_row_queries(profile, policy, table),
        *supplier_id_queries(profile, policy, table),
        *date_queries(profile, policy, table),
        *duplicate_queries(profile, policy, table),
        *republished_queries(con, profile, policy, table, history),
        *outlier_queries(con, profile, policy, table, history),
        *code_list_queries(con, profile, policy, table),
    ]
