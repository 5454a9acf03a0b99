"""Releases: each publish is immutable; a re-published period is diffed against its previous version.

Everything here is SQL over the staged warehouse `wh` and the work connection: the previous rows
of a period are compared with the new ones set-based, matched by transaction id where the source
has unique ones, otherwise by a fingerprint of the row's content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from .schema import TableSchema
from .sqltext import quote_ident


@dataclass(frozen=True)
class Release:
    release_id: str
    published_at: dt.datetime  # UTC, whole seconds
    tool_version: str          # the spendpub that made it: a rebuild by a later one says the same
    kind: str = "publish"
    rolls_back_to: str | None = None


@dataclass(frozen=True)
class PeriodVersion:
    """Where a published period's rows come from."""

    period: str
    source_name: str
    source_sha256: str
    profile_sha256: str
    row_release_id: str


@dataclass
class PeriodChange:
    period: str
    previous_release_id: str
    matched_by: str
    rows_before: int
    rows_after: int
    added: int
    removed: int
    changed: int
    totals_before: dict[str, Decimal] = field(default_factory=dict)
    totals_after: dict[str, Decimal] = field(default_factory=dict)


def content_fields(schema: TableSchema) -> list[str]:
    """Fields that say what was paid (not where the row came from): what a diff compares."""
    return [f for f, d in ((f["name"], f) for f in schema.descriptor["fields"]) if d.get("role") != "provenance"]


def latest_release_id(con: duckdb.DuckDBPyConnection, publisher_id: str, dataset: str,
                      db: str = "wh", before_seq: int | None = None) -> str | None:
    row = con.execute(f"select release_id from {db}.releases where publisher_id = ? and dataset = ? "
                      "and seq < coalesce(?, 2147483647) order by seq desc limit 1",
                      [publisher_id, dataset, before_seq]).fetchone()
    return row[0] if row else None


def state_of(con: duckdb.DuckDBPyConnection, release_id: str | None, db: str = "wh") -> dict[str, PeriodVersion]:
    if release_id is None:
        return {}
    rows = con.execute(f"select period, source_name, source_sha256, profile_sha256, row_release_id "
                       f"from {db}.release_state where release_id = ? order by period", [release_id]).fetchall()
    return {r[0]: PeriodVersion(*r) for r in rows}


def row_order(schema: TableSchema) -> str:
    """The order rows are stored in the warehouse: period, then the primary key. Every insert
    sorts by it, and each period's rows come from one insert, so a scan of one period (DuckDB
    preserves insertion order) reads them in this order without sorting again."""
    return ", ".join(quote_ident(k) for k in ("period", *schema.primary_key) if k in schema.field_names)


def diff_and_replace(con: duckdb.DuckDBPyConnection, schema: TableSchema, dataset: str, publisher_id: str,
                     new_rows: str, previous: dict[str, PeriodVersion], release_id: str) -> list[PeriodChange]:
    """Replace the periods found in `new_rows` (a work table with the schema's fields) in wh.<dataset>.

    For each period that was already published, the row-level differences are recorded in
    wh.release_changes and summarised in wh.release_period_changes. One transaction, with the caller's.
    """
    target = f"wh.{quote_ident(dataset)}"
    fields = content_fields(schema)
    has_tx = "transaction_id" in fields
    periods = [r[0] for r in con.execute(f"select distinct period from {new_rows} order by 1").fetchall()]
    republished = [p for p in periods if p in previous]
    changes: list[PeriodChange] = []
    if republished:
        fp = "md5(concat_ws(chr(31), " + ", ".join(f"coalesce(cast({quote_ident(f)} as varchar), chr(0))" for f in fields) + "))"
        tx = "transaction_id" if has_tx else "cast(null as varchar)"
        for side, source in (("old", f"{target} where publisher_id = ? and period in (select unnest(?::varchar[]))"),
                             ("new", f"{new_rows} where period in (select unnest(?::varchar[]))")):
            params = [publisher_id, republished] if side == "old" else [republished]
            con.execute(f"create or replace temp table diff_{side} as select *, {fp} as _fp, {tx} as _tx "
                        f"from {source}", params)
        con.execute("""
            create or replace temp table diff_mode as
            select period, bool_and(tx_unique) as by_tx from (
                select period, count(_tx) = count(*) and count(distinct _tx) = count(*) as tx_unique
                from diff_old group by period
                union all
                select period, count(_tx) = count(*) and count(distinct _tx) = count(*)
                from diff_new group by period
            ) group by period""")
        for side in ("old", "new"):
            con.execute(f"""
                create or replace temp table diff_{side}_k as
                select d.*, case when m.by_tx then d._tx
                                 else d._fp || '#' || row_number() over (partition by d.period, d._fp order by d.source_line)
                            end as _key,
                       case when m.by_tx then d._tx end as _published_key
                from diff_{side} d join diff_mode m using (period)""")
        distinct = [f"case when o.{quote_ident(f)} is distinct from n.{quote_ident(f)} then '{f}' end" for f in fields]
        amount = "amount" in fields
        con.execute(f"""
            insert into wh.release_changes
            with joined as (
                select coalesce(n.period, o.period) as period, o._key as old_key, n._key as new_key,
                       coalesce(n._published_key, o._published_key) as published_key,
                       o.source_line as line_before, n.source_line as line_after,
                       list_filter([{', '.join(distinct)}], lambda x: x is not null) as fields_changed,
                       {'o.amount' if amount else 'null'} as amount_before,
                       {'n.amount' if amount else 'null'} as amount_after
                from diff_old_k o full outer join diff_new_k n on o.period = n.period and o._key = n._key
            ),
            final as (
                select ?, period,
                       case when old_key is null then 'added' when new_key is null then 'removed' else 'changed' end,
                       published_key, line_before, line_after,
                       case when old_key is not null and new_key is not null then fields_changed end,
                       amount_before, amount_after
                from joined
                where old_key is null or new_key is null or len(fields_changed) > 0
            )
            select * from final order by 2, 3, 4, 5, 6""", [release_id])
        summary = con.execute("""
            select m.period, m.by_tx,
                   (select count(*) from diff_old o where o.period = m.period),
                   (select count(*) from diff_new n where n.period = m.period),
                   count(*) filter (where c.change = 'added'),
                   count(*) filter (where c.change = 'removed'),
                   count(*) filter (where c.change = 'changed')
            from diff_mode m left join wh.release_changes c on c.release_id = ? and c.period = m.period
            group by all order by m.period""", [release_id]).fetchall()
        for period, by_tx, before, after, added, removed, changed in summary:
            changes.append(PeriodChange(period, previous[period].row_release_id,
                                        "transaction_id" if by_tx else "fingerprint",
                                        before, after, added, removed, changed))
        con.executemany("insert into wh.release_period_changes values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[release_id, c.period, c.previous_release_id, c.matched_by, c.rows_before,
                          c.rows_after, c.added, c.removed, c.changed] for c in changes])
        for t in ("diff_old", "diff_new", "diff_old_k", "diff_new_k", "diff_mode"):
            con.execute(f"drop table {t}")
    cols = ", ".join(quote_ident(f) for f in schema.field_names)
    con.execute(f"delete from {target} where publisher_id = ? and period in (select unnest(?::varchar[]))",
                [publisher_id, periods])
    con.execute(f"insert into {target} ({cols}) select {cols} from {new_rows} order by {row_order(schema)}")
    return changes


def record(con: duckdb.DuckDBPyConnection, release: Release, seq: int, profile, periods: list[str], files,
           totals, state_after: dict[str, PeriodVersion], counts: dict[str, int]) -> None:
    """The release's own rows: who, when, which periods, from which files, with which result."""
    con.execute("insert into wh.releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        release.release_id, seq, release.kind, release.rolls_back_to, release.published_at,
        profile.publisher_id, profile.dataset, periods, profile.sha256,
        release.tool_version, counts["read"], counts["loaded"], counts["rejected"], counts["redacted"]])
    if files:
        con.executemany("insert into wh.release_sources values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [release.release_id, f.name, f.sha256, f.bytes, f.encoding, f.period, f.header_line,
             f.rows_read, f.loaded, f.control_total] for f in files])
    if totals:
        con.executemany("insert into wh.release_totals values (?, ?, ?, ?, ?)",
                        [[release.release_id, t.period, t.currency, t.payments, t.total] for t in totals])
    if state_after:
        con.executemany("insert into wh.release_state values (?, ?, ?, ?, ?, ?, ?, ?)", [
            [release.release_id, profile.publisher_id, profile.dataset, v.period, v.source_name,
             v.source_sha256, v.profile_sha256, v.row_release_id] for v in state_after.values()])


def record_redacted_published(con: duckdb.DuckDBPyConnection, release_id: str, rows: dict[str, int]) -> None:
    """The rows of earlier releases that this release redacted, per period (their packages change)."""
    if rows:
        con.executemany("insert into wh.release_redacted_published values (?, ?, ?)",
                        [[release_id, period, n] for period, n in sorted(rows.items())])


def redacted_published_in(db: str, release: str = "release_id") -> str:
    """SQL condition: the release (its id in column `release`) redacted rows of $period that an
    earlier release had published."""
    return f"{release} in (select release_id from {db}.release_redacted_published where period = $period)"


def period_release_id(con: duckdb.DuckDBPyConnection, row_release_id: str, period: str, db: str = "wh") -> str:
    """The release that last changed a period's package: the one that loaded its rows, or a later
    one that redacted some of them (the latest in `db`, which holds the releases up to the one
    being written)."""
    return con.execute(f"""
        select r.release_id from {db}.releases r, {db}.releases loaded
        where loaded.release_id = $loaded and r.publisher_id = loaded.publisher_id and r.dataset = loaded.dataset
          and (r.release_id = $loaded or {redacted_published_in(db, "r.release_id")})
        order by r.seq desc limit 1""", {"loaded": row_release_id, "period": period}).fetchone()[0]


def record_validation_inputs(con: duckdb.DuckDBPyConnection, release_id: str,
                             references: list[tuple[str, str, str]],
                             outlier_baseline: list[tuple[str, Decimal, int]]) -> None:
    """What the release's validation read besides its sources, for a replay to read it again: the
    code lists (profile key, file name, sha256 in the archive) and the outlier baseline (currency,
    usual amount, payments it came from)."""
    if references:
        con.executemany("insert into wh.release_references values (?, ?, ?, ?)",
                        [[release_id, *r] for r in references])
    if outlier_baseline:
        con.executemany("insert into wh.release_outlier_baselines values (?, ?, ?, ?)",
                        [[release_id, *r] for r in outlier_baseline])


def period_totals(con: duckdb.DuckDBPyConnection, release_ids_by_period: dict[str, str],
                  db: str = "wh") -> dict[str, dict[str, Decimal]]:
    """Totals per currency of each period as the given release published it."""
    out: dict[str, dict[str, Decimal]] = {}
    for period, rid in release_ids_by_period.items():
        for currency, total in con.execute(
                f"select currency, total from {db}.release_totals where release_id = ? and period = ?",
                [rid, period]).fetchall():
            out.setdefault(period, {})[currency] = total
    return out


def history(con: duckdb.DuckDBPyConnection, publisher_id: str | None = None, db: str = "wh") -> list[tuple]:
    """(release_id, seq, kind, rolls_back_to, published_at, publisher_id, dataset, periods, rows_loaded,
    rows_rejected, rows_redacted), newest first."""
    return con.execute(f"""
        select release_id, seq, kind, rolls_back_to, published_at, publisher_id, dataset, periods,
               rows_loaded, rows_rejected, rows_redacted
        from {db}.releases where ? is null or publisher_id = ? order by seq desc""",
                       [publisher_id, publisher_id]).fetchall()


def period_changes(con: duckdb.DuckDBPyConnection, release_id: str, db: str = "wh") -> list[PeriodChange]:
    out = []
    for period, prev, by, before, after, added, removed, changed in con.execute(
            f"select period, previous_release_id, matched_by, rows_before, rows_after, added, removed, changed "
            f"from {db}.release_period_changes where release_id = ? order by period", [release_id]).fetchall():
        totals = period_totals(con, {period: prev}, db), period_totals(con, {period: release_id}, db)
        out.append(PeriodChange(period, prev, by, before, after, added, removed, changed,
                                totals[0].get(period, {}), totals[1].get(period, {})))
    return out


@dataclass
class PeriodRows:
    """A period's rows as the release that published them left them: a period a release took out of
    publication (a rollback to before it was published), or one a rollback brought back."""

    period: str
    published_by: str                               # the release whose rows they are
    totals: dict[str, tuple[int, Decimal]] = field(default_factory=dict)   # currency: payments, total

    def totals_text(self, money: Callable[[Decimal], str]) -> str:
        """'2 payments, GBP 15.50' (per currency, separated by '; '), amounts written by `money`."""
        return "; ".join(f"{n:,} payments, {c} {money(t)}" for c, (n, t) in self.totals.items())


# The release `$rid` (r) and the one of its publisher's dataset before it (before)
_RELEASE_AND_BEFORE = """
    r as (select seq, publisher_id, dataset, periods, kind from {db}.releases where release_id = $rid),
    before as (select p.release_id from {db}.releases p, r
               where p.publisher_id = r.publisher_id and p.dataset = r.dataset and p.seq < r.seq
               order by p.seq desc limit 1)"""


def withdrawn_periods(con: duckdb.DuckDBPyConnection, release_id: str, db: str = "wh") -> list[PeriodRows]:
    """The periods `release_id` names but no longer publishes, as the release before it held them."""
    return _period_rows(con, db, release_id, f"""
        with {_RELEASE_AND_BEFORE.format(db=db)},
        gone as (select unnest(periods) as period from r
                 except select period from {db}.release_state where release_id = $rid)
        select g.period, s.row_release_id
        from gone g join {db}.release_state s on s.release_id = (select release_id from before) and s.period = g.period""")


def restored_periods(con: duckdb.DuckDBPyConnection, release_id: str, db: str = "wh") -> list[PeriodRows]:
    """The periods a rollback `release_id` publishes again though the release before it held them
    no more (withdrawn by an earlier rollback), with the rows it brought back."""
    return _period_rows(con, db, release_id, f"""
        with {_RELEASE_AND_BEFORE.format(db=db)}
        select s.period, s.row_release_id from {db}.release_state s
        where s.release_id = $rid and (select kind from r) = 'rollback' and s.period not in
              (select period from {db}.release_state where release_id = (select release_id from before))""")


def periods_moved(con: duckdb.DuckDBPyConnection, release_id: str, db: str = "wh") -> list[tuple[str, PeriodRows]]:
    """('withdrawn' | 'restored', its rows) for each period `release_id` took out or brought back."""
    return [*(("withdrawn", held) for held in withdrawn_periods(con, release_id, db)),
            *(("restored", held) for held in restored_periods(con, release_id, db))]


def _period_rows(con: duckdb.DuckDBPyConnection, db: str, release_id: str, periods_sql: str) -> list[PeriodRows]:
    """PeriodRows of (period, row_release_id) rows, with their totals."""
    rows = con.execute(f"""
        select p.period, p.row_release_id, t.currency, t.payments, t.total from ({periods_sql}) p
        left join {db}.release_totals t on t.release_id = p.row_release_id and t.period = p.period
        order by p.period, t.currency""", {"rid": release_id}).fetchall()
    out: dict[str, PeriodRows] = {}
    for period, published_by, currency, payments, total in rows:
        held = out.setdefault(period, PeriodRows(period, published_by))
        if currency is not None:
            held.totals[currency] = (payments, total)
    return list(out.values())


def row_changes(con: duckdb.DuckDBPyConnection, release_id: str, period: str | None = None,
                limit: int | None = None, db: str = "wh") -> list[tuple]:
    """(period, change, match_key, line_before, line_after, fields_changed, amount_before, amount_after)."""
    return con.execute(f"""
        select period, change, match_key, line_before, line_after, fields_changed, amount_before, amount_after
        from {db}.release_changes where release_id = ? and (? is null or period = ?)
        order by period, change, match_key, line_before, line_after limit ?""",
                       [release_id, period, period, limit if limit is not None else 2**62]).fetchall()
