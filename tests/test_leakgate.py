"""The leak gate: a redacted name found in any output refuses the publish."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from etl import leakgate, redact, spreadsheet
from etl.errors import SpendpubError
from etl.extract import extract
from etl.profile import load_profile
from etl.sqltext import quote_ident, quote_literal
from etl.transform import FileContext, build_staging

LAMBETH = Path(__file__).resolve().parents[1] / "datasets/lambeth/data/2012-06-payments.csv"


def names_found(hits: list[leakgate.Hit]) -> set[str]:
    return {h.name for h in hits}


def csv_file(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


# --------------------------------------------------------------------------- matching rule

@pytest.mark.parametrize("cell, name, found", [
    ("Mr J Smith", "Mr J Smith", True),
    ("Refund to MR  J. SMITH re invoice 12", "Mr J Smith", True),      # case, spaces, punctuation
    ('"Mr ""J"" Smith"', "Mr J Smith", True),
    ("Mme Éloïse DUPONT", "Mme Eloise Dupont", True),                   # accents
    ("MR LUKASZ KOWALCZYK", "Mr Łukasz Kowalczyk", True),               # letters with no accent to strip
    ("Mrs Ayse Yildiz", "Mrs Ayşe Yıldız", True),
    ("MR SOREN KIERKEGAARD", "Mr Søren Kierkegaard", True),
    ("HERR JURGEN STRAUSS", "Herr Jürgen Strauß", True),
    ("Mr John Smi\u200bth\u00adfield", "Mr John Smithfield", True),     # invisible characters
    ("Mr John Smith\u2060field", "Mr John Smithfield", True),
    ("Mr John Ｓｍｉｔｈｆｉｅｌｄ", "Mr John Smithfield", True),          # full-width letters
    ("Mr John Smithﬁeld", "Mr John Smithfield", True),                   # a ligature
    ("Mrs Ann Griﬃths", "Mrs Ann Griffiths", True),                      # ﬃ
    ("MR PIET VAN Ĳ", "Mr Piet van IJ", True),                          # Ĳ, a Dutch letter
    ("Mr John Smithfi\u0435ld", "Mr John Smithfield", True),             # a Cyrillic look-alike: е
    ("MR JOHN SMITHFI\u0415LD", "Mr John Smithfield", True),             # Е
    ("MR \u0422\u041e\u041c \u041d\u0410\u0423\u0415\u0405", "Mr Tom Hayes", True),   # Cyrillic ТОМ НАУЕЅ
    ("\u0421\u0435\u0440\u0433\u0435\u0439 \u0418\u0432\u0430\u043d\u043e\u0432", "Sergei Ivanov", False),  # Сергей Иванов: not a look-alike
    ("Taxi for Jane Wroxley to day centre", "Mrs Jane Wroxley", True),  # without the title
    ("MS JANE WROXLEY", "Mrs Jane Wroxley", True),                      # another title
    ("WROXLEY, Jane", "Mrs Jane Wroxley", True),                        # surname first
    ("Mrs J. Wroxley", "Mrs Jane Wroxley", True),                       # an initial
    ("Paid to WROXLEY J re refund", "Mrs Jane Wroxley", True),          # both
    ("Smith J P", "John Paul Smith", True),
    ("J Smith", "John Paul Smith", True),
    ("Wroxley Road Surgery", "Mrs Jane Wroxley", False),
    ("J Wroxley", "Mr J Wroxley", True),
    ("Jim Wroxley", "Mr J Wroxley", False),                             # an initial says no more than it says
    ("Li J", "Jo Li", False),                                           # too short, in every order
    ("Payment of a grant", "Anna Grant", False),                         # 'a grant' reads as words:
    ("To grant a licence", "Anna Grant", False),                         # whole cells only
    ("A. GRANT", "Anna Grant", True),
    ("Hire of a hall", "Mr A Hall", False),
    ("Refund to Mr A Hall", "Mr A Hall", True),
    ("Adventure Playground C/O Parks", "Charlie Chaplin Adventure Playground", False),  # four words: as written only
    ("Wroxley", "Mrs Wroxley", False),                                  # one word left: whole cells only
    ("Mr J Smithson", "Mr J Smith", False),                              # never inside a longer word
    ("Joann Leeds", "Ann Lee", False),
    ("Dupont", "Dupont", True),                                          # one word: whole cell only
    ("Dupont Services Ltd", "Dupont", False),
    ("Personal data", "Personal Data", False),                           # common words: not searched
    ("J Li", "J Li", False),                                             # too short: not searched
])
def test_names_match_as_whole_words_whatever_the_spelling(tmp_path, cell, name, found):
    out = csv_file(tmp_path / "out.csv", [["supplier_name"], [cell]])
    assert bool(leakgate.check([out], [name])) is found


def test_which_names_are_searched_is_explained():
    kept, skipped = leakgate.searchable_names(
        ["Mr J Smith", "J Li", "Mr Ng", "Personal Data", "The Trust", "Mr and Mrs", "Dupont", "", "  "],
        common_words=["dupont"])
    assert kept == ["Mr J Smith"]
    assert skipped == {"J Li": "shorter than 5 letters", "Mr Ng": "shorter than 5 letters",
                       "Personal Data": "only initials, titles or common words",
                       "The Trust": "only initials, titles or common words",
                       "Mr and Mrs": "only initials, titles or common words",
                       "Dupont": "only initials, titles or common words"}


# --------------------------------------------------------------------------- every kind of output

def test_every_kind_of_output_is_searched(tmp_path):
    root = tmp_path / "site" / "testco"
    data = root / "spending" / "data"
    data.mkdir(parents=True)
    csv_file(data / "spending.csv", [["supplier_name", "amount"], ["Acme Ltd", "1.00"], ["Mrs A Patel", "-2.00"]])
    con = duckdb.connect()
    con.execute(f"copy (select * from (values ('Acme Ltd', 3), ('Mme Dupont', 4)) t(supplier_name, n)) "
                f"to {quote_literal(str(data / 'spending.parquet'))} (format parquet, compression zstd)")
    # JSON escapes every accent as \\uXXXX: the gate reads strings, not bytes
    (root / "spending" / "datapackage.json").write_text(
        json.dumps({"title": "x", "sources": [{"title": "Payment to Mme Éloïse Marchand"}]}, ensure_ascii=True))
    (root / "spending" / "CHANGELOG.md").write_text("# Changes\n\n- corrected the row of Mr Kwame Mensah\n")
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("deep/search-index.json", json.dumps({"docs": ["Ms Ruth Okafor"]}))
    with zipfile.ZipFile(root / "spending.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(data / "spending.csv", "spending/data/spending.csv")
        zf.write(inner, "nested.zip")
    warehouse = tmp_path / "warehouse.duckdb"
    wh = duckdb.connect(str(warehouse))
    wh.execute("create table spending as select * from (values ('testco', 'Dr Adaeze Nwosu'), "
               "('other', 'Mr Other Publisher')) t(publisher_id, supplier_name)")
    wh.execute("create schema marts")
    wh.execute("create table marts.search as select 'Mr Tobias Grünwald' as text")
    wh.close()

    names = ["Mrs A Patel", "Mme Dupont", "Mme Eloise Marchand", "Mr Kwame Mensah", "Ms Ruth Okafor",
             "Dr Adaeze Nwosu", "Mr Other Publisher", "Mr Tobias Grunwald", "Mr Never There"]
    hits = leakgate.check([tmp_path / "site", warehouse], names, publisher_id="testco")
    where = {h.name: (h.path.name, h.member, h.where) for h in hits}
    assert set(where) == set(names) - {"Mr Other Publisher", "Mr Never There"}  # others' rows are theirs
    assert where["Mme Dupont"] == ("spending.parquet", None, "row 2, column supplier_name")
    assert where["Mme Eloise Marchand"] == ("datapackage.json", None, "$.sources[0].title")
    assert where["Mr Kwame Mensah"] == ("CHANGELOG.md", None, "line 3")
    assert where["Ms Ruth Okafor"] == ("spending.zip", "nested.zip!deep/search-index.json", "$.docs[0]")
    assert where["Dr Adaeze Nwosu"] == ("warehouse.duckdb", None, "table spending, column supplier_name, row 1")
    assert where["Mr Tobias Grunwald"][2] == "table marts.search, column text, row 1"
    # the CSV: both the loose file and its copy in the zip
    patel = sorted((h.path.name, h.member or "", h.where) for h in hits if h.name == "Mrs A Patel")
    assert patel == [("spending.csv", "", "row 3, column supplier_name"),
                     ("spending.zip", "spending/data/spending.csv", "row 3, column supplier_name")]
    # without a publisher filter, the whole warehouse is searched
    assert "Mr Other Publisher" in names_found(leakgate.check([warehouse], names))


def test_a_hit_refuses_with_one_sentence_that_does_not_spell_the_name(tmp_path):
    out = csv_file(tmp_path / "spending.csv", [["supplier_name"], ["Mrs Amelia Patel"]])
    with pytest.raises(leakgate.LeakError) as e:
        leakgate.assert_clean([out], ["Mrs Amelia Patel"])
    message = str(e.value)
    assert "Patel" not in message and "M* A* P*" in message and "nothing was published" in message
    assert isinstance(e.value, SpendpubError) and e.value.hits[0].cells == 1
    leakgate.assert_clean([out], ["Mr Someone Else"])  # no hit: no error
    leakgate.assert_clean([out], [])


def test_allowed_texts_and_common_words_are_not_hits(tmp_path):
    out = csv_file(tmp_path / "spending.csv", [["supplier_name"], ["John Lewis Partnership"], ["Sundry Payee"]])
    assert names_found(leakgate.check([out], ["John Lewis", "Sundry Payee"])) == {"John Lewis"}
    assert leakgate.check([out], ["John Lewis"], allow=["JOHN LEWIS PARTNERSHIP"]) == []


def test_a_name_inside_an_organisations_name_is_that_organisation(tmp_path):
    out = csv_file(tmp_path / "spending.csv", [
        ["supplier_name", "purpose"],
        ["Little Learners Private Day Nursery", ""],        # an organisation named like the person: fine
        ["Acme Ltd", "Refund to Mr Jon Smith re Council Tax"],  # free text: a leak, organisation word or not
    ])
    orgs = ["nursery", "council", "ltd"]
    hits = leakgate.check([out], ["Little Learners", "Mr Jon Smith"], organisation_words=orgs)
    assert [(h.name, h.where) for h in hits] == [("Mr Jon Smith", "row 3, column purpose")]
    # without the organisation words, or in another column, the name is a hit
    assert names_found(leakgate.check([out], ["Little Learners"])) == {"Little Learners"}
    assert names_found(leakgate.check([out], ["Little Learners"], organisation_words=orgs, name_columns=())) \
        == {"Little Learners"}
    whole = csv_file(tmp_path / "whole.csv", [["supplier_name"], ["Little Learners"]])
    assert names_found(leakgate.check([whole], ["Little Learners"], organisation_words=orgs)) == {"Little Learners"}
    # a title before the name makes it a person's, whatever follows it
    care = ["care", "payment"]
    for cell in ("Mrs Jane Wroxley (Home Care)", "Ms Jane Wroxley - Direct Payment"):
        titled = csv_file(tmp_path / "titled.csv", [["supplier_name"], [cell]])
        assert names_found(leakgate.check([titled], ["Mrs Jane Wroxley"], organisation_words=care)) \
            == {"Mrs Jane Wroxley"}, cell
    sole = csv_file(tmp_path / "sole.csv", [["supplier_name"], ["Jane Wroxley Home Care"]])
    assert leakgate.check([sole], ["Mrs Jane Wroxley"], organisation_words=care) == []


def test_the_gate_unpacks_in_the_scratch_folder_it_is_given(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))   # the system's: unusable
    out = tmp_path / "spending.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("spending/data/spending.csv", "supplier_name\nMrs Amelia Patel\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert names_found(leakgate.check([out], ["Mrs Amelia Patel"], scratch_in=scratch)) == {"Mrs Amelia Patel"}
    assert list(scratch.iterdir()) == []


def test_a_missing_output_is_an_error_not_a_pass(tmp_path):
    with pytest.raises(SpendpubError, match="does not exist"):
        leakgate.check([tmp_path / "nowhere"], ["Mr J Smith"])


def test_a_file_that_is_not_the_csv_it_claims_is_searched_as_text(tmp_path):
    weird = tmp_path / "broken.csv"
    weird.write_bytes(b'"unterminated, Mr Jonah Quist\n\xff\xfe garbage')
    assert names_found(leakgate.check([weird], ["Mr Jonah Quist"])) == {"Mr Jonah Quist"}


def test_a_csv_in_another_dialect_is_searched_cell_by_cell(tmp_path):
    out = tmp_path / "export.csv"
    out.write_text('supplier;purpose\n"Dupont";"rent; Mrs Amelia Patel"\nDupont Services;x\n', encoding="utf-8")
    hits = leakgate.check([out], ["Dupont", "Mrs Amelia Patel"])
    assert sorted((h.name, h.where, h.cells) for h in hits) == [
        ("Dupont", "row 2, column supplier", 1), ("Mrs Amelia Patel", "row 2, column purpose", 1)]


def test_a_quoted_cell_beyond_the_rows_the_dialect_is_sniffed_from_is_read_as_a_cell(tmp_path):
    """DuckDB's sniffer reads the first 20,480 rows: when they hold no quoted cell, a quoted comma
    further on must neither split the cell nor send the whole file to the line-by-line search,
    where a one-word name, found only as a whole cell, would go unseen."""
    rows = [["supplier_name", "amount"], *([f"Acme Ltd {i}", str(i)] for i in range(30_000)),
            ["Widgets, Inc", "5"], ["Dupont", "7"]]
    hits = leakgate.check([csv_file(tmp_path / "long.csv", rows)], ["Dupont"])
    assert [(h.name, h.where) for h in hits] == [("Dupont", "row 30003, column supplier_name")]


def test_a_cell_spanning_lines_is_one_cell(tmp_path):
    """A quoted cell that spans lines (DuckDB's parallel reader refuses to pad a short row then):
    a name broken by its line end is still found, and so is a one-word name elsewhere in the file."""
    rows = [["supplier_name", "purpose"], ["Acme", "Refund to Mr Jonah\nQuist re tax"], ["Dupont", "7"]]
    out = csv_file(tmp_path / "lines.csv", rows)
    hits = leakgate.check([out], ["Mr Jonah Quist", "Dupont"])
    assert sorted((h.name, h.where) for h in hits) == [("Dupont", "row 3, column supplier_name"),
                                                       ("Mr Jonah Quist", "row 2, column purpose")]


def test_a_name_in_a_file_name_is_a_hit_and_copies_are_reported_where_they_are(tmp_path):
    named = csv_file(tmp_path / "Mrs Amelia Patel.csv", [["supplier_name"], ["Acme Ltd"]])
    (hit,) = leakgate.check([named], ["Mrs Amelia Patel"])
    assert (hit.path, hit.where) == (named, "file name")
    # a copy (a hard link, a zip member) is read once, but each place where the name is gets a hit
    original = csv_file(tmp_path / "a.csv", [["supplier_name"], ["Mr Jonah Quist"]])
    os.link(original, tmp_path / "b.csv")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        zf.write(original, "inner/a.csv")
    hits = leakgate.check([original, tmp_path / "b.csv", tmp_path / "c.zip"], ["Mr Jonah Quist"])
    assert sorted((h.path.name, h.member, h.where) for h in hits) == [
        ("a.csv", None, "row 2, column supplier_name"), ("b.csv", None, "row 2, column supplier_name"),
        ("c.zip", "inner/a.csv", "row 2, column supplier_name")]


# --------------------------------------------------------------------------- real files, planted names

PLANTED = {  # line of the Lambeth export -> (supplier, expense type or None to keep the line's own)
    30: ("Mr J Smith", None),
    31: ("Mrs A Patel", None),
    32: ("Mme Dupont", None),
    33: ("Sarah Connor", "FOSTER CARER ALLOWANCES"),
    34: ("Mr J Smith", None),
}


def plant(source: Path, target: Path, planted: dict[int, tuple[str, str | None]], supplier_col: str,
          expense_col: str, encoding: str = "utf-8") -> Path:
    """A copy of a real export with some suppliers replaced by people; amounts are left as they were."""
    with open(source, encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    header_index = next(i for i, r in enumerate(rows) if supplier_col in [c.strip() for c in r])
    header = [c.strip() for c in rows[header_index]]
    s, e = header.index(supplier_col), header.index(expense_col)
    for line, (supplier, expense) in planted.items():
        rows[line - 1][s] = supplier
        if expense:
            rows[line - 1][e] = expense
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return target


def stage(profile_ref, files: list[Path], tmp: Path):
    profile = load_profile(profile_ref)
    con = duckdb.connect()
    extracted = [extract(con, f, profile, i, tmp) for i, f in enumerate(files)]
    build_staging(con, profile, [FileContext(i, e, None, "test") for i, e in enumerate(extracted)])
    con.execute("update stg_spending set period = '2012-06'")
    return con, profile


def write_outputs(con, profile, root: Path) -> list[Path]:
    """What a publish writes, straight from stg_ (CSV, Parquet, datapackage.json, zip, warehouse)."""
    package = root / "site" / profile.publisher_id / "spending"
    (package / "data").mkdir(parents=True)
    fields = profile.schema.field_names
    rows = "from stg_spending where row_kind = 'record' order by source_file_index, source_line"
    con.execute(f"copy (select {spreadsheet.safe_select_list(profile.schema)} {rows}) "
                f"to {quote_literal(str(package / 'data/spending.csv'))} (format csv, header true)")
    con.execute(f"copy (select {', '.join(map(quote_ident, fields))} {rows}) "
                f"to {quote_literal(str(package / 'data/spending.parquet'))} (format parquet, compression zstd)")
    (package / "datapackage.json").write_text(json.dumps({"name": "x", "spendpub": {
        "redactions": redact.published_counts(con, "stg_spending", profile.publisher_id)}}))
    shutil.make_archive(str(package.parent / "spending"), "zip", package.parent, "spending")
    warehouse = root / "warehouse.duckdb"
    con.execute(f"attach {quote_literal(str(warehouse))} as wh")
    con.execute(f"create table wh.spending as select {', '.join(map(quote_ident, fields))} {rows}")
    con.execute("detach wh")
    return [root / "site" / profile.publisher_id, warehouse]


def test_planted_people_in_a_real_export_are_found_by_detector_and_gate(tmp_path, home):
    planted = plant(LAMBETH, tmp_path / "in" / "2012-06-payments.csv", PLANTED, "Supplier Name", "Subj Description")
    people = sorted({s for s, _ in PLANTED.values()})

    # redaction bypassed: the gate finds every planted name, in every kind of output
    con, profile = stage("lambeth", [planted], tmp_path)
    outputs = write_outputs(con, profile, tmp_path / "bypassed")
    hits = leakgate.check(outputs, people, publisher_id=profile.publisher_id)
    assert names_found(hits) == set(people)
    smith = {(h.path.name, h.member) for h in hits if h.name == "Mr J Smith"}
    assert smith == {("spending.csv", None), ("spending.parquet", None), ("spending.zip", "spending/data/spending.csv"),
                     ("spending.zip", "spending/data/spending.parquet"), ("warehouse.duckdb", None)}

    # redaction on: the sensitive row is redacted, the detector reports the others
    con, profile = stage("lambeth", [planted], tmp_path)
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "lambeth")
    redact.apply(con, profile, policy, decisions)
    assert con.execute("select supplier_name, redaction_reason from stg_spending where source_line = 33").fetchone() \
        == (redact.REDACTED_LABEL, "sensitive-expense")
    found = {c.name: c for c in redact.detect(con, profile, policy, decisions, [planted.name])}
    assert {"Mr J Smith", "Mrs A Patel", "Mme Dupont"} <= set(found)
    assert found["Mr J Smith"].payments == 2
    assert found["Mr J Smith"].examples == ("2012-06-payments.csv:30", "2012-06-payments.csv:34")

    # a person confirms them: the next publish redacts them and the gate passes
    redact.decide(home, "lambeth", ["Mr J Smith", "Mrs A Patel", "Mme Dupont"], "confirmed")
    con, profile = stage("lambeth", [planted], tmp_path)
    decisions = redact.load_decisions(home, "lambeth")
    counts = redact.apply(con, profile, policy, decisions)
    assert counts["confirmed-person"] == 4
    total = con.execute("select sum(amount) from stg_spending where row_kind = 'record'").fetchone()[0]
    assert str(total) == "40292334.84"  # totals stay true
    outputs = write_outputs(con, profile, tmp_path / "redacted")
    names = redact.gate_names(con, policy, decisions)
    assert set(people) <= set(names)
    assert leakgate.check(outputs, names, publisher_id="lambeth") == []
    redact.record_names(home, "lambeth", redact.redacted_names(con))
    assert set(people) <= set(redact.load_decisions(home, "lambeth").register)


# --------------------------------------------------------------------------- the cache of values read

def parsing_spy(monkeypatch) -> list[str]:
    """The kind of every file the gate parses, and 'zip' for every zip it opens."""
    seen: list[str] = []
    for kind in ("csv", "parquet", "json", "text"):
        def spy(self, src, path, original=getattr(leakgate._Reader, f"_{kind}"), kind=kind):
            seen.append(kind)
            return original(self, src, path)
        monkeypatch.setattr(leakgate._Reader, f"_{kind}", spy)
    opened = leakgate.zipfile.ZipFile
    monkeypatch.setattr(leakgate.zipfile, "ZipFile", lambda *a, **k: seen.append("zip") or opened(*a, **k))
    return seen


def test_outputs_published_again_unchanged_are_only_hashed_and_hits_are_found_the_same(tmp_path, monkeypatch):
    planted = plant(LAMBETH, tmp_path / "in" / "2012-06-payments.csv", PLANTED, "Supplier Name", "Subj Description")
    people = sorted({s for s, _ in PLANTED.values()})
    con, profile = stage("lambeth", [planted], tmp_path)
    outputs = write_outputs(con, profile, tmp_path / "bypassed")
    cache = tmp_path / "cache"
    seen = parsing_spy(monkeypatch)
    assert leakgate.check(outputs, ["Mr Jonah Quist"], publisher_id="lambeth", cache=cache) == []
    assert sorted(set(seen)) == ["csv", "json", "parquet", "zip"]

    seen.clear()   # the same outputs again, other names: every file's values come from the cache
    assert leakgate.check(outputs, ["Mr Jonah Quist", "Mrs Other Person"], publisher_id="lambeth", cache=cache) == []
    assert seen == []

    # names that are there: found, and located by reading the files, exactly as without a cache
    with_cache = leakgate.check(outputs, people, publisher_id="lambeth", cache=cache)
    assert "csv" in seen
    assert with_cache == leakgate.check(outputs, people, publisher_id="lambeth")
    assert names_found(with_cache) == set(people)


def test_the_cache_holds_only_what_a_clean_check_read(tmp_path):
    clean = csv_file(tmp_path / "a.csv", [["supplier_name"], ["Acme Ltd"]])
    named = csv_file(tmp_path / "b.csv", [["supplier_name"], ["Mr Jonah Quist"]])
    cache = tmp_path / "cache"
    assert leakgate.check([clean, named], ["Mr Jonah Quist"], cache=cache)      # a hit: nothing kept
    assert not cache.exists()
    assert leakgate.check([clean, named], ["Mrs Amelia Patel"], cache=cache) == []
    version = cache / leakgate._ValueCache.VERSION
    assert len(list(version.iterdir())) == 2
    assert {stat.S_IMODE(d.stat().st_mode) for d in (cache, version)} == {0o700}   # private, as the README says
    (cache / "0123456789abcdef").mkdir()                   # what an earlier spendpub kept
    (version / ".new-x").mkdir()                            # what an interrupted check left
    (version / ".y.json.new").write_text("[")
    assert leakgate.check([clean], ["Mrs Amelia Patel"], cache=cache) == []
    assert [p.relative_to(cache) for p in cache.rglob("*")] == [
        Path(version.name), Path(version.name) / leakgate._ValueCache(cache).entry(
            ("csv", *leakgate.file_digest(clean))).name]



def test_a_damaged_cache_is_not_trusted(tmp_path):
    out = csv_file(tmp_path / "a.csv", [["supplier_name"], ["Mr Jonah Quist"]])
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.write(out, "p/a.csv")
    outputs, cache = [out, tmp_path / "a.zip"], tmp_path / "cache"
    version = cache / leakgate._ValueCache.VERSION
    assert leakgate.check(outputs, ["Mrs Amelia Patel"], cache=cache) == []
    (manifest,) = version.glob("*-zip.json")
    manifest.write_text("{")                     # a zip's member list: the zip is read, the list written again
    assert leakgate.check(outputs, ["Mrs Amelia Patel"], cache=cache) == []
    assert json.loads(manifest.read_text())[0][0] == "p/a.csv"
    (entry,) = version.glob("*.parquet")
    entry.write_bytes(b"PAR1 and nothing more")  # a file's values: the cache is dropped, every file read
    hits = leakgate.check(outputs, ["Mr Jonah Quist"], cache=cache)
    assert sorted((h.path.name, h.member, h.where) for h in hits) == [
        ("a.csv", None, "row 2, column supplier_name"), ("a.zip", "p/a.csv", "row 2, column supplier_name")]
    assert not cache.exists()


def test_a_csv_made_of_the_others_is_proved_by_hashing_not_parsed(tmp_path, monkeypatch):
    """The cumulative package's CSV is its periods' CSVs under one header: with a cache, the gate
    checks that by hashing and searches the periods' values only."""
    header, rows = "supplier_name,amount\n", ["Acme Ltd,1.00\n", "Mr Jonah Quist,2.00\n", "Beta Ltd,3.00\n"]
    for period, body in (("2024-01", rows[0]), ("2024-02", rows[1] + rows[2])):
        (tmp_path / f"spending-{period}").mkdir()
        (tmp_path / f"spending-{period}" / "data.csv").write_text(header + body)
    (tmp_path / "spending").mkdir()
    cumulative = tmp_path / "spending" / "data.csv"
    cumulative.write_text(header + "".join(rows))
    outputs, cache = [tmp_path / "spending", tmp_path / "spending-2024-01", tmp_path / "spending-2024-02"], \
        tmp_path / "cache"
    seen = parsing_spy(monkeypatch)
    assert leakgate.check(outputs, ["Mrs Amelia Patel"], cache=cache) == []
    assert seen == ["csv", "csv"]                        # the two periods, not the cumulative file
    hits = leakgate.check(outputs, ["Mr Jonah Quist"], cache=cache)
    assert sorted((h.path.parent.name, h.where) for h in hits) == [
        ("spending", "row 3, column supplier_name"), ("spending-2024-02", "row 2, column supplier_name")]
    # one byte more, or the same size with other bytes, and it is not made of them: parsed, and what
    # only it holds is found
    for text, row in ((header + "".join(rows) + "Mrs Amelia Patel,4.00\n", 5),
                      (header + "".join(rows).replace("Beta Ltd", "Ann Quis"), 4)):
        cumulative.write_text(text)
        seen.clear()
        (hit,) = leakgate.check(outputs, ["Mrs Amelia Patel", "Ann Quis"], cache=cache)
        assert (hit.path, hit.where) == (cumulative, f"row {row}, column supplier_name") and seen == ["csv"]

@pytest.mark.realdata
def test_planted_people_in_a_leeds_month_are_caught_quickly(realdata, tmp_path):
    source = realdata / "spending/leeds-monthly-fy2012-13/spending_2012_06.csv"
    planted_rows = {100: ("Mr J Smith", None), 200: ("Mrs A Patel", "Home Care"), 300: ("Mme Dupont", None),
                    400: ("Sarah Connor", "Foster Carer Allowances")}
    planted = plant(source, tmp_path / "in" / source.name, planted_rows, "Supplier name", "Detailed expenses type")
    con, profile = stage("leeds", [planted], tmp_path)
    policy = redact.load_policy(profile)
    outputs = write_outputs(con, profile, tmp_path / "bypassed")
    started = time.monotonic()
    hits = leakgate.check(outputs, [s for s, _ in planted_rows.values()], publisher_id="leeds")
    assert time.monotonic() - started < 15
    assert names_found(hits) == {"Mr J Smith", "Mrs A Patel", "Mme Dupont", "Sarah Connor"}

    con, profile = stage("leeds", [planted], tmp_path)
    redact.apply(con, profile, policy)
    found = {c.name for c in redact.detect(con, profile, policy)}
    assert {"Mr J Smith", "Mrs A Patel", "Mme Dupont", "Sarah Connor"} <= found
