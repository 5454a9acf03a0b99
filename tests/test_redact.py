"""Redaction: the rules of the shared policy and the profile, decisions, the register, the detector."""

from __future__ import annotations

import csv
import dataclasses
import io
import stat
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from etl import redact
from etl.errors import ProfileError, SpendpubError, UsageError
from etl.extract import extract
from etl.profile import load_profile
from etl.transform import FileContext, build_staging

LABEL = redact.REDACTED_LABEL

# The conftest mini profile, with the optional columns a redaction needs.
EXTRA_FIELDS = """\
  supplier_type: {column: Type, optional: true}
  supplier_id: {column: Company, optional: true}
  purpose: {column: Purpose, optional: true}
  expense_type: {column: Expense, optional: true}
redaction:
  markers: [REDACTED PERSONAL DATA]
"""
HEADER = ["Department", "Supplier", "Type", "Company", "Purpose", "Expense", "Date", "Amount"]


def write_rows(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue()


def row(supplier, amount="100.00", *, dept="Children's Services", type_="", company="", purpose="",
        expense="Stationery", date="02/05/2024") -> list[str]:
    return [dept, supplier, type_, company, purpose, expense, date, amount]


def stage(profile_path: Path, files: list[Path]):
    """Extract and transform as a publish does: a connection holding stg_spending."""
    profile = load_profile(profile_path)
    con = duckdb.connect()
    tmp = Path(tempfile.mkdtemp(prefix="spendpub-test-"))
    extracted = [extract(con, f, profile, i, tmp) for i, f in enumerate(files)]
    build_staging(con, profile, [FileContext(i, e, "2024-05", "test") for i, e in enumerate(extracted)])
    return con, profile


def with_rules(profile, tmp_path: Path, rules: str):
    """The same profile with a `redaction:` block that today's profile schema does not accept yet."""
    path = tmp_path / "rules-profile.yaml"
    path.write_text(f"redaction:\n{rules}", encoding="utf-8")
    return dataclasses.replace(profile, path=path)


def records(con, *columns: str) -> list[tuple]:
    cols = ", ".join(columns)
    return con.execute(f"select {cols} from stg_spending where row_kind = 'record' order by source_line").fetchall()


@pytest.fixture
def staged(mini_profile, export):
    def make(rows: list[list[str]]):
        return stage(mini_profile(EXTRA_FIELDS), [export(write_rows(rows))])
    return make


# --------------------------------------------------------------------------- policy

def test_shared_policy_loads_and_every_expense_rule_compiles():
    policy = redact.load_policy()
    assert "REDACTED PERSONAL DATA" in policy.markers
    assert policy.sole_traders is False and policy.detect is True and policy.pending == "report"
    assert set(policy.redact_purpose) == set(redact.REASONS)
    con = duckdb.connect()
    # the sensitive types match what they must, and not the agencies paid for a service
    matches = dict(con.execute(
        "select t, regexp_matches(t, ?) from unnest(?::varchar[]) as u(t)",
        [policy.expense_regex, ["Direct Payments", "Personalised Budgets", "Adoptions - Allowances",
                                "Fostering - Placement Support", "Fees To Carers", "Section 17",
                                "Compensation Claims", "Care Package", "Famille d'accueil",
                                "Independent Fostering Agencies", "Stationery", "Home Care",
                                "Interagency Adoptions"]]).fetchall())
    assert [t for t, m in matches.items() if m] == [
        "Direct Payments", "Personalised Budgets", "Adoptions - Allowances", "Fostering - Placement Support",
        "Fees To Carers", "Section 17", "Compensation Claims", "Care Package", "Famille d'accueil"]


def test_the_shared_policy_reads_the_same_with_either_yaml_parser():
    import yaml
    text = redact.POLICY_FILE.read_text(encoding="utf-8")
    assert redact._read_yaml(redact.POLICY_FILE) == yaml.safe_load(text)


def test_profile_rules_add_to_the_shared_policy(mini_profile, tmp_path):
    profile = load_profile(mini_profile(EXTRA_FIELDS))
    assert "REDACTED PERSONAL DATA" in redact.load_policy(profile).markers  # today's `markers` key
    p = with_rules(profile, tmp_path, """\
  markers: [NAME REMOVED]
  expense_types: ['^Carer Respite$']
  sole_traders: true
  names: [Jane Q Citizen]
""")
    policy = redact.load_policy(p)
    assert {"NAME REMOVED", "REDACTED PERSONAL DATA", "REDACTED"} <= set(policy.markers)
    assert "^Carer Respite$" in policy.expense_types and "direct payments?" in policy.expense_types
    assert policy.sole_traders is True and policy.names == ("Jane Q Citizen",)
    assert set(policy.person_types) >= {"sole trader", "individual"}


@pytest.mark.parametrize("rules, message", [
    ("  expense_types: ['(unclosed']\n", "redaction.expense_types.0: bad regular expression"),
    ("  sole_traderz: true\n", "Additional properties are not allowed"),
    ("  pending: later\n", "redaction.pending"),
])
def test_bad_rules_are_refused_naming_the_key(mini_profile, tmp_path, rules, message):
    p = with_rules(load_profile(mini_profile(EXTRA_FIELDS)), tmp_path, rules)
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")) as e:
        redact.load_policy(p)
    assert str(p.path) in str(e.value)


# --------------------------------------------------------------------------- apply

def test_redaction_keeps_amount_date_department_and_expense_type(staged):
    con, profile = staged([
        row("REDACTED PERSONAL DATA", "250.00", purpose="Visit to J Bloggs", expense="Home Care"),
        row("Acme Ltd", "1,000.00"),
        row("Mrs A Patel", "75.25", type_="Individual", company="X1", purpose="Refund"),
    ])
    before = records(con, "amount", "payment_date", "department", "expense_type")
    counts = redact.apply(con, profile, redact.load_policy(profile))
    assert counts == {"source-marker": 1, "natural-person": 1}
    assert records(con, "amount", "payment_date", "department", "expense_type") == before
    assert records(con, "supplier_name", "supplier_id", "purpose", "is_redacted", "redaction_reason") == [
        (LABEL, None, LABEL, True, "source-marker"),
        ("Acme Ltd", None, None, False, None),
        (LABEL, None, LABEL, True, "natural-person"),
    ]
    # no personal text survives in staging: the source texts of a string field follow the field
    texts = records(con, "supplier_name__text", "supplier_id__text", "purpose__text")
    assert texts[0] == (LABEL, None, LABEL) and texts[2] == (LABEL, None, LABEL)
    assert texts[1][0] == "Acme Ltd"
    text = " ".join(str(v) for row in con.execute("select * from stg_spending").fetchall() for v in row)
    assert "Bloggs" not in text and "Patel" not in text
    assert redact.redacted_names(con) == ["Mrs A Patel"]


def test_every_record_is_judged_once_empty_names_and_types_included(staged):
    """The plan works each distinct name, supplier type and expense type out once and joins it
    back: rows whose texts are empty (NULL) are judged too, no row is judged twice, and a record
    no rule concerns is left out of the plan unless another record hides its name."""
    con, profile = staged([
        row(""), row("", type_="Individual", expense=""), row("Mr J Smith", expense=""),
        row("Mr J Smith", type_="individual"), row("Acme Ltd", type_="Company"), row("", purpose="x"),
        row("Acme Ltd"), row("Sunshine Kids", expense="Fostering Allowances"), row("Sunshine Kids"),
    ])
    counts = redact.apply(con, profile, redact.load_policy(profile))
    assert counts == {"natural-person": 2, "named-person": 2, "sensitive-expense": 1}
    assert records(con, "source_line", "supplier_name", "purpose", "redaction_reason") == [
        (2, None, None, None), (3, LABEL, None, "natural-person"), (4, LABEL, None, "named-person"),
        (5, LABEL, None, "natural-person"), (6, "Acme Ltd", None, None), (7, None, "x", None), (8, "Acme Ltd", None, None),
        (9, LABEL, None, "sensitive-expense"), (10, LABEL, None, "named-person")]
    plan = con.execute("select line, reason from redaction_plan order by line").fetchall()
    assert plan == [(3, "natural-person"), (4, "named-person"), (5, "natural-person"), (7, None),
                    (9, "sensitive-expense"), (10, "named-person")]


def test_apply_source_markers_still_works_alone_and_apply_after_it_agrees(staged):
    rows = [row("Redacted personal data"), row("REDACTED PERSONAL DATA"), row("Mr J Smith", type_="individual")]
    con, profile = staged(rows)
    redact.apply_source_markers(con, profile)
    assert [r[0] for r in records(con, "redaction_reason")] == ["source-marker", "source-marker", None]
    counts = redact.apply(con, profile, redact.load_policy(profile))
    con2, _ = staged(rows)
    assert counts == redact.apply(con2, profile, redact.load_policy(profile)) == {
        "source-marker": 2, "natural-person": 1}


def test_sole_traders_are_redacted_only_when_the_body_says_so(staged, tmp_path):
    con, profile = staged([row("Bob's Plumbing", type_="Sole trader")])
    assert redact.apply(con, profile, redact.load_policy(profile)) == {}
    con, profile = staged([row("Bob's Plumbing", type_="Sole trader")])
    assert redact.apply(con, profile, redact.load_policy(with_rules(profile, tmp_path, "  sole_traders: true\n"))) \
        == {"natural-person": 1}


def test_sensitive_expense_redacts_people_and_the_purpose_but_not_organisations(staged):
    con, profile = staged([
        row("Jane Doe", "410.00", expense="Fostering - Placement Support", purpose="Placement of child K"),
        row("Acme Fostering Ltd", "900.00", expense="Fostering - Placement Support", purpose="Placement of child L"),
        row("Acme Fostering", "900.00", expense="Fostering - Placement Support", company="01234567"),
        row("Agency North", "50.00", expense="Independent Fostering Agencies", purpose="Block contract"),
        row("Jane Doe", "20.00", expense="Training Costs", purpose="Course"),
    ])
    counts = redact.apply(con, profile, redact.load_policy(profile))
    assert records(con, "supplier_name", "purpose", "redaction_reason") == [
        (LABEL, LABEL, "sensitive-expense"),
        ("Acme Fostering Ltd", LABEL, "sensitive-expense"),    # an organisation keeps its name
        ("Acme Fostering", None, None),                        # nothing personal to remove
        ("Agency North", "Block contract", None),
        (LABEL, LABEL, "named-person"),                        # the same person, on another row
    ]
    assert counts == {"named-person": 1, "sensitive-expense": 2}
    assert redact.redacted_names(con) == ["Jane Doe"]


def test_names_lists_decisions_and_the_register_are_applied(staged, tmp_path, home):
    rows = [row("Ann Other"), row("Mr J Smith"), row("Grahame Stowe Bateson", expense="Section 17"),
            row("Old Name Person"), row("Acme Ltd", purpose="Refund to MR J. SMITH"),
            row("Acme Ltd", purpose="Refund to Grahame")]
    redact.decide(home, "testco", ["Mr J. Smith"], "confirmed")
    redact.decide(home, "testco", ["Grahame Stowe Bateson"], "rejected")
    redact.record_names(home, "testco", ["Old Name Person"])
    con, profile = staged(rows)
    policy = redact.load_policy(with_rules(profile, tmp_path, "  names: [ann other]\n"))
    decisions = redact.load_decisions(home, "testco")
    counts = redact.apply(con, profile, policy, decisions)
    assert records(con, "supplier_name", "purpose", "redaction_reason") == [
        (LABEL, None, "named-person"),
        (LABEL, None, "confirmed-person"),
        ("Grahame Stowe Bateson", None, None),   # a person said: not a natural person
        (LABEL, None, "named-person"),           # redacted in an earlier release: stays redacted
        ("Acme Ltd", LABEL, "named-person"),     # the purpose mentions a redacted name
        ("Acme Ltd", "Refund to Grahame", None),
    ]
    assert counts == {"named-person": 3, "confirmed-person": 1}
    assert redact.gate_names(con, policy, decisions) == [
        "Ann Other", "Mr J Smith", "Mr J. Smith", "Old Name Person", "ann other"]


# --------------------------------------------------------------------------- private state

def test_decisions_and_register_are_private_and_outside_the_site(home):
    keys = redact.decide(home, "testco", ["Mr J Smith", "Mme Dupont"], "confirmed", decided_by="clerk")
    assert keys == ["mr j smith", "mme dupont"]
    redact.decide(home, "testco", ["MR J. SMITH"], "rejected", note="a company after all")
    d = redact.load_decisions(home, "testco")
    assert d.confirmed == {"mme dupont": "Mme Dupont"} and d.rejected == {"mr j smith": "MR J. SMITH"}
    assert redact.record_names(home, "testco", ["Mme Dupont", "mme  dupont", "P H Jones"]) == 2
    assert redact.record_names(home, "testco", ["P. H. JONES"]) == 0
    assert redact.load_decisions(home, "testco").register == ("Mme Dupont", "P H Jones")
    folder = redact.redaction_dir(home, "testco")
    assert folder == home / "redaction" / "testco" and "site" not in folder.parts
    for f in (folder / "decisions.csv", folder / "names.txt"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["decisions.csv", "names.txt"]  # no temp left


def test_the_register_keeps_whether_a_name_was_withheld_only_as_a_precaution(home):
    assert redact.record_names(home, "testco", [("Let Leeds", True), "Mr J Smith", ("Mme Dupont", False)]) == 3
    path = redact.redaction_dir(home, "testco") / "names.txt"
    assert path.read_text().splitlines()[1:] == ["Let Leeds\twhole-cell", "Mr J Smith", "Mme Dupont"]
    d = redact.load_decisions(home, "testco")
    assert d.register == ("Let Leeds", "Mr J Smith", "Mme Dupont") and d.register_whole == ("Let Leeds",)
    assert redact.record_names(home, "testco", [("LET LEEDS", True), ("mr j smith", True)]) == 0
    assert redact.record_names(home, "testco", [("Let Leeds", False)]) == 1  # a person after all
    assert redact.load_decisions(home, "testco").register_whole == ()


def test_names_withheld_as_a_precaution_are_gated_as_whole_cells(staged, home, tmp_path):
    from etl import leakgate
    con, profile = staged([row("Let Leeds", expense="Section 17"), row("Mr Alan Person", expense="Section 17"),
                           row("Right Let Leeds"), row("Acme Ltd", purpose="Refund to Mr Alan Person")])
    policy = redact.load_policy(profile)
    redact.decide(home, "testco", ["Someone Rejected"], "rejected")
    decisions = redact.load_decisions(home, "testco")
    redact.apply(con, profile, policy, decisions)
    assert redact.redacted_name_kinds(con) == [("Let Leeds", True), ("Mr Alan Person", False)]
    args = redact.gate_arguments(con, profile, policy, decisions)
    assert (args["names"], args["whole_names"], args["publisher_id"]) == (["Mr Alan Person"], ["Let Leeds"], "testco")
    out = tmp_path / "out.csv"
    out.write_text("supplier_name,purpose\nRight Let Leeds,\nAcme Ltd,Redacted\n")
    assert leakgate.check([out], **args) == []
    out.write_text("supplier_name,purpose\nLet Leeds,\nAcme Ltd,Paid Mr Alan Person\n")
    assert {h.name for h in leakgate.check([out], **args)} == {"Let Leeds", "Mr Alan Person"}
    # the next publish redacts both, whatever the expense type, and keeps their kinds
    assert redact.record_release(con, home, "testco") == 2
    con, profile = staged([row("Let Leeds"), row("Mr Alan Person")])
    decisions = redact.load_decisions(home, "testco")
    assert redact.apply(con, profile, policy, decisions) == {"named-person": 2}
    assert decisions.register_whole == ("Let Leeds",)


def test_the_state_digest_changes_with_decisions_and_policy_not_with_the_register(home, mini_profile, tmp_path):
    profile = load_profile(mini_profile(EXTRA_FIELDS))
    policy = redact.load_policy(profile)
    first = redact.state_digest(policy, redact.load_decisions(home, "testco"))
    redact.record_names(home, "testco", ["Mr J Smith"])
    assert redact.state_digest(policy, redact.load_decisions(home, "testco")) == first
    redact.decide(home, "testco", ["Mme Dupont"], "confirmed")
    second = redact.state_digest(policy, redact.load_decisions(home, "testco"))
    assert second != first
    stricter = redact.load_policy(with_rules(profile, tmp_path, "  pending: refuse\n"))
    assert redact.state_digest(stricter, redact.load_decisions(home, "testco")) not in (first, second)


def test_bad_decisions_are_refused(home):
    with pytest.raises(UsageError, match="no letters"):
        redact.decide(home, "testco", ["--"], "confirmed")
    with pytest.raises(UsageError):
        redact.decide(home, "testco", ["X"], "maybe")
    with pytest.raises(UsageError):
        redact.redaction_dir(home, "../elsewhere")
    folder = redact.redaction_dir(home, "testco", create=True)
    (folder / "decisions.csv").write_text("name,decision\nX,perhaps\n")
    with pytest.raises(SpendpubError, match="line 2"):
        redact.load_decisions(home, "testco")


# --------------------------------------------------------------------------- the detector

def test_detector_reports_probable_people_without_redacting_them(staged, home):
    con, profile = staged([
        row("Mr J Smith", "100.00"), row("Mr J Smith", "50.50"), row("Mrs A Patel"), row("Mme Dupont"),
        row("P H Jones"), row("Smith J A"), row("John Smith"), row("Acme Ltd"), row("J Smith Plumbing Ltd"),
        row("Mr Jones", company="01234567"), row("Leeds City Council"), row("Tarmac"),
        row("Linzi Spencer", expense="Direct Payments"), row("Action For Children", expense="Adoptions - Allowances"),
    ])
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    found = {c.name: c for c in redact.detect(con, profile, policy, file_names=["spend-2024-05.csv"])}
    assert set(found) == {"Mr J Smith", "Mrs A Patel", "Mme Dupont", "P H Jones", "Smith J A", "John Smith",
                          "Linzi Spencer", "Action For Children"}
    smith = found["Mr J Smith"]
    assert smith.payments == 2 and smith.totals == {"GBP": Decimal("150.50")}
    assert smith.examples == ("spend-2024-05.csv:2", "spend-2024-05.csv:3")
    assert smith.why == ("no company identifier", "a title (mr)") and not smith.withheld
    assert "a title (mme)" in found["Mme Dupont"].why
    assert "initials and a surname" in found["P H Jones"].why and "initials and a surname" in found["Smith J A"].why
    assert "a common given name (john)" in found["John Smith"].why
    assert found["Linzi Spencer"].withheld and found["Action For Children"].withheld
    # candidates are reported, not redacted
    assert ("Mr J Smith", False) in records(con, "supplier_name", "is_redacted")


def test_decisions_silence_the_detector(staged, home):
    rows = [row("Mr J Smith"), row("Mrs A Patel"), row("Action For Children", expense="Adoptions - Allowances")]
    redact.decide(home, "testco", ["Mr J Smith"], "confirmed")
    redact.decide(home, "testco", ["mrs a patel", "Action for Children"], "rejected")
    con, profile = staged(rows)
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.apply(con, profile, policy, decisions) == {"confirmed-person": 1}
    assert redact.detect(con, profile, policy, decisions) == []
    assert records(con, "supplier_name") == [(LABEL,), ("Mrs A Patel",), ("Action For Children",)]


def test_pending_candidates_refuse_a_publish_only_when_the_policy_says_so(staged, tmp_path):
    con, profile = staged([row("Mr J Smith")])
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    candidates = redact.detect(con, profile, policy)
    redact.check_pending(candidates, policy, profile)  # report: no refusal
    strict = redact.load_policy(with_rules(profile, tmp_path, "  pending: refuse\n"))
    with pytest.raises(redact.PendingReview, match="1 probable natural person awaits"):
        redact.check_pending(candidates, strict, profile)
    off = redact.load_policy(with_rules(profile, tmp_path, "  detect: false\n"))
    assert redact.detect(con, profile, off) == []


def test_review_reads_files_like_a_publish_and_writes_nothing(mini_profile, export, home):
    path = export(write_rows([row("Mr J Smith"), row("Acme Ltd")]))
    candidates = redact.review(mini_profile(EXTRA_FIELDS), [path], home)
    assert [(c.name, c.examples) for c in candidates] == [("Mr J Smith", ("spend-2024-05.csv:2",))]
    assert not home.exists()


def test_names_decided_after_publication_are_redacted_in_the_published_rows(staged, home):
    con, profile = staged([row("Mr J Smith", purpose="Repairs"), row("Acme Ltd", purpose="Refund to Mr J Smith"),
                           row("Old Name Person"), row("Someone Else")])
    con.execute("create table wh_spending as select * exclude (row_kind) from stg_spending where row_kind = 'record'")
    con.execute("update wh_spending set period = case when source_line = 2 then '2024-04' else '2024-05' end")
    redact.decide(home, "testco", ["Mr J Smith"], "confirmed")
    redact.record_names(home, "testco", ["Old Name Person"])
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.redact_published(con, "wh_spending", profile, policy, decisions) == {"2024-04": 1, "2024-05": 2}
    assert con.execute("select supplier_name, purpose, redaction_reason from wh_spending order by source_line").fetchall() == [
        (LABEL, LABEL, "confirmed-person"), ("Acme Ltd", LABEL, "named-person"),
        (LABEL, None, "named-person"), ("Someone Else", None, None)]
    assert redact.redact_published(con, "wh_spending", profile, policy, decisions) == {}  # idempotent


def test_published_counts_list_every_reason():
    con = duckdb.connect()
    con.execute("create table spending as select * from (values ('a', '2024-05', true, 'source-marker'), "
                "('a', '2024-05', true, 'source-marker'), ('a', '2024-06', true, 'natural-person'), "
                "('a', '2024-06', false, null), ('b', '2024-05', true, 'named-person')) "
                "t(publisher_id, period, is_redacted, redaction_reason)")
    assert redact.published_counts(con, "spending", "a") == {
        "source-marker": 2, "natural-person": 1, "named-person": 0, "confirmed-person": 0, "sensitive-expense": 0}
    assert redact.published_counts(con, "spending", "a", "2024-06")["natural-person"] == 1
    assert redact.published_counts(con, "spending", "a", "2024-06")["source-marker"] == 0


# --------------------------------------------------------------------------- real files

LEEDS_APRIL_TOTAL = Decimal("73182739.90")


@pytest.mark.realdata
def test_leeds_rows_the_council_redacted_stay_redacted_and_are_counted(realdata):
    path = realdata / "spending/leeds-monthly-fy2012-13/spending_2012_04.csv"
    con, profile = stage("leeds", [path])
    raw_marked = con.execute("select count(*) from stg_spending where row_kind = 'record' "
                             "and supplier_name = 'REDACTED PERSONAL DATA'").fetchone()[0]
    counts = redact.apply(con, profile, redact.load_policy(profile))
    assert 700 <= counts["source-marker"] <= 1300 and counts["source-marker"] == raw_marked
    left, labelled, total, texts = con.execute(f"""
        select count(*) filter (where supplier_name ilike '%redacted personal data%'),
               count(*) filter (where is_redacted and supplier_name = '{LABEL}'),
               sum(amount),
               count(*) filter (where is_redacted and supplier_name__text is distinct from '{LABEL}')
        from stg_spending where row_kind = 'record'""").fetchone()
    assert left == 0 and texts == 0
    assert labelled == sum(c for r, c in counts.items())  # every redacted row reads the label...
    assert total == LEEDS_APRIL_TOTAL                     # ...and the month still adds up
    # the rule for payments to people that the council itself left unredacted (Direct Payments)
    assert counts["sensitive-expense"] >= 1


@pytest.mark.realdata
def test_leeds_detector_finds_the_people_paid_by_name(realdata):
    path = realdata / "spending/leeds-monthly-fy2012-13/spending_2012_04.csv"
    con, profile = stage("leeds", [path])
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    found = {c.name: c for c in redact.detect(con, profile, policy, file_names=[path.name])}
    assert {"P H Jones", "C Kent"} <= set(found)
    assert not any(n.endswith(" Ltd") or n.endswith(" Limited") for n in found)
    assert all(c.examples[0].startswith("spending_2012_04.csv:") for c in found.values())
