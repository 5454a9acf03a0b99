"""Leak gate: no name redacted in this or an earlier release may appear in anything about to be published.

The pipeline calls it once the new packages and the warehouse copy are built in their private
staging places and before they are swapped in; a hit refuses the publish and nothing is swapped.

What is searched: every text cell of every output. CSV files cell by cell; JSON documents string by
string (keys too); Parquet files and DuckDB database files through DuckDB, every text column of
every table; zips member by member (nested zips too); any other file line by line as UTF-8 text.
All of it is read into one table of distinct (source, column, value) and matched set-based in SQL.
A file's own name is searched too. A copy (same bytes: a package's file and its zip member, the
cumulative package's link to a single period's file) is read once and reported wherever it is.
Given a cache folder, the values read from each file are kept there by content once a check finds
nothing: a package published again unchanged (last month's, at this month's publish) is then not
parsed again, only hashed. The cache holds what the published files hold, no more. With it, a CSV
that is the other CSVs of its header put together (the cumulative package's CSVs) is proved to be
so by hashing, and not parsed. A hit in a file known from the cache, or in a CSV that stands for
another, is searched again from the files themselves, to say where it is.

How a name matches: names and cells are compared as *token sequences*. A token is a run of letters
or digits, lower-cased and spelt as an export in ASCII would spell it (no accents, 'ł' as 'l', 'ß'
as 'ss', full-width letters and the ligatures 'ﬁ' 'ﬃ' as plain letters, invisible characters dropped:
fold_name), so case, spacing, punctuation and accents do not matter: 'Mr J. Smith' is found in 'MR
J SMITH' and in '"Mr  J Smith"', 'Herr Jürgen Strauß' in 'HERR JURGEN STRAUSS'. A name of two
tokens or more is found when its tokens appear consecutively anywhere in a cell ('Mr J Smith' in
'Refund to Mr J Smith'), never inside a longer word ('Ann Lee' is not found in 'Joann Leeds'). It is
searched without its leading titles too, when two words or more are left: 'Mrs Jane Wroxley' is
found in 'Taxi for Jane Wroxley' and in 'MS JANE WROXLEY' (name_core). A person's name is also
searched as exports write it otherwise: surname first and with initials ('WROXLEY, Jane', 'Mrs J
Wroxley', 'Wroxley J': name_variants), except a name searched as a whole cell. A one-token name
('Dupont') is found only when it is the whole cell, so it cannot hit 'Dupont Services Ltd'. So is
a name of two tokens one of which is a word of one letter ('A Grant', 'Grant A' for Anna Grant:
ONE_LETTER_WORDS), which would hit 'Payment of a grant'. So is a name given in whole_names: a name
withheld only as a precaution (it was paid under a sensitive expense type) that shows no sign of a
person, often a provider such as 'Let Leeds'; searching it inside other cells would refuse every
publish that names 'Right Let Leeds'.

Which names are searched (the rule against false positives): a name is skipped when its tokens
hold fewer than MIN_LETTERS (5) letters and digits in all ('J Li', 'Mr Ng'), or when it has no token
of two letters or more outside COMMON_WORDS (titles, function words, generic words such as
'personal', 'data', 'services'; titles count as common words): 'Personal Data', 'The Trust',
'Mr and Mrs', 'Sundry Payee'. The policy can add common words (surnames must never be among them).
`searchable_names` says which names are kept and why the others are not.

Organisations named like a person: in a column of supplier names (NAME_COLUMNS, and the UK
transparency-code CSV's, which the redaction adds), a cell that holds a redacted name *and*,
outside it, an organisation word (Ltd, Nursery, Trust, ... from the policy)
is that organisation, not the person: 'Little Learners Private Day Nursery' is no leak of a
redacted 'Little Learners'. Not when a title starts the name or stands before it: 'Mrs Jane Wroxley
(Home Care)' is Mrs Wroxley. A whole-cell match is always a hit, and so is any match in another
column or in free text ('Refund to Mr J Smith re Council Tax').
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import duckdb

from .errors import SpendpubError
from .files import body_chunks, file_digest, first_line, private_dir
from .sqltext import quote_ident, quote_literal

MIN_LETTERS = 5
FILE_NAME = "(file name)"  # the column under which a source's own file name is searched
MEMORY_LIMIT = "1GB"  # DuckDB's share while searching the outputs; beyond it, it spills to disk
NAME_COLUMNS = ("supplier_name",)  # columns that hold names of suppliers (see the rule for organisations)

# Letters Unicode does not decompose into a base letter and an accent, so strip_accents() keeps
# them, though an export that knows only ASCII spells them so: 'Łukasz' is 'LUKASZ' there.
UNDECOMPOSED = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l", "ĸ": "k",
                "ð": "d", "ƒ": "f", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
# Cyrillic letters, lower-cased, that look like a Latin one, in lower or upper case (Unicode's
# confusables, TR39): typed with a Cyrillic keyboard layout, 'Smithfiеld' (Cyrillic е) or 'SMITHFIЕLD'
# would otherwise be another name. Mapped whatever the text: both sides of a match are folded alike.
HOMOGLYPHS = dict(zip("авеіјкмнорстухѕԁһԛԝүѵ", "abeijkmhopctyxsdhqwyv"))
# The blocks whose characters read as Latin letters or digits other than their code points: Latin
# letters, superscripts and subscripts, the ligatures ('ﬁ') and the full-width forms ('Ｓ').
FOLDED_BLOCKS = ((0x00A0, 0x024F), (0x1E00, 0x1EFF), (0x2070, 0x209F), (0xFB00, 0xFB06), (0xFF01, 0xFF5E))


def _without_marks(text: str) -> str:
    return "".join(c for c in text if not unicodedata.combining(c))


def _foldings() -> dict[str, str]:
    """{character: the letters it reads as} where strip_accents(lower()) reads it otherwise."""
    out = {}
    for first, last in FOLDED_BLOCKS:
        for ch in map(chr, range(first, last + 1)):
            read = "".join(UNDECOMPOSED.get(c, c)
                           for c in _without_marks(unicodedata.normalize("NFKD", ch)).lower())
            if read.isalnum() and read != _without_marks(unicodedata.normalize("NFD", ch)).lower():
                out[ch] = read
    return out | HOMOGLYPHS


def _name_macros() -> str:
    """The SQL of the name macros. fold_name(x) is x as a reader sees it: lower case, no accents, no
    invisible characters (\\p{Cf}: soft hyphens, zero-width spaces and joiners), every letter of
    FOLDED_BLOCKS as the letters it reads as. Texts in ASCII (most) are only lower-cased; of the
    others, strip_accents() leaves most in ASCII, and only the rest pay for the rewrite (a
    translate() costs about five times a strip_accents(): 1.2 s against 0.22 s on 100,000 texts
    holding an 'ł')."""
    lower = {c: r for c, r in _foldings().items() if c == c.lower()}   # lower() runs first
    rewrite = (f"translate(regexp_replace(y, '\\p{{Cf}}', '', 'g'), "
               f"{quote_literal(''.join(c for c, r in lower.items() if len(r) == 1))}, "
               f"{quote_literal(''.join(r for r in lower.values() if len(r) == 1))})")
    # A letter that reads as two or three ('ß', 'ĳ', the ligatures 'ﬀ' 'ﬃ') is a replace() of its
    # own; the 18 of them add about a millisecond to the binding of a statement that tokenises names.
    for c, r in lower.items():
        if len(r) > 1 and r.isascii():
            rewrite = f"replace({rewrite}, {quote_literal(c)}, {quote_literal(r)})"
    return f"""
create or replace macro fold_rest(y) as   -- y: lower case, accents stripped
    case when strlen(y) = length(y) then y else {rewrite} end;
create or replace macro fold_name(x) as
    case when strlen(x) = length(x) then lower(x) else fold_rest(strip_accents(lower(x))) end;
create or replace macro redaction_tokens(x) as
    list_filter(regexp_split_to_array(fold_name(x), '[^\\pL\\pN]+'), lambda t: t <> '');
create or replace macro redaction_key(x) as
    nullif(array_to_string(redaction_tokens(x), ' '), '');
-- A name's tokens without its leading titles ('mrs jane wroxley' -> 'jane wroxley'), when two or
-- more are left (one word alone would match too much); NULL otherwise, and for a name with none.
-- titles: titles_sql(), the built-in ones and the policy's.
create or replace macro name_core(tokens, titles) as
    case when list_contains(titles, tokens[1])   -- most names have no title: they stop here
              and len(tokens[list_position(list_transform(tokens, lambda t: list_contains(titles, t)), false):])
                  between 2 and len(tokens) - 1
         then tokens[list_position(list_transform(tokens, lambda t: list_contains(titles, t)), false):] end;
-- A name as a person is written without title: name_core() when it has a title, the name itself
-- when it has none; NULL for a title and one word ('mr smith').
create or replace macro untitled(tokens, titles) as
    coalesce(name_core(tokens, titles), case when not list_contains(titles, tokens[1]) then tokens end);
-- Other ways an export writes the same person (tokens: untitled(), two or three words of letters):
-- surname first ('wroxley jane', as in 'WROXLEY, Jane'), the given names as initials ('j wroxley';
-- 'j p smith' and 'j smith' for 'john paul smith'), and both ('wroxley j'). NULL for other names:
-- longer ones are seldom a person's, and their initials would match ordinary text ('Charlie
-- Chaplin Adventure Playground' as 'Playground C').
create or replace macro name_variants(tokens) as
    case when len(tokens) between 2 and 3 and regexp_full_match(array_to_string(tokens, ''), '[^\\pN]+')
         then list_filter(list_distinct(flatten(list_transform(
                  list_distinct([tokens[:-2], list_transform(tokens[:-2], lambda t: t[1]), [tokens[1][1]]]),
                  lambda given: [list_concat(given, [tokens[-1]]), list_concat([tokens[-1]], given)]))),
              lambda v: v <> tokens) end;
"""


# Titles and words that are not names on their own. A name made only of these (and initials) is
# never searched: it would match ordinary text. The policy can add more (common_words).
TITLES = frozenset("""
mr mrs ms miss mx dr rev revd sir dame lady lord prof m mme mlle monsieur madame mademoiselle
messrs herr frau sr sra srta dona don
""".split())
COMMON_WORDS = TITLES | frozenset("""
a an and are as at be by for from in into is it of on or the to with
et de des du la le les un une en au aux pour par sur
redacted redaction personal data private individual individuals person persons people withheld
confidential unknown various sundry none null name names supplier suppliers payee payment payments
refund refunds council services service care support trust fund total company
""".split())
# Words of one letter in English or French text ('a grant', 'to grant a licence', 'il y a', 'O'Neill'):
# a name of two words one of which is among them ('A Grant', 'Grant A' for Anna Grant) would match
# those phrases, so it is found only as a whole cell.
ONE_LETTER_WORDS = ("a", "i", "o", "y")


@dataclass(frozen=True)
class Hit:
    """One place where a redacted name was found."""

    path: Path            # the output file (the zip, for a member of one)
    member: str | None    # the member inside the zip, if any
    where: str            # 'row 12, column supplier_name', 'table spending, column ..., row 3', '$.title'
    name: str             # the redacted name that was found: never printed by str()
    cells: int            # how many cells of that column hold it

    def __str__(self) -> str:
        member = f"!{self.member}" if self.member else ""
        return f"{self.path}{member}: {self.where}: a redacted name ({mask(self.name)})"


class LeakError(SpendpubError):
    """The gate found redacted names in the outputs: the publish is refused, nothing is swapped."""

    def __init__(self, hits: list[Hit]):
        self.hits = hits
        first = hits[0]
        more = f" and {len(hits) - 1} other place{'s' if len(hits) > 2 else ''}" if len(hits) > 1 else ""
        super().__init__(f"the leak gate found a redacted name in the outputs ({first}){more}; "
                         "nothing was published")


def mask(name: str) -> str:
    """'Mr John Smith' -> 'M* J* S*': enough to recognise in a log, not enough to read."""
    return " ".join(f"{w[0]}*" for w in name.split() if w) or "*"


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the name macros, unless they exist (so that it is safe inside a transaction)."""
    present = con.execute("select count(distinct function_name) from duckdb_functions() where function_name in "
                          "('fold_rest', 'fold_name', 'redaction_tokens', 'redaction_key', 'name_core', 'untitled', "
                          "'name_variants')").fetchone()[0]
    if present < 7:
        con.execute(NAME_MACROS)


def _array(values: list[str]) -> str:
    return "[" + ", ".join(quote_literal(v) for v in values) + "]::varchar[]"


def titles_sql(titles: Iterable[str] = ()) -> str:
    """The titles a name is searched without (name_core): the built-in ones and `titles` (the
    policy's; a profile can add some), as an SQL list of lower-case tokens."""
    return _array(sorted(TITLES | {t.lower() for t in titles}))


# Shared with etl/redact/: one tokenisation everywhere, so redaction, decisions and the gate agree.
NAME_MACROS = _name_macros()


def names_sql(names: Iterable[str], common_words: Iterable[str] = (), whole_names: Iterable[str] = (),
              titles: Iterable[str] = ()) -> str:
    """A relation (SQL text) of names with their tokens and whether the gate searches them (and why not).

    whole_names are found only as whole cells (see the module's rules); titles: the policy's, which
    count as common words and are stripped as the built-in ones are. Names are data, written as
    quoted literals: the relation needs no table, so it can be used inside a transaction that
    writes to another database.
    """
    names = sorted({n for n in names if n and n.strip()})
    whole = sorted({n for n in whole_names if n and n.strip()} - set(names))
    common = sorted({w.lower() for w in (*COMMON_WORDS, *common_words, *titles)})
    title_list = titles_sql(titles)
    return f"""(
        with given as (
            select unnest({_array(names)}) as name, false as whole
            union all
            select unnest({_array(whole)}), true
        ),
        named as (
            select name, tokens, whole, untitled(tokens, {title_list}) as person
            from (select name, redaction_tokens(name) as tokens, whole from given)
        ),
        -- A name is searched as it is and without its leading titles ('Mrs Jane Wroxley' as 'Jane
        -- Wroxley', found in 'Taxi for Jane Wroxley' and in 'Ms Jane Wroxley'), when two words or more
        -- are left: a single word stays a whole-cell name. A person's name is also searched as
        -- exports write it otherwise ('WROXLEY, Jane', 'Mrs J Wroxley': name_variants), unless it
        -- is searched as a whole cell only.
        tokens as (
            select name, tokens, whole from named
            union all
            select name, person, whole from named where person <> tokens
            union all
            select name, unnest(name_variants(person)), whole from named where not whole
        ),
        judged as (
            select name, tokens, len(tokens) as n,
                   whole or len(tokens) = 1
                       or (len(tokens) = 2 and list_has_any(tokens, {_array(list(ONE_LETTER_WORDS))})) as whole,
                   case
                       when len(tokens) = 0 then 'no letters'
                       when length(array_to_string(tokens, '')) < {MIN_LETTERS} then 'shorter than {MIN_LETTERS} letters'
                       when len(list_filter(tokens, lambda t: length(t) > 1
                                and not list_contains({_array(common)}, t))) = 0
                           then 'only initials, titles or common words'
                   end as skipped
            from tokens
        )
        select * from judged
    )"""


def names_table(con: duckdb.DuckDBPyConnection, table: str, names: Iterable[str],
                common_words: Iterable[str] = (), whole_names: Iterable[str] = (), titles: Iterable[str] = ()) -> None:
    """names_sql() as a temp table."""
    con.execute(f"create or replace temp table {quote_ident(table)} as "
                f"select * from {names_sql(names, common_words, whole_names, titles)}")


def searchable_names(names: Iterable[str], common_words: Iterable[str] = ()) -> tuple[list[str], dict[str, str]]:
    """(names the gate searches, {name: why it is not searched})."""
    con = duckdb.connect()
    try:
        install_macros(con)
        names_table(con, "gate_names", names, common_words)
        rows = con.execute("select name, case when not bool_or(skipped is null) then arg_max(skipped, n) end "
                           "from gate_names group by name order by name").fetchall()   # as it is, or without titles
    finally:
        con.close()
    return [n for n, s in rows if s is None], {n: s for n, s in rows if s is not None}


# --------------------------------------------------------------------------- reading outputs

@dataclass
class _Source:
    id: int
    path: Path
    member: str | None
    kind: str                       # csv | parquet | duckdb | json | text
    relation: str | None = None     # SQL of the table read, for locating a hit (csv, parquet)
    tables: dict[str, str] | None = None  # duckdb: table label -> SQL relation
    labels: dict[str, str] | None = None  # csv: column label (its header) -> column read
    cached: bool = False            # its values came from the cache, not from the file


def _kind(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[8:12] == b"DUCK":
        return "duckdb"
    suffix = path.suffix.lower()
    if suffix in (".json", ".geojson", ".jsonld") or head.lstrip()[:1] in (b"{", b"["):
        return "json"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "text"


def _insert_relation(con: duckdb.DuckDBPyConnection, src: int, relation: str, columns: list[str],
                     label: Iterable[str] | None = None) -> None:
    """Distinct (column, value) of the given text columns of a relation, into gate_values."""
    if not columns:
        return
    labels = list(label) if label is not None else columns
    select = ", ".join(f"cast({quote_ident(c)} as varchar) as {quote_ident(l)}" for c, l in zip(columns, labels))
    con.execute(f"""
        insert into gate_values
        select {src}, col, value from (
            unpivot (select {select} from {relation}) on columns(*) into name col value value
        ) group by all""")


def _csv_readings(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[str]:
    """read_csv of a file, every column as text, in the dialects it may be in, the likeliest first.

    The dialect is sniffed once, so that the queries that read the file do not sniff it again (each
    sniff costs more than reading a month's file). DuckDB's sniffer looks at the first 20,480 rows
    only: when they hold no quoted cell, the file is read with the usual quoting (RFC 4180) first,
    since a quoted cell further on would otherwise split or refuse the read; then as sniffed; then
    as sniffed from every row. Each is read in parallel, then serially (the parallel reader cannot
    pad a short row when a quoted cell spans lines). The sniffer's own statement (Prompt) does not
    escape the path."""
    tried = set()
    for sample in ("", ", sample_size = -1"):
        delim, quote, escape, new_line, comment, skip, columns = con.execute(
            f"select Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns from "
            f"sniff_csv({quote_literal(str(path))}, all_varchar = true, header = false, null_padding = true"
            f"{sample})").fetchone()
        sniffed = {"delim": delim, "quote": quote, "escape": escape, "new_line": new_line, "comment": comment}
        sniffed = {k: "" if v == "(empty)" else v for k, v in sniffed.items()}
        dialects = ([{**sniffed, "quote": '"', "escape": '"'}] if not sniffed["quote"] else []) + [sniffed]
        types = ", ".join(f"{quote_literal(c['name'])}: 'VARCHAR'" for c in columns)
        for dialect in dialects:
            options = ", ".join(f"{k} = {quote_literal(v)}" for k, v in dialect.items())
            for parallel in ("true", "false"):
                relation = (f"read_csv({quote_literal(str(path))}, auto_detect = false, {options}, "
                            f"skip = {int(skip)}, columns = {{{types}}}, all_varchar = true, header = false, "
                            f"null_padding = true, parallel = {parallel})")
                if relation not in tried:
                    tried.add(relation)
                    yield relation


def _text_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    described = con.execute(f"describe select * from {relation}").fetchall()
    return [r[0] for r in described if re.search(r"VARCHAR|JSON|ENUM", str(r[1]))]


def _insert_pairs(con: duckdb.DuckDBPyConnection, src: int, pairs: list[tuple[str, str]]) -> None:
    _insert_rows(con, [(src, col, value) for col, value in pairs])


def _insert_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, str, str]]) -> None:
    if rows:
        con.execute("insert into gate_values select unnest(?::integer[]), unnest(?::varchar[]), unnest(?::varchar[])",
                    [list(column) for column in zip(*rows)])


def _json_strings(doc, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield f"{path} (key)", str(k)
            yield from _json_strings(v, f"{path}.{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _json_strings(v, f"{path}[{i}]")
    elif isinstance(doc, str):
        yield path, doc


def _text_lines(path: Path) -> list[tuple[str, str]]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [(f"line {i}", line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]


Content = tuple[str, int, str]   # (kind, bytes, sha256) of a file


class _DamagedCache(Exception):
    """A cache entry DuckDB cannot read (changed by hand, or a damaged disk)."""


class _ValueCache:
    """The distinct (column, value) pairs read from each file, one Parquet file per content, and
    the members of each zip (so that an unchanged zip is not even inflated), under a folder named
    after this module's code and DuckDB's version: a change to how files are read starts anew."""

    VERSION = hashlib.sha256(Path(__file__).read_bytes() + duckdb.__version__.encode()).hexdigest()[:16]
    KINDS = ("csv", "parquet", "json", "text")   # not DuckDB files: read for one publisher, changed at every publish

    def __init__(self, folder: Path):
        self.root = folder
        self.folder = folder / self.VERSION

    def entry(self, content: Content) -> Path:
        kind, size, sha256 = content
        return self.folder / f"{sha256}-{size}-{kind}.{'json' if kind == 'zip' else 'parquet'}"

    def has(self, content: Content) -> bool:
        return content[0] in self.KINDS and self.entry(content).is_file()

    def members(self, content: Content) -> list[tuple[str, Content]] | None:
        """A zip's members as a check that read it recorded them: (name, content)."""
        entry = self.entry(content)
        try:
            return [(name, (kind, size, sha256)) for name, kind, size, sha256 in json.loads(entry.read_text())]
        except (OSError, ValueError, TypeError):   # none, or damaged: the zip is read (and its entry written again)
            return None

    def keep(self, con: duckdb.DuckDBPyConnection, reader: "_Reader") -> None:
        """Write the entries of the files and zips read (after a clean check), then remove every
        entry, and every older cache, that this check did not use: the cache follows what is published."""
        private_dir(self.folder)   # and its parent: the home's working data, for its owner only
        kept = {src_id: content for content, src_id in reader.read.items() if content[0] in self.KINDS}
        used = {self.entry(content).name for content in kept.values()}
        new = [src_id for src_id in kept if not reader.sources[src_id].cached]
        if new:   # one pass over the values, one file per source (what DuckDB's partitions give)
            staging = Path(tempfile.mkdtemp(prefix=".new-", dir=self.folder))
            con.execute(f"copy (select src, col, value from gate_values where list_contains(?, src) and col <> ?) "
                        f"to {quote_literal(str(staging))} (format parquet, partition_by (src))", [new, FILE_NAME])
            for src_id in new:
                written = list((staging / f"src={src_id}").glob("*.parquet"))
                if len(written) == 1:   # otherwise (no value, or several files) the file is read next time
                    os.replace(written[0], self.entry(kept[src_id]))
            shutil.rmtree(staging)
        for content, members in reader.zips.items():
            entry = self.entry(content)
            used.add(entry.name)
            if self.members(content) != members:
                tmp = entry.with_name(f".{entry.name}.new")
                tmp.write_text(json.dumps([[name, *c] for name, c in members]))
                os.replace(tmp, entry)
        for old in [*self.folder.iterdir(), *(p for p in self.root.iterdir() if p != self.folder)]:
            if old.name not in used:   # what an interrupted check left too
                shutil.rmtree(old) if old.is_dir() else old.unlink()


class _Reader:
    def __init__(self, con: duckdb.DuckDBPyConnection, tmp: Path, publisher_id: str | None,
                 cache: _ValueCache | None = None):
        self.con = con
        self.tmp = tmp
        self.publisher_id = publisher_id
        self.cache = cache
        self.sources: list[_Source] = []
        self.attached = 0
        self.read: dict[Content, int] = {}                # a file's content -> the source it was read as
        self.copies: dict[int, list[_Source]] = {}        # a source read -> its copies, not read again
        self.zips: dict[Content, list[tuple[str, Content]]] = {}   # a zip's content -> its members'
        self.file_names: list[tuple[int, str, str]] = []  # searched at the end, in one statement
        # With a cache, CSVs are parsed once every output is known, so that one made of others is not.
        self.csvs: dict[Content, tuple[tuple[str, str], Path]] = {}  # each CSV -> (where first shown, its file)
        self.headers: dict[Content, bytes] = {}   # each CSV's first line
        self.pending: list[tuple[_Source, Path, Content]] = []
        self.parts: set[int] = set()     # sources whose values also stand for a CSV made of them
        self.from_cache: list[tuple[int, Path]] = []   # (source, cache entry): loaded in one statement

    def _new(self, path: Path, member: str | None, kind: str) -> _Source:
        s = _Source(len(self.sources), path, member, kind)
        self.sources.append(s)
        self.file_names.append((s.id, FILE_NAME, member or path.name))
        return s

    def add(self, path: Path, member: str | None = None, shown: Path | None = None) -> Content | None:
        """Read a file (a folder: every file in it); the content of the file."""
        shown = shown or path
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file():
                    self.add(p)
            return None
        if not path.is_file():
            raise SpendpubError("the leak gate was asked to search an output that does not exist",
                                where=str(path))
        kind = _kind(path)
        content = (kind, *file_digest(path))
        src = self._new(shown, member, kind)
        if kind == "csv" and self.cache and content not in self.csvs:   # candidates for _made_of_others
            self.csvs[content] = ((str(shown), member or ""), path)
            self.headers[content] = first_line(path)
        if kind == "zip":
            self._zip(path, member, shown, content)
        elif not self._known(src, content):
            self.read[content] = src.id
            if kind == "csv" and self.cache:
                self.pending.append((src, path, content))
            else:
                getattr(self, f"_{kind}")(src, path)
        return content

    def finish(self) -> None:
        """Load the values known from the cache, and parse the CSVs put aside, except those made of others."""
        if self.from_cache:
            # one statement for every entry: a year of monthly packages is hundreds of files
            ids, entries = zip(*self.from_cache)
            files = [str(p) for p in entries]
            try:
                self.con.execute("insert into gate_values select e.src, v.col, v.value "
                                 "from read_parquet(?, filename = true) v join (select unnest(?::varchar[]) as entry, "
                                 "unnest(?::integer[]) as src) e on v.filename = e.entry", [files, files, list(ids)])
            except duckdb.Error as e:
                raise _DamagedCache() from e
        for src, path, content in self.pending:
            if not self._made_of_others(path, content):
                self._csv(src, path)

    def _made_of_others(self, path: Path, content: Content) -> bool:
        """Whether a CSV is the other CSVs of its header (each in at least one row), in the order
        they are shown, under that header: a cumulative package's CSV is its periods' CSVs. Its
        values are then theirs, already searched: proved by hashing, without parsing it."""
        header = self.headers[content]
        parts = sorted((shown, c, p) for c, (shown, p) in self.csvs.items()
                       if c != content and self.headers[c] == header)
        bodies = [c[1] - len(header) for _, c, _ in parts]
        if len(parts) < 2 or min(bodies) <= 0 or sum(bodies) != content[1] - len(header):
            return False
        digest = hashlib.sha256(header)
        for _, _, part in parts:
            for chunk in body_chunks(part):
                digest.update(chunk)
        if digest.hexdigest() != content[2]:
            return False
        self.parts.update(self.read[c] for _, c, _ in parts)
        return True

    def _known(self, src: _Source, content: Content) -> bool:
        """Give src the values of a file with the same content, when one was read already (a
        package's files are in its zip too, the cumulative package links a single period's) or is
        in the cache: hashing costs far less than parsing."""
        if content in self.read:
            self.copies.setdefault(self.read[content], []).append(src)
            return True
        if self.cache and self.cache.has(content):
            self.from_cache.append((src.id, self.cache.entry(content)))
            self.read[content] = src.id
            src.cached = True
            return True
        return False

    def _zip(self, path: Path, member: str | None, shown: Path, content: Content) -> None:
        def label(name: str) -> str:
            return f"{member}!{name}" if member else name

        known = self.cache.members(content) if self.cache else None
        if known is not None and all(c in self.read or self.cache.has(c) for _, c in known):
            for name, c in known:   # every member's values are known: the zip is not inflated
                self._known(self._new(shown, label(name), c[0]), c)
            self.zips[content] = known
            return
        target = Path(tempfile.mkdtemp(dir=self.tmp))
        members = []
        with zipfile.ZipFile(path) as zf:
            for i, info in enumerate(zf.infolist()):
                if info.is_dir():
                    continue
                # never trust member paths: each is written under a fresh name of our own
                extracted = target / f"{i}{Path(info.filename).suffix[:16]}"
                with zf.open(info) as member_data, open(extracted, "wb") as out:
                    shutil.copyfileobj(member_data, out, 1 << 20)   # streamed: members can be gigabytes
                members.append((info.filename, self.add(extracted, label(info.filename), shown)))
        self.zips[content] = members

    def _csv(self, src: _Source, path: Path) -> None:
        try:
            for relation in _csv_readings(self.con, path):
                try:   # every column is text (all_varchar): the first row gives the columns and the header
                    first = self.con.execute(f"select * from {relation} limit 1").fetchone() or ()
                    columns = [d[0] for d in self.con.description]
                    # columns go by the header's names (the header row is searched like any other)
                    labels = [h if h and h not in first[:i] else c for i, (c, h) in enumerate(zip(columns, first))]
                    labels += columns[len(labels):]
                    _insert_relation(self.con, src.id, relation, columns, labels)
                except duckdb.Error:
                    continue
                src.relation = relation
                src.labels = dict(zip(labels, columns))
                return
        except duckdb.Error:   # the sniffer's own refusal
            pass
        src.kind = "text"   # not the CSV it claims to be: its lines are searched instead
        self._text(src, path)

    def _parquet(self, src: _Source, path: Path) -> None:
        relation = f"read_parquet({quote_literal(str(path))})"
        src.relation = relation
        _insert_relation(self.con, src.id, relation, _text_columns(self.con, relation))

    def _duckdb(self, src: _Source, path: Path) -> None:
        alias = f"gate_db_{self.attached}"
        self.attached += 1
        self.con.execute(f"attach {quote_literal(str(path))} as {alias} (read_only)")
        src.tables = {}
        tables = self.con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? order by 1, 2",
            [alias]).fetchall()
        for schema, table in tables:
            relation = f"{alias}.{quote_ident(schema)}.{quote_ident(table)}"
            described = self.con.execute(f"describe {relation}").fetchall()
            names = [r[0] for r in described]
            if self.publisher_id is not None and "publisher_id" in names:
                # other publishers' rows are theirs to check, with their own names
                relation = (f"(select * from {relation} where publisher_id = "
                            f"{quote_literal(self.publisher_id)})")
            label = table if schema == "main" else f"{schema}.{table}"
            src.tables[label] = relation
            columns = [r[0] for r in described if re.search(r"VARCHAR|JSON|ENUM", str(r[1]))]
            _insert_relation(self.con, src.id, relation, columns, [f"{label}\x1f{c}" for c in columns])

    def _json(self, src: _Source, path: Path) -> None:
        try:
            doc = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
        except ValueError:  # JSON lines or not JSON at all: plain text then
            src.kind = "text"
            self._text(src, path)
            return
        _insert_pairs(self.con, src.id, list(_json_strings(doc)))

    def _text(self, src: _Source, path: Path) -> None:
        _insert_pairs(self.con, src.id, _text_lines(path))

    def detach_all(self) -> None:
        for i in range(self.attached):
            self.con.execute(f"detach gate_db_{i}")


# --------------------------------------------------------------------------- matching

def token_matches_sql(values: str, names: str = "gate_names", allow: str | None = None,
                      organisation_words: Iterable[str] = (), titles: Iterable[str] = ()) -> str:
    """SQL of the distinct (value, name, whole, organisation) where a searchable name occurs in a value.

    values: a relation with a VARCHAR column `value`; names: a relation such as names_sql() or a
    table made by names_table(); allow: a relation with a column `key` of allowed texts. `whole`
    says the name is the whole value; `organisation` that a word of organisation_words stands in
    the value outside the name. Set-based: every value is cut into tokens once, and a value meets
    only the names that start with one of its tokens (an equi-join), before the whole token run is
    compared.
    """
    allowed = f"and coalesce(redaction_key(p.value), '') not in (select key from {allow})" if allow else ""
    orgs = _array(sorted({w.lower() for w in organisation_words}))
    title_list = titles_sql(titles)
    return f"""
        with cells as (
            select distinct value from {values} where value is not null
        ),
        tokens as (
            select value, redaction_tokens(value) as tok from cells
        ),
        positions as (
            select value, tok, unnest(range(1, len(tok) + 1)) as i from tokens where len(tok) > 0
        ),
        token_hits as (
            select p.value, n.name, len(p.tok) = n.n as whole,
                   list_has_any(list_concat(list_slice(p.tok, 1, p.i - 1), list_slice(p.tok, p.i + n.n, len(p.tok))),
                                {orgs})
                   -- 'Mrs Jane Wroxley (Home Care)' is that person, whatever the words after her name
                   and not list_contains({title_list}, n.tokens[1])
                   and not list_contains({title_list}, coalesce(p.tok[p.i - 1], '')) as organisation
            from positions p
            join {names} n on p.tok[p.i] = n.tokens[1]
            where n.skipped is null
              and list_slice(p.tok, p.i, p.i + n.n - 1) = n.tokens
              and (not n.whole or len(p.tok) = n.n)
              {allowed}
        )
        select value, name, bool_or(whole) as whole, bool_and(organisation) as organisation
        from token_hits group by all"""


def named_cells_sql(values: str, names: str, organisation_words: Iterable[str] = (),
                    titles: Iterable[str] = ()) -> str:
    """SQL of the values of a column of supplier names (a relation with a VARCHAR column `value`) in
    which the gate finds one of `names` (see token_matches_sql): every one, but an organisation
    named like a person (the module's rule for organisations)."""
    return (f"select value from ({token_matches_sql(values, names, None, organisation_words, titles)}) "
            "where whole or not organisation")


def _match_sql(organisation_words: Iterable[str], name_columns: Iterable[str], titles: Iterable[str]) -> str:
    columns = _array(sorted(set(name_columns)))
    return f"""
with matched as ({token_matches_sql("gate_values", "gate_names", "gate_allow", organisation_words, titles)}),
final as (
    select g.src, g.col, m.name, min(g.value) as value, count(*) as cells
    from gate_values g join matched m using (value)
    -- a redacted name inside an organisation's name, in a name column, is that organisation
    where not (not m.whole and m.organisation
               and list_contains({columns}, coalesce(nullif(split_part(g.col, chr(31), 2), ''), g.col)))
    group by all
)
select * from final order by src, col, name
"""


def _locate(con: duckdb.DuckDBPyConnection, src: _Source, col: str, value: str) -> str:
    """A readable place for a hit: the first row holding the value."""
    if col == FILE_NAME:
        return "file name"
    if src.kind in ("json", "text"):
        return col
    if src.kind == "duckdb":
        table, column = col.split("\x1f", 1)
        relation, where = src.tables[table], f"table {table}, column {column}"
    else:
        column = (src.labels or {}).get(col, col)
        relation, where = src.relation, f"column {col}"
    row = con.execute(
        f"select min(rn) from (select row_number() over () as rn, cast({quote_ident(column)} as varchar) as v "
        f"from {relation}) where v = ?", [value]).fetchone()[0]
    return f"{where}, row {row}" if src.kind == "duckdb" else f"row {row}, {where}"


def check(outputs: Iterable[Path], names: Iterable[str], *, publisher_id: str | None = None,
          common_words: Iterable[str] = (), allow: Iterable[str] = (),
          organisation_words: Iterable[str] = (), name_columns: Iterable[str] = NAME_COLUMNS,
          whole_names: Iterable[str] = (), titles: Iterable[str] = (), cache: Path | None = None,
          scratch_in: Path | None = None) -> list[Hit]:
    """Every place where one of `names` appears in the outputs (files, folders, zips, DuckDB files).

    publisher_id: in DuckDB files, tables with a publisher_id column are searched in that
    publisher's rows only. allow: cell texts known to be fine although they contain a name (e.g. a
    company named after its founder), compared as token sequences. organisation_words and
    name_columns: see the module's rule for organisations. whole_names: names found only as whole
    cells (withheld as a precaution, with no sign of a person). titles: the policy's, added to the
    built-in ones (see names_sql). cache: a private folder, one per set of outputs (a publisher's
    site), where the values of the files read are kept (see above). scratch_in: where the gate makes
    its scratch folder, zips unpacked and DuckDB's spill files (default: the system's temporary folder).
    """
    outputs = list(outputs)
    arguments = dict(names=list(names), publisher_id=publisher_id, common_words=common_words, allow=allow,
                     organisation_words=organisation_words, name_columns=name_columns, whole_names=whole_names,
                     titles=titles, scratch_in=scratch_in)
    hits = _search(outputs, **arguments, cache=_ValueCache(cache) if cache else None)
    if hits is None:   # a hit found through a shortcut (read every file to say where), or a damaged cache
        hits = _search(outputs, **arguments, cache=None)
    return hits


def _search(outputs: list[Path], names: list[str], *, publisher_id: str | None, common_words: Iterable[str],
            allow: Iterable[str], organisation_words: Iterable[str], name_columns: Iterable[str],
            whole_names: Iterable[str], titles: Iterable[str], cache: _ValueCache | None,
            scratch_in: Path | None) -> list[Hit] | None:
    """check(); None when a hit lies in a file whose values came from the cache or stand for a CSV made
    of several, or when the cache is damaged."""
    with tempfile.TemporaryDirectory(prefix="spendpub-gate-", dir=scratch_in) as tmp, \
            duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(Path(tmp) / "spill")}) as con:
        install_macros(con)
        names_table(con, "gate_names", names, common_words, whole_names, titles)
        if con.execute("select count(*) from gate_names where skipped is null").fetchone()[0] == 0:
            return []
        con.execute("create temp table gate_allow as select distinct redaction_key(unnest(?::varchar[])) as key",
                    [sorted(set(allow))])
        con.execute("create temp table gate_values (src integer, col varchar, value varchar)")
        reader = _Reader(con, Path(tmp), publisher_id, cache)
        try:
            try:
                for out in outputs:
                    reader.add(Path(out))
                reader.finish()
            except _DamagedCache:   # it is only a cache: dropped, and everything read from the files
                shutil.rmtree(cache.root, ignore_errors=True)
                return None
            _insert_rows(con, reader.file_names)
            rows = con.execute(_match_sql(organisation_words, name_columns, titles)).fetchall()
            if any(reader.sources[src_id].cached or src_id in reader.parts for src_id, *_ in rows):
                return None
            if cache and not rows:
                cache.keep(con, reader)
            hits = []
            for src_id, col, name, value, cells in rows:
                src = reader.sources[src_id]
                where = _locate(con, src, col, value)
                # a copy has its own file name: only the cells are shared
                for place in [src, *(reader.copies.get(src_id, []) if col != FILE_NAME else [])]:
                    hits.append(Hit(path=place.path, member=place.member, where=where, name=name, cells=cells))
        finally:
            reader.detach_all()
        return hits


def assert_clean(outputs: Iterable[Path], names: Iterable[str], *, publisher_id: str | None = None,
                 common_words: Iterable[str] = (), allow: Iterable[str] = (),
                 organisation_words: Iterable[str] = (), name_columns: Iterable[str] = NAME_COLUMNS,
                 whole_names: Iterable[str] = (), titles: Iterable[str] = (), cache: Path | None = None,
                 scratch_in: Path | None = None) -> None:
    """check(), raising LeakError on the first sign of a leak."""
    hits = check(outputs, names, publisher_id=publisher_id, common_words=common_words, allow=allow,
                 organisation_words=organisation_words, name_columns=name_columns, whole_names=whole_names,
                 titles=titles, cache=cache, scratch_in=scratch_in)
    if hits:
        raise LeakError(hits)
