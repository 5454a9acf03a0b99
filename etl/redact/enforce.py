"""Applying the rules: stg_<dataset> redacted set-based in DuckDB as the policy and the decisions say,
the names the leak gate must not find, and the same rules on rows already published."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

import duckdb

from .. import leakgate
from ..exports import uk_spend
from ..profile import Profile
from ..sqltext import quote_ident, quote_literal
from ..transform import mirrors_text, stg_table, text_column
from ..validate.quarantine import QUARANTINED
from .decisions import Decisions, name_keys, record_names
from .policy import REASONS, REDACTED_LABEL, Policy, markers_only


def _initial_forms(tokens: str, given: str) -> str:
    """SQL: a person's name (`tokens` without titles: two or three words of letters) as its first
    initial and surname, both ways exports order them ('j blackhurst' for 'John Blackhurst' and
    for 'BLACKHURST, John'), where every given name passes `given` (an SQL test of `t`). (A DuckDB
    slice keeps its end: [:-2] leaves out the last word only.)"""
    def every(part: str) -> str:
        return f"list_bool_and(list_transform({part}, lambda t: {given}))"
    return (f"coalesce(case when len({tokens}) between 2 and 3 "
            f"and regexp_full_match(array_to_string({tokens}, ''), '[^\\pN]+') then list_filter(["
            f"case when {every(f'{tokens}[:-2]')} then {tokens}[1][1] || ' ' || {tokens}[-1] end, "
            f"case when {every(f'{tokens}[2:]')} then {tokens}[2][1] || ' ' || {tokens}[1] end], "
            f"lambda f: f is not null) end, [])")


# A person registered with initials only ('Mr J A Blackhurst') is the one a later export names in
# full ('John Blackhurst', 'BLACKHURST, John'): their forms of first initial and surname meet. A
# namesake with the same initial is hidden too (the safe side). A name registered in full is
# matched through its own variants instead, so that 'Alan Mullan' is not 'Andrew Mullan'. The
# forms go among the cores after INITIALS_MARK, which no key holds (keys are letters, digits and
# spaces), so that they meet only the forms of names given in full.
INITIALS_MARK = "~"
# The keys of people's names (a relation `keys` of `key`), as they are, without their leading
# titles (`titles`: leakgate.titles_sql), as exports write them otherwise (name_variants:
# 'wroxley jane', 'j wroxley') and, when given as initials, as initial and surname.
NAME_CORES = """
    select distinct core from (
        select unnest(list_concat(list_concat([key, array_to_string(person, ' ')],
                                              list_transform(name_variants(person), lambda v: array_to_string(v, ' '))),
                                  list_transform(""" + _initial_forms("person", "length(t) = 1") + f""",
                                                 lambda f: '{INITIALS_MARK}' || f))) as core
        from (select key, untitled(string_split(key, ' '), {{titles}}) as person from {{keys}} k))
    where core is not null"""
# Each distinct name (a select of `name`) with its tokens and key, tokenised once: the key is
# redaction_key(name), written from the tokens.
KEYED_NAMES = ("select name, nullif(array_to_string(tokens, ' '), '') as key, tokens "
               "from (select name, redaction_tokens(name) as tokens from ({names}))")
# A supplier (a row of KEYED_NAMES) is one of those people when its key, or its key without titles,
# is among theirs (`cores`: NAME_CORES), or when the leak gate would find one of them in its name
# (`cells`: leakgate.named_cells_sql): 'Taxi for Jane Wroxley', 'Mrs Jane Wroxley (Home Care)'.
SAME_PERSON = ("(key in (select core from {cores}) "
               "or array_to_string(name_core(tokens, {titles}), ' ') in (select core from {cores}) "
               f"or list_has_any(list_transform({_initial_forms('untitled(tokens, {titles})', 'length(t) > 1')}, "
               f"lambda f: '{INITIALS_MARK}' || f), (select coalesce(list(core), []) from {{cores}})) "
               "or name in (select value from {cells}))")


def _keys_table(con: duckdb.DuckDBPyConnection, policy: Policy, decisions: Decisions) -> None:
    kinds = {
        "marker": [*policy.markers, REDACTED_LABEL],
        "person_type": list(policy.person_types),
        "organisation_type": list(policy.organisation_types),
        "named": [*policy.names, *decisions.registered(whole=False)],
        "registered_whole": decisions.registered(whole=True),
        "confirmed": list(decisions.confirmed.values()),
        "rejected": list(decisions.rejected.values()),
        "org_word": list(policy.organisation_words),
        "title": list(policy.titles),
        "given_name": list(policy.given_names),
    }
    pairs = [(kind, v) for kind, values in kinds.items() for v in values]
    con.execute("""
        create or replace temp table rd_keys as
        select distinct kind, redaction_key(value) as key
        from (select unnest(?::varchar[]) as kind, unnest(?::varchar[]) as value)
        where redaction_key(value) is not null""", [[k for k, _ in pairs], [v for _, v in pairs]])
    # The names of people, as they are and without their titles: a supplier 'Ms Jane Wroxley' or
    # 'Jane Wroxley' is the 'Mrs Jane Wroxley' a release redacted (the leak gate searches both too).
    con.execute("create or replace temp table rd_name_cores as " +
                NAME_CORES.format(keys="(select key from rd_keys where kind in ('named', 'confirmed'))",
                                  titles=leakgate.titles_sql(policy.titles)))


def _supplier_cells_table(con: duckdb.DuckDBPyConnection, table: str, stg: str, policy: Policy,
                          names: list[str], whole: list[str] | tuple = ()) -> int:
    """`table`: the supplier names of stg_ (records and rows set aside) in which the leak gate would
    find one of `names` (or of `whole`, as whole cells); returns how many."""
    cells = "select null::varchar as value where false"
    if names or whole:
        leakgate.names_table(con, f"{table}_names", names, policy.common_words, whole, policy.titles)
        cells = leakgate.named_cells_sql(
            f"(select distinct supplier_name as value from {stg} where row_kind in ('record', '{QUARANTINED}'))",
            f"{table}_names", policy.organisation_words, policy.titles)
    con.execute(f"create or replace temp table {table} as {cells}")
    return con.execute(f"select count(*) from {table}").fetchone()[0]


# A name (in the plan) of rd_hidden_cells whose key no record of the plan hides yet.
HIDDEN_CELL = "(name in (select value from rd_hidden_cells) and key not in (select key from rd_hidden_keys))"


def _field_sql(profile: Profile, name: str, cast: str = "varchar") -> str:
    return quote_ident(name) if name in profile.schema.field_names else f"cast(null as {cast})"


# The decisions on the records, as a select of the records that pass {rows} (before the joins)
# and {where} (after), of names that pass {names}. apply() keeps the records some rule concerns,
# in two steps: those with a reason of their own, then the other records of every name that one
# of them hides.
PLAN_SQL = """
with records as not materialized (  -- scanned again by each use: cheaper than a copy of every row
    select source_file_index as file_index, source_line as line,
           {supplier_name} as name, {supplier_id} as supplier_id, {supplier_type} as supplier_type,
           {purpose} as purpose, {expense_type} as expense_type,
           coalesce({is_redacted}, false) as was_redacted, {redaction_reason} as was_reason,
           row_kind = 'record' as published
    from {stg}
    where row_kind in ('record', '{quarantined}')  -- a row set aside still says who is a person
),
-- What a name, a supplier type or an expense type says depends on that text alone: it is worked
-- out once per distinct text (thousands), not once per row (millions), then joined back.
names as (
    select * exclude (given),
        coalesce(key in (select key from rd_keys where kind = 'marker'), false) as is_marker,
        coalesce(key in (select key from rd_keys where kind = 'named'), false) as is_listed,
        coalesce(key in (select key from rd_keys where kind in ('named', 'registered_whole'))
                 or {same_person}, false) as is_named,
        coalesce(key in (select key from rd_keys where kind = 'confirmed'), false) as is_confirmed,
        coalesce(key in (select key from rd_keys where kind = 'rejected'), false) as is_rejected,
        coalesce(list_has_any(tokens, (select coalesce(list(key), []) from rd_keys where kind = 'org_word')),
                 false) as has_org_word,
        -- what makes a name look like a person's (the detector's signs). A key holds letters,
        -- digits and spaces only, so a letter is what is neither a space nor a number ([^ \\pN]):
        -- RE2 compiles that class in half the time of \\pL, at every statement and on every thread.
        list_filter([
            case when len(tokens) >= 2
                      and list_contains((select coalesce(list(key), []) from rd_keys where kind = 'title'), tokens[1])
                 then 'a title (' || tokens[1] || ')' end,
            case when regexp_full_match(key, '([^ \\pN] )([^ \\pN] ){{0,2}}[^ \\pN]{{2,}}')
                   or regexp_full_match(key, '[^ \\pN]{{2,}}( [^ \\pN]){{1,3}}')
                 then 'initials and a surname' end,
            -- first, or last: surname first ('WROXLEY, Jane')
            case when len(tokens) between 2 and 4 and regexp_full_match(key, '[^\\pN]+')
                 then 'a common given name (' || list_filter([tokens[1], tokens[-1]],
                                                             lambda t: list_contains(g.given, t))[1] || ')' end],
            lambda x: x is not null) as signs
    from ({keyed_names}), (select coalesce(list(key), []) as given from rd_keys where kind = 'given_name') g
    where {names}
),
types as (
    select *,
        coalesce(type_key in (select key from rd_keys where kind = 'person_type'), false) as is_person_type,
        coalesce(type_key in (select key from rd_keys where kind = 'organisation_type'), false) as is_org_type
    from (select supplier_type, redaction_key(supplier_type) as type_key from (select distinct supplier_type from records))
),
expenses as (
    select expense_type, {sensitive} as is_sensitive from (select distinct expense_type from records)
),
base as not materialized (
    select * from records b where {rows}
),
flags as (
    select b.file_index, b.line, b.published, b.name, n.key, n.tokens, b.supplier_id, t.type_key, b.purpose,
        b.expense_type, b.was_redacted, b.was_reason,
        n.is_marker, t.is_person_type, n.is_listed, n.is_named, n.is_confirmed, n.is_rejected, e.is_sensitive,
        b.supplier_id is not null or t.is_org_type or n.has_org_word as is_org,
        n.signs
    from base b
    join names n on n.name is not distinct from b.name
    join types t on t.supplier_type is not distinct from b.supplier_type
    join expenses e on e.expense_type is not distinct from b.expense_type
),
decided as (
    select *,
        -- the order keeps a row's reason stable from one release to the next (the register makes
        -- every redacted name a named one at the next publish)
        case when was_redacted then coalesce(was_reason, 'source-marker')
             when is_marker then 'source-marker'
             when is_person_type then 'natural-person'
             when is_confirmed then 'confirmed-person'
             when is_sensitive and not is_rejected then 'sensitive-expense'
             when is_named then 'named-person'
             when is_sensitive then 'sensitive-expense'
        end as reason,
        was_redacted or is_marker or is_person_type or is_named or is_confirmed
            or (is_sensitive and not is_rejected and not (is_org and {keep_organisations})) as hide_name,
        is_person_type or is_listed or is_confirmed or len(signs) > 0 as person_like
    from flags
)
-- what apply() and detect() read afterwards
select * exclude (tokens, supplier_id, type_key, was_reason, is_sensitive), false as hide_purpose
from decided
where {where}
"""

# A record no rule concerns: not redacted at the source, no marker, no person's supplier type, a
# name no list or decision names and with no sign of a person, no sensitive expense type, no
# purpose. It keeps no reason, hides nothing and the detector does not report it, unless another
# record hides its name; apply() adds those.
# The rule, said once: a test of the record's own columns, or a test of one of its texts in the CTE
# that works that text out (the CTE, the record's column it joins on, the test on the CTE's columns,
# which `flags` keeps under the same names).
_CONCERNED_RECORD = ("was_redacted", "purpose is not null")
_CONCERNED_TEXTS = (("names", "name", "is_marker or is_listed or is_named or is_confirmed or len(signs) > 0"),
                    ("types", "supplier_type", "is_person_type"),
                    ("expenses", "expense_type", "is_sensitive"))
# Tested after the joins...
CONCERNED = " or ".join([*_CONCERNED_RECORD, *(f"({test})" for _, _, test in _CONCERNED_TEXTS)])
# ...and the same, tested before them: through semi-joins on the few texts concerned.
CONCERNED_ROWS = " or ".join([*(f"b.{test}" for test in _CONCERNED_RECORD),
                              *(f"b.{column} in (select {column} from {cte} where {test})"
                                for cte, column, test in _CONCERNED_TEXTS)])


def apply(con: duckdb.DuckDBPyConnection, profile: Profile, policy: Policy,
          decisions: Decisions | None = None) -> dict[str, int]:
    """Redact stg_<dataset> as the policy and the decisions say; returns record rows per reason.

    Also leaves two temp tables on `con`: redaction_plan (what was decided, one row per record
    that some rule concerns: see CONCERNED) and redaction_names (the names redacted in this run:
    see redacted_names()).
    """
    decisions = decisions or Decisions.empty()
    fields = profile.schema.field_names
    if "supplier_name" not in fields:
        return {}
    stg = quote_ident(stg_table(profile))
    leakgate.install_macros(con)
    _keys_table(con, policy, decisions)
    _supplier_cells_table(con, "rd_named_cells", stg, policy, *_gate_lists(con, policy, decisions, now=[]))
    rx = policy.expense_regex
    sensitive = (f"coalesce(regexp_matches(expense_type, {quote_literal(rx)}), false)" if rx else "false")
    plan = functools.partial(
        PLAN_SQL.format,
        stg=stg, quarantined=QUARANTINED, sensitive=sensitive,
        same_person=SAME_PERSON.format(cores="rd_name_cores", titles=leakgate.titles_sql(policy.titles),
                                       cells="rd_named_cells"),
        keyed_names=KEYED_NAMES.format(names="select distinct name from records"),
        keep_organisations="true" if policy.keep_organisations else "false",
        supplier_name=quote_ident("supplier_name"), supplier_id=_field_sql(profile, "supplier_id"),
        supplier_type=_field_sql(profile, "supplier_type"), purpose=_field_sql(profile, "purpose"),
        expense_type=_field_sql(profile, "expense_type"),
        is_redacted=_field_sql(profile, "is_redacted", "boolean"),
        redaction_reason=_field_sql(profile, "redaction_reason"))
    # Most records concern no rule: the plan holds the others, then every record of a name they hide.
    con.execute("create or replace temp table redaction_plan as "
                f"{plan(names='true', rows=CONCERNED_ROWS, where=CONCERNED)}")
    con.execute("""
        create or replace temp table rd_hidden_keys as
        select distinct key from redaction_plan where hide_name and not is_marker and key is not null""")
    if con.execute("select count(*) from rd_hidden_keys").fetchone()[0]:
        con.execute(f"insert into redaction_plan "
                    f"{plan(names='key in (select key from rd_hidden_keys)', rows='true', where=f'not ({CONCERNED})')}")

    # A name redacted on one row is redacted on every row of the release, and so is a supplier
    # text the leak gate would find a person's hidden name in ('Mrs Jane Wroxley (Home Care)' once
    # 'Jane Wroxley' is), unless a person rejected it as not a natural person.
    people = [name for (name,) in con.execute("""
        select distinct name from redaction_plan   -- names withheld as a precaution: whole cells only
        where hide_name and not is_marker and not was_redacted and name is not null
          and key in (select key from redaction_plan group by key having bool_or(person_like))""").fetchall()]
    if _supplier_cells_table(con, "rd_hidden_cells", stg, policy, people):
        con.execute(f"insert into redaction_plan {plan(names=HIDDEN_CELL, rows='true', where=f'not ({CONCERNED})')}")
    con.execute(f"""
        update redaction_plan set hide_name = true, reason = coalesce(reason, 'named-person')
        where not hide_name and not is_rejected and (key in (select key from rd_hidden_keys) or {HIDDEN_CELL})""")
    purpose_reasons = sorted(policy.redact_purpose)
    con.execute("""
        update redaction_plan set hide_purpose = true
        where purpose is not null and list_contains(?::varchar[], reason)
          and (hide_name or reason = 'sensitive-expense')""", [purpose_reasons])

    # The names redacted now, and whether each was withheld only as a precaution (no sign of a person)
    con.execute("""
        create or replace temp table redaction_names as
        select distinct p.name, not k.person_like as whole_cell
        from redaction_plan p
        join (select key, bool_or(person_like) as person_like from redaction_plan group by key) k using (key)
        where p.hide_name and not p.is_marker and not p.was_redacted and p.name is not null""")
    # Rows set aside in quarantine have said which names to hide (their own go to a private file
    # as the source gave them); what follows concerns the rows published.
    con.execute("delete from redaction_plan where not published")

    # A purpose that mentions a redacted name is redacted too, whatever the row.
    names, whole = _gate_lists(con, policy, decisions)
    if "purpose" in fields and (names or whole):
        leakgate.names_table(con, "rd_mention_names", names, policy.common_words, whole, policy.titles)
        con.execute(f"""
            update redaction_plan set hide_purpose = true, reason = coalesce(reason, 'named-person')
            where not hide_purpose and purpose in (
                select value from ({leakgate.token_matches_sql(
                    "(select purpose as value from redaction_plan)", "rd_mention_names")}))""")
    con.execute("update redaction_plan set reason = null where not (hide_name or hide_purpose)")

    sets = [f"supplier_name = case when p.hide_name then {quote_literal(REDACTED_LABEL)} else s.supplier_name end",
            "is_redacted = true", "redaction_reason = p.reason"]
    if "supplier_id" in fields:
        sets.append("supplier_id = case when p.hide_name then null else s.supplier_id end")
    if "purpose" in fields:
        sets.append(f"purpose = case when p.hide_purpose then {quote_literal(REDACTED_LABEL)} else s.purpose end")
    stg_columns = {r[0] for r in con.execute(f"describe {stg}").fetchall()}
    for name, hidden in (("supplier_name", "p.hide_name"), ("supplier_id", "p.hide_name"),
                         ("purpose", "p.hide_purpose")):
        text = text_column(name)
        # no personal text survives in staging (a text column that mirrors its field follows it)
        if text in stg_columns and not mirrors_text(profile, name):
            sets.append(f"{quote_ident(text)} = case when {hidden} then null else s.{quote_ident(text)} end")
    con.execute(f"""
        update {stg} as s set {', '.join(sets)}
        from redaction_plan p
        where s.source_file_index = p.file_index and s.source_line = p.line and s.row_kind = 'record'
          and p.reason is not null""")
    counts = dict(con.execute(
        "select reason, count(*) from redaction_plan where reason is not null group by 1 order by 1").fetchall())
    return {r: counts[r] for r in REASONS if r in counts}


def apply_source_markers(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """Rows the source already marks as personal data (e.g. 'REDACTED PERSONAL DATA')."""
    if profile.redaction_markers:
        apply(con, profile, markers_only(profile))


def redacted_name_kinds(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    """(name, withheld only as a precaution) for each name apply() redacted on this connection."""
    exists = con.execute("select count(*) from duckdb_tables() where table_name = 'redaction_names' "
                         "and temporary").fetchone()[0]
    return [tuple(r) for r in con.execute(
        "select name, whole_cell from redaction_names order by name").fetchall()] if exists else []


def redacted_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names apply() redacted on this connection."""
    return [n for n, _ in redacted_name_kinds(con)]


def record_release(con: duckdb.DuckDBPyConnection, home: Path, publisher_id: str) -> list[tuple[str, bool]]:
    """Add the names this run redacted to the publisher's private register (before the switch);
    returns the entries new or changed, as (name, whole_cell: withheld as a precaution)."""
    return record_names(home, publisher_id, redacted_name_kinds(con))


def _gate_lists(con: duckdb.DuckDBPyConnection, policy: Policy, decisions: Decisions,
               now: list[tuple[str, bool]] | None = None) -> tuple[list[str], list[str]]:
    """(names searched anywhere, names searched as whole cells): redacted now (by default, by this
    connection's apply()) or before, confirmed, or listed; a name a person rejected (not a natural
    person) is left out, unless a list names it."""
    now = redacted_name_kinds(con) if now is None else now
    now_keys = name_keys(n for n, _ in now)
    everywhere = [*decisions.registered(whole=False), *decisions.confirmed.values(), *policy.names,
                  *(n for (n, w), k in zip(now, now_keys) if not w and k not in decisions.rejected)]
    whole = [*decisions.registered(whole=True),
             *(n for (n, w), k in zip(now, now_keys) if w and k not in decisions.rejected)]
    return sorted(set(everywhere)), sorted(set(whole) - set(everywhere))


def gate_names(con: duckdb.DuckDBPyConnection, policy: Policy, decisions: Decisions) -> list[str]:
    """Every name the leak gate must not find (anywhere, or as a whole cell)."""
    everywhere, whole = _gate_lists(con, policy, decisions)
    return sorted(set(everywhere) | set(whole))


def gate_arguments(con: duckdb.DuckDBPyConnection, profile: Profile, policy: Policy,
                   decisions: Decisions) -> dict:
    """Keyword arguments of leakgate.check()/assert_clean() for this publish, outputs aside."""
    everywhere, whole = _gate_lists(con, policy, decisions)
    return {"names": everywhere, "whole_names": whole, "publisher_id": profile.publisher_id,
            "common_words": policy.common_words, "organisation_words": policy.organisation_words,
            "titles": policy.titles,
            "name_columns": (*leakgate.NAME_COLUMNS, *uk_spend.NAME_COLUMNS)}


def redact_published(con: duckdb.DuckDBPyConnection, relation: str, profile: Profile, policy: Policy,
                     decisions: Decisions, now: list[tuple[str, bool]] | None = None) -> dict[str, int]:
    """Redact rows already in a published table (e.g. wh.spending) whose name is now to be redacted.

    A name confirmed, listed or redacted after an earlier release had published it is redacted in
    that release's rows too, so that the leak gate passes and no later package shows it. Returns
    the rows changed per period (a row counted once, whichever of its cells changed): the caller
    rewrites those periods' packages. `now`: the names the release redacted itself (by default,
    what apply() redacted on this connection).
    """
    fields = profile.schema.field_names
    if "supplier_name" not in fields:
        return {}
    leakgate.install_macros(con)
    everywhere, whole = _gate_lists(con, policy, decisions, now)
    keys = {"confirmed-person": [k for k in name_keys(decisions.confirmed.values()) if k],
            "named-person": [k for k in name_keys([*everywhere, *whole]) if k]}
    if not (keys["confirmed-person"] or keys["named-person"]):
        return {}
    purpose = "purpose" in fields
    sets = [f"supplier_name = {quote_literal(REDACTED_LABEL)}", "is_redacted = true",
            "redaction_reason = case when list_contains($confirmed, redaction_key(supplier_name)) "
            "then 'confirmed-person' else 'named-person' end"]
    if "supplier_id" in fields:
        sets.append("supplier_id = null")
    if purpose:
        sets.append(f"purpose = case when purpose is not null and list_contains($purpose_reasons, "
                    f"case when list_contains($confirmed, redaction_key(supplier_name)) then 'confirmed-person' "
                    f"else 'named-person' end) then {quote_literal(REDACTED_LABEL)} else purpose end")
    row = ", ".join(quote_ident(k) for k in ("period", *profile.schema.primary_key))
    params = {"publisher": profile.publisher_id, "confirmed": keys["confirmed-person"],
              "named": keys["named-person"], "purpose_reasons": sorted(policy.redact_purpose)}
    # Each name's key is worked out once, not once per row, and looked up by a join: on Leeds' first
    # ten months (87,267 rows, 5,893 names), list_contains(keys, redaction_key(...)) took 0.33 s
    # even with no key to look for, against 0.04 s so.
    keys_of_people = "(select unnest(list_concat($confirmed::varchar[], $named::varchar[])) as key)"
    titles = leakgate.titles_sql(policy.titles)
    # no temp table here: this runs inside the load's transaction on the attached warehouse
    names = leakgate.names_sql(everywhere, policy.common_words, whole, policy.titles)
    suppliers = (f"select distinct supplier_name as {{column}} from {relation} "
                 "where publisher_id = $publisher and not coalesce(is_redacted, false)")
    cells = leakgate.named_cells_sql(f"({suppliers.format(column='value')})", names,
                                     policy.organisation_words, policy.titles)
    changed = con.execute(f"""
        update {relation} set {', '.join(sets)}
        where publisher_id = $publisher and not coalesce(is_redacted, false)
          and supplier_name in (
              select name from ({KEYED_NAMES.format(names=suppliers.format(column='name'))})
              where {SAME_PERSON.format(cores=f"({NAME_CORES.format(keys=keys_of_people, titles=titles)})",
                                        titles=titles, cells=f"({cells})")})
        returning {row}""", params).fetchall()
    if purpose:
        publisher = quote_literal(profile.publisher_id)
        changed += con.execute(f"""
            update {relation} set purpose = {quote_literal(REDACTED_LABEL)}, is_redacted = true,
                   redaction_reason = coalesce(redaction_reason, 'named-person')
            where publisher_id = {publisher} and purpose is not null and purpose <> {quote_literal(REDACTED_LABEL)}
              and purpose in (select value from ({leakgate.token_matches_sql(
                  f"(select purpose as value from {relation} where publisher_id = {publisher})", names)}))
            returning {row}""").fetchall()
    out: dict[str, int] = {}
    for period, *_ in set(changed):
        out[period] = out.get(period, 0) + 1
    return dict(sorted(out.items()))


def state_digest(policy: Policy, decisions: Decisions) -> str:
    """sha256 of what decides a redaction outside the files and the profile: the policy and a
    person's decisions. When it differs from the last release's, publishing the same files again
    is not 'unchanged': it must run, so that a name confirmed since is redacted. (The register is
    left out: it only grows during a publish, which applies it then.)"""
    doc = {"policy": {k: sorted(v) if isinstance(v, (tuple, frozenset)) else v
                      for k, v in sorted(dataclasses.asdict(policy).items())},
           "confirmed": sorted(decisions.confirmed), "rejected": sorted(decisions.rejected)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def published_counts(con: duckdb.DuckDBPyConnection, relation: str, publisher_id: str,
                     period: str | None = None) -> dict[str, int]:
    """Rows per redaction reason in a published table (every reason listed, zeros included)."""
    rows = dict(con.execute(
        f"select redaction_reason, count(*) from {relation} where publisher_id = ? and is_redacted "
        "and (?::varchar is null or period = ?) group by 1", [publisher_id, period, period]).fetchall())
    return {r: rows.get(r, 0) for r in REASONS}
