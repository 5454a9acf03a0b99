"""Applying the redaction rules: to stg_, to the names the leak gate must not find, and to rows
already published."""

from __future__ import annotations

import dataclasses

from decimal import Decimal

import duckdb
import pytest

from etl import leakgate, redact
from etl.profile import load_profile
from tests.redact.conftest import EXTRA_FIELDS, LABEL, records, row, stage, with_rules, write_rows


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


def test_a_registered_name_is_redacted_however_a_later_export_spells_its_letters(staged, home):
    # letters with no accent to strip (Ł, ı, ø, ß) and invisible characters (a soft hyphen)
    redact.record_names(home, "testco", ["Mr Łukasz Kowalczyk", "Mrs Ayşe Yıldız", "Herr Jürgen Strauß"])
    con, profile = staged([row("MR LUKASZ KOWALCZYK"), row("Mrs Ayse Yildiz"), row("Herr Jurgen Strauss"),
                           row("Acme Ltd", purpose="Refund to Mrs Ay\u00adse Yildiz")])
    counts = redact.apply(con, profile, redact.load_policy(profile), redact.load_decisions(home, "testco"))
    assert records(con, "supplier_name", "purpose") == [(LABEL, None)] * 3 + [("Acme Ltd", LABEL)]
    assert counts == {"named-person": 4}


def test_a_person_is_redacted_with_another_title_or_none(staged, home, tmp_path):
    con, profile = staged([row("Mrs Jane Wroxley", type_="Individual"),
                           row("Acme Taxis Ltd", purpose="Taxi for Jane Wroxley to day centre")])
    policy = redact.load_policy(profile)
    redact.apply(con, profile, policy)
    assert records(con, "supplier_name", "purpose") == [(LABEL, None), ("Acme Taxis Ltd", LABEL)]
    redact.record_release(con, home, "testco")
    con, profile = staged([row("Ms Jane Wroxley"), row("JANE WROXLEY"), row("Jane Wroxley Ltd")])
    assert redact.apply(con, profile, policy, redact.load_decisions(home, "testco")) == {"named-person": 2}
    assert records(con, "supplier_name") == [(LABEL,), (LABEL,), ("Jane Wroxley Ltd",)]
    # the organisation keeps its name in every package: the transparency-code CSV's column too
    from etl import leakgate
    args = redact.gate_arguments(con, profile, policy, redact.load_decisions(home, "testco"))
    uk = tmp_path / "uk.csv"
    uk.write_text("Supplier Name,Purpose\nJane Wroxley Ltd,Stationery\n")
    assert leakgate.check([uk], **args) == []
    uk.write_text("Supplier Name,Purpose\nAcme Ltd,Paid to Jane Wroxley\n")
    assert "Mrs Jane Wroxley" in {h.name for h in leakgate.check([uk], **args)}


def test_a_person_is_redacted_however_a_later_export_writes_the_name(staged, home, tmp_path):
    """Surname first, initials, inside another text: the rows the leak gate would find Mrs Wroxley
    in are redacted, so the publish goes on; organisations named after her keep their name."""
    redact.record_names(home, "testco", ["Mrs Jane Wroxley"])
    kept = ["Jane Wroxley Ltd", "J Wroxley Plumbing", "Taxi for Jane Wroxley", "Wroxley Road Surgery", "Jim Wroxley"]
    con, profile = staged([row("WROXLEY, JANE"), row("Wroxley J"), row("J. Wroxley"), row("Mrs J Wroxley"),
                           row("Jane Wroxley (deceased)"), row("Mrs Jane Wroxley (Home Care)"),
                           *(row(name) for name in kept),
                           row("Acme Taxis Ltd", purpose="Taxi for WROXLEY J")])
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    counts = redact.apply(con, profile, policy, decisions)
    assert records(con, "supplier_name", "purpose") == [
        *[(LABEL, None)] * 6, *((name, None) for name in kept), ("Acme Taxis Ltd", LABEL)]
    assert counts == {"named-person": 7}
    out = tmp_path / "out.csv"
    con.execute(f"copy (select supplier_name, purpose from stg_spending) to '{out}'")
    assert leakgate.check([out], **redact.gate_arguments(con, profile, policy, decisions)) == []



def test_a_person_registered_by_initials_is_redacted_when_a_later_export_gives_the_name_in_full(staged, home):
    """'Mr J A Blackhurst' redacted once, then 'John Blackhurst' in a corrected export: publishing
    him by name would tie the rows withheld before to him (changes.csv lists the row whose name
    changed). His first initial and surname meet; a name registered in full is not matched so."""
    redact.record_names(home, "testco", ["Mr J A Blackhurst", "Andrew Mullan"])
    kept = ["John Blackhurst Ltd", "Alan Mullan", "Peter Blackhurst"]
    con, profile = staged([row("John Blackhurst"), row("BLACKHURST, John"), row("Mr James Blackhurst"),
                           *(row(name) for name in kept)])
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.apply(con, profile, policy, decisions) == {"named-person": 3}
    assert records(con, "supplier_name") == [(LABEL,)] * 3 + [(name,) for name in kept]
    # and in rows already published
    con, profile = staged([row("John Blackhurst"), row("Alan Mullan")])
    con.execute("create table wh_spending as select * exclude (row_kind) from stg_spending where row_kind = 'record'")
    assert redact.redact_published(con, "wh_spending", profile, policy, decisions) == {"2024-05": 1}
    assert con.execute("select supplier_name from wh_spending order by source_line").fetchall() == [
        (LABEL,), ("Alan Mullan",)]

def test_an_initial_that_is_a_word_hides_whole_cells_only(staged, home, tmp_path):
    """'A Grant' is how an export writes Anna Grant, but 'a grant' inside a text is the words: a
    purpose that says 'Payment of a grant' is published, and the leak gate lets it through."""
    redact.record_names(home, "testco", ["Anna Grant"])
    con, profile = staged([row("A Grant"), row("Acme Ltd", purpose="Payment of a grant"),
                           row("Acme Ltd", purpose="Refund to Anna Grant")])
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.apply(con, profile, policy, decisions) == {"named-person": 2}
    assert records(con, "supplier_name", "purpose") == [
        (LABEL, None), ("Acme Ltd", "Payment of a grant"), ("Acme Ltd", LABEL)]
    out = tmp_path / "out.csv"
    con.execute(f"copy (select supplier_name, purpose from stg_spending) to '{out}'")
    assert leakgate.check([out], **redact.gate_arguments(con, profile, policy, decisions)) == []


def test_a_name_redacted_in_this_release_is_redacted_inside_other_supplier_texts(staged, home, tmp_path):
    """No earlier release knew Mrs Wroxley: her supplier type says she is a person, and another
    row writes her name with a title and a trade. The gate would find her there: redacted too."""
    con, profile = staged([row("Jane Wroxley", type_="Individual"), row("Mrs Jane Wroxley (Home Care)"),
                           row("WROXLEY J"), row("Jane Wroxley Homecare Ltd"), row("Acme Ltd")])
    policy, decisions = redact.load_policy(profile), redact.Decisions.empty()
    counts = redact.apply(con, profile, policy, decisions)
    assert records(con, "supplier_name") == [(LABEL,), (LABEL,), (LABEL,), ("Jane Wroxley Homecare Ltd",),
                                             ("Acme Ltd",)]
    assert counts == {"natural-person": 1, "named-person": 2}
    out = tmp_path / "out.csv"
    con.execute(f"copy (select supplier_name from stg_spending) to '{out}'")
    assert leakgate.check([out], **redact.gate_arguments(con, profile, policy, decisions)) == []


def test_a_title_the_profile_adds_is_stripped_as_the_built_in_ones(mini_profile, export, home, tmp_path):
    """'Cllr' is no built-in title: a profile that adds it has 'Cllr Jane Wroxley' found as Jane
    Wroxley, by the redaction and by the leak gate alike."""
    profile_path = mini_profile(EXTRA_FIELDS + "  titles: [Cllr]\n")
    redact.record_names(home, "testco", ["Cllr Jane Wroxley"])
    con, profile = stage(profile_path, [export(write_rows([row("JANE WROXLEY"),
                                                            row("Acme Taxis Ltd", purpose="Taxi for Jane Wroxley")]))], tmp_path)
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.apply(con, profile, policy, decisions) == {"named-person": 2}
    assert records(con, "supplier_name", "purpose") == [(LABEL, None), ("Acme Taxis Ltd", LABEL)]
    out = tmp_path / "out.csv"
    out.write_text("supplier_name,purpose\nAcme Ltd,Paid to Jane Wroxley\n")
    assert "Cllr Jane Wroxley" in {h.name for h in leakgate.check([out], **redact.gate_arguments(
        con, profile, policy, decisions))}


def test_a_row_set_aside_in_quarantine_still_says_who_is_a_person(staged):
    # the row with the supplier type goes to quarantine (say, for a bad date): its name is hidden on
    # the rows published, and searched by the leak gate; the row itself is left to the private file
    con, profile = staged([row("Jane Wroxley", type_="Individual"), row("Jane Wroxley", purpose="Home visit")])
    con.execute("update stg_spending set row_kind = 'quarantined' where source_line = 2")
    policy = redact.load_policy(profile)
    assert redact.apply(con, profile, policy) == {"named-person": 1}
    assert records(con, "supplier_name", "purpose") == [(LABEL, LABEL)]
    assert con.execute("select supplier_name from stg_spending where source_line = 2").fetchone() == ("Jane Wroxley",)
    assert redact.redacted_names(con) == ["Jane Wroxley"]
    assert redact.gate_names(con, policy, redact.Decisions.empty()) == ["Jane Wroxley"]


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
    assert redact.record_release(con, home, "testco") == [("Let Leeds", True), ("Mr Alan Person", False)]
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


def test_published_rows_that_write_the_name_otherwise_are_redacted_too(staged, home):
    con, profile = staged([row("WROXLEY, JANE"), row("Mrs Jane Wroxley (Home Care)"), row("Jane Wroxley Ltd")])
    con.execute("create table wh_spending as select * exclude (row_kind) from stg_spending where row_kind = 'record'")
    redact.decide(home, "testco", ["Mrs Jane Wroxley"], "confirmed")
    policy, decisions = redact.load_policy(profile), redact.load_decisions(home, "testco")
    assert redact.redact_published(con, "wh_spending", profile, policy, decisions) == {"2024-05": 2}
    assert con.execute("select supplier_name from wh_spending order by source_line").fetchall() == [
        (LABEL,), (LABEL,), ("Jane Wroxley Ltd",)]


def test_a_published_row_is_counted_once_whichever_of_its_cells_are_redacted(staged, home):
    """A policy that keeps a person's purpose redacts it only where it names them: two updates of
    one row, which changed one row of the period's package."""
    con, profile = staged([row("Mr J Smith", purpose="Grant to Mr J Smith"), row("Acme Ltd")])
    con.execute("create table wh_spending as select * exclude (row_kind) from stg_spending where row_kind = 'record'")
    redact.decide(home, "testco", ["Mr J Smith"], "confirmed")
    policy = dataclasses.replace(redact.load_policy(profile), redact_purpose=frozenset({"source-marker"}))
    assert redact.redact_published(con, "wh_spending", profile, policy, redact.load_decisions(home, "testco")) \
        == {"2024-05": 1}
    assert con.execute("select supplier_name, purpose from wh_spending order by source_line").fetchall() == [
        (LABEL, LABEL), ("Acme Ltd", None)]


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
def test_leeds_rows_the_council_redacted_stay_redacted_and_are_counted(realdata, tmp_path):
    path = realdata / "spending/leeds-monthly-fy2012-13/spending_2012_04.csv"
    con, profile = stage("leeds", [path], tmp_path)
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
