"""Domain checks on stg_: supplier identifiers, dates against the period, probable duplicates,
outliers against the publisher's history, control totals, codes unknown to COFOG or a code list,
and the policy that sets each code's severity."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from etl.errors import UsageError
from etl.validate.domain import LA_POSTE_SIREN
from etl.validate.policy import CodeList, ValidationPolicy, policy_of

HEADER = "Department,Supplier,Company,Date,Amount,COFOG,Account\n"


def issues(report, code):
    return {(e.line, e.value) for s in report.summaries if s.code == code for e in s.examples}


def luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def test_uk_company_numbers(staged):
    run = staged(HEADER + "Parks,A,01234567,03/05/2024,10.00,,\n"     # 8 digits
                 "Parks,B,SC123456,03/05/2024,11.00,,\n"              # Scottish prefix
                 "Parks,C,1234567,03/05/2024,12.00,,\n"               # a leading zero dropped
                 "Parks,D,AB123456,03/05/2024,13.00,,\n"              # no such prefix
                 "Parks,E,GB-COH-12345678,03/05/2024,14.00,,\n"       # org-id form
                 "Parks,F,,03/05/2024,15.00,,\n")                     # none given
    assert issues(run.validate(), "invalid-company-number") == {(4, "1234567"), (5, "AB123456")}


def test_french_siren_and_siret_with_their_luhn_check(staged):
    good_siren, bad_siren = "732829320", "732829321"
    good_siret, bad_siret = "73282932000074", "73282932000075"
    la_poste = LA_POSTE_SIREN + "00001"            # digit sum 5+6+3 = 14 ... adjusted below
    while sum(map(int, la_poste)) % 5:
        la_poste = la_poste[:-1] + str(int(la_poste[-1]) + 1)
    assert luhn(good_siren) and not luhn(bad_siren) and luhn(good_siret) and not luhn(bad_siret)
    assert not luhn(la_poste)                       # valid only by La Poste's own rule
    rows = [good_siren, bad_siren, good_siret, bad_siret, la_poste, "732 829 320", "12345"]
    run = staged(HEADER + "".join(f"Parcs,S{i},{v},03/05/2024,{i + 1}.00,,\n" for i, v in enumerate(rows)),
                 country="FR")
    report = run.validate()
    assert issues(report, "invalid-siren") == {(3, bad_siren), (8, "12345")}
    assert issues(report, "invalid-siret") == {(5, bad_siret)}
    assert issues(report, "invalid-company-number") == set()


def test_payment_dates_within_a_tolerance_of_the_period(staged):
    run = staged(HEADER + "Parks,A,,03/05/2024,10.00,,\n"
                 "Parks,B,,01/04/2024,11.00,,\n"     # 30 days before May
                 "Parks,C,,31/03/2024,12.00,,\n"     # 31 days before
                 "Parks,D,,30/03/2024,13.00,,\n"     # 32 days before
                 "Parks,E,,15/07/2024,14.00,,\n"     # 45 days after
                 "Parks,F,,20/05/2024,15.00,,\n"
                 "Parks,G,,21/05/2024,16.00,,\n")    # most dates in May: the period is right
    report = run.validate()
    # the value as the file writes it, which the file can be searched for
    assert issues(report, "date-outside-period") == {(5, "30/03/2024"), (6, "15/07/2024")}
    (summary,) = [s for s in report.summaries if s.code == "date-outside-period"]
    assert summary.severity == "warning" and report.ok
    strict = run.validate(policy=ValidationPolicy(date_tolerance_days=0, severity={"date-outside-period": "error"}))
    assert len(issues(strict, "date-outside-period")) == 4 and not strict.ok
    assert "32 days outside 2024-05" in next(e.reason for s in report.summaries for e in s.examples
                                             if e.code == "date-outside-period" and e.line == 5)


def test_a_file_dated_mostly_in_another_month_is_refused(staged):
    """A wrong period (May's file published as June's) is a whole-file error, even though May's
    dates are all within the tolerance of June: most of them fall in another month."""
    rows = HEADER + "Parks,A,,03/04/2024,10.00,,\nParks,B,,28/04/2024,11.00,,\nParks,C,,,12.00,,\n"
    report = staged(rows).validate(policy=ValidationPolicy(quarantine=True))
    (summary,) = [s for s in report.summaries if s.code == "period-mismatch"]
    (issue,) = summary.examples
    assert summary.severity == "error" and report.blocks_publish and report.file_error_count == 1
    assert (issue.line, issue.value, issue.field) == (None, "2024-05", "payment_date")
    assert issue.reason == ("0 of the 2 payment dates fall within 2024-05, but 2 within 2024-04; "
                            "they run from 2024-04-03 to 2024-04-28. Is the period right?")
    # payments of the month before are common: the period's month holding most dates is enough
    # (a tie too), and the code can be lowered
    def codes(text):
        return {s.code for s in staged(text).validate().summaries}
    assert "period-mismatch" in codes(rows + "Roads,D,,01/05/2024,1.00,,\n")
    assert "period-mismatch" not in codes(rows + "Roads,D,,01/05/2024,1.00,,\nRoads,E,,31/05/2024,1.00,,\n")
    assert "period-mismatch" not in codes(rows + "".join(f"Roads,D,,{d:02}/05/2024,1.00,,\n" for d in (1, 2, 3)))
    lowered = staged(rows).validate(policy=ValidationPolicy(quarantine=True, severity={"period-mismatch": "warning"}))
    assert not lowered.blocks_publish and lowered.file_error_count == 0


def test_probable_duplicates_same_supplier_date_and_amount(staged):
    run = staged(HEADER + "Parks,Acme Ltd,,03/05/2024,10.00,,\n"
                 "Roads,ACME LTD ,,03/05/2024,10.00,,\n"                # same supplier, other case
                 "Parks,Acme Ltd,,04/05/2024,10.00,,\n"                 # other date
                 "Parks,Acme Ltd,,03/05/2024,10.01,,\n"                 # other amount
                 "Parks,REDACTED PERSONAL DATA,,03/05/2024,50.00,,\n"   # redacted people are not one supplier
                 "Parks,REDACTED PERSONAL DATA,,03/05/2024,50.00,,\n")
    report = run.validate()
    assert issues(report, "probable-duplicate") == {(3, "10.00")}
    (dup,) = [e for s in report.summaries for e in s.examples if e.code == "probable-duplicate"]
    assert dup.reason == "same supplier, date and amount as line 2" and dup.severity == "warning"


def test_outliers_against_the_publishers_history(staged):
    run = staged(HEADER + "Parks,A,,03/05/2024,150.00,,\n" "Parks,B,,03/05/2024,25000.00,,\n"
                 "Parks,C,,03/05/2024,-30000.00,,\n")
    assert issues(run.validate(), "amount-outlier") == set()       # no history given: skipped
    run.con.execute("create table past as select 'testco' as publisher_id, 'GBP' as currency, "
                    "cast(100 + i % 100 as decimal(18, 2)) as amount from range(500) t(i)")
    report = run.validate(history="past")
    assert issues(report, "amount-outlier") == {(3, "25000.00"), (4, "-30000.00")}
    assert report.ok                                                # a warning
    other = run.con.sql("select 'someone-else' as publisher_id, currency, amount from past")
    assert issues(run.validate(history=other), "amount-outlier") == set()
    few = run.validate(history="past", policy=ValidationPolicy(outlier_min_history=1000))
    assert issues(few, "amount-outlier") == set()


def test_outliers_are_not_judged_against_the_period_published_again(staged):
    """Publishing May again replaces May's rows: they are not the history May is compared with."""
    run = staged(HEADER + "Parks,A,,03/05/2024,150.00,,\n" "Parks,B,,03/05/2024,25000.00,,\n")
    run.con.execute("create table past as select 'testco' as publisher_id, 'GBP' as currency, "
                    "case when i < 500 then '2024-04' else '2024-05' end as period, "
                    "cast(case when i < 500 then 100 + i % 100 else 25000 end as decimal(18, 2)) as amount "
                    "from range(1000) t(i)")
    report = run.validate(history="past")
    assert issues(report, "amount-outlier") == {(3, "25000.00")}
    assert report.outlier_baseline == [("GBP", Decimal("198.01"), 500)]


def test_outliers_are_judged_in_exact_decimals(staged):
    """The usual amount is money, and the threshold is computed exactly: 1.15 x 100.00 is 115.00,
    which an amount of 115.00 does not exceed (in binary floating point 1.15 x 100 is
    114.99999999999999, which it would)."""
    assert 1.15 * 100.0 < 115.0
    run = staged(HEADER + "Parks,A,,03/05/2024,115.00,,\n" "Parks,B,,03/05/2024,115.01,,\n")
    run.con.execute("create table past as select 'testco' as publisher_id, 'GBP' as currency, "
                    "cast(100 as decimal(18, 2)) as amount from range(500)")
    report = run.validate(history="past", policy=ValidationPolicy(outlier_factor=1.15))
    assert issues(report, "amount-outlier") == {(3, "115.01")}
    assert report.outlier_baseline == [("GBP", Decimal("100.00"), 500)]


def test_control_totals_from_the_file_and_from_the_command_line(staged):
    body = HEADER + "Parks,A,,03/05/2024,10.00,,\n" "Parks,B,,03/05/2024,5.50,,\n"
    run = staged(body + "Parks,Total,,,15.50,,\n")
    assert issues(run.validate(), "total-mismatch") == set()
    assert issues(run.validate(control_totals={"2024-05": Decimal("15.50")}), "total-mismatch") == set()
    wrong = run.validate(control_totals={"spend-2024-05.csv": Decimal("16.00")})
    assert issues(wrong, "total-mismatch") == {(None, "16.00")}
    assert "15.50" in wrong.summaries[0].examples[0].reason and not wrong.ok
    with pytest.raises(UsageError, match="2024-06"):
        run.validate(control_totals={"2024-06": Decimal("1")})
    bad_row = staged(body + "Parks,Total,,,99.00,,\n")
    assert issues(bad_row.validate(), "total-mismatch") == {(4, "99.00")}
    (e,) = [e for s in bad_row.validate().summaries if s.code == "total-mismatch" for e in s.examples]
    assert e.reason == "the rows add up to 15.50, not to 99.00 (the file's total row)"
    # amounts that cannot be read are in no sum: how many, and where the first is
    unread = staged(body + "Parks,C,,03/05/2024,TBC,,\n" "Parks,D,,03/05/2024,,,\n" "Parks,Total,,,99.00,,\n")
    (e,) = [e for s in unread.validate().summaries if s.code == "total-mismatch" for e in s.examples]
    assert e.reason == ("the rows add up to 15.50, not to 99.00 (the file's total row); records with no amount "
                        "that can be read, in no sum: 2 (the first on line 4)")


def test_a_file_without_the_total_row_its_profile_requires_is_refused(staged):
    from tests.validate.conftest import DOMAIN_PROFILE

    required = DOMAIN_PROFILE.replace("matches: '^Total'}", "matches: '^Total', required: true}")
    body = HEADER + "Parks,A,,03/05/2024,10.00,,\n" "Parks,B,,03/05/2024,5.50,,\n"
    cut = staged(body, profile_text=required).validate(policy=ValidationPolicy(quarantine=True))
    (summary,) = [s for s in cut.summaries if s.code == "missing-total-row"]
    assert summary.severity == "error" and cut.blocks_publish and cut.file_error_count == 1
    assert summary.examples[0].line is None and "probably cut short" in summary.examples[0].reason
    assert staged(body + "Parks,Total,,,15.50,,\n", profile_text=required).validate().ok
    assert staged(body).validate().ok      # a total row the profile does not require may be missing


def test_codes_unknown_to_cofog_and_to_a_code_list(staged, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account,label\n6064,Fournitures\n611,Contrats\n", encoding="utf-8")
    run = staged(HEADER + "Parks,A,,03/05/2024,1.00,07.1,6064\n" "Parks,B,,03/05/2024,2.00,07.9.9,611\n"
                 "Parks,C,,03/05/2024,3.00,01,9999\n" "Parks,D,,03/05/2024,4.00,,\n")
    report = run.validate(policy=ValidationPolicy(
        code_lists=(CodeList(field="expense_code", path=accounts, column="account", name="M57"),)))
    assert issues(report, "unknown-code") == {(3, "07.9.9"), (4, "9999")}
    reasons = {e.reason for s in report.summaries for e in s.examples if e.code == "unknown-code"}
    assert reasons == {"is not a code of COFOG", "is not a code of M57"}


def test_severity_can_be_raised_lowered_or_ignored(staged):
    run = staged(HEADER + "Parks,A,1234567,03/05/2024,10.00,,\n")
    assert not run.validate().ok
    lowered = run.validate(policy=ValidationPolicy(severity={"invalid-company-number": "warning"}))
    assert lowered.ok and lowered.warning_count == 1
    ignored = run.validate(policy=ValidationPolicy(severity={"invalid-company-number": "ignore"}))
    assert ignored.ok and not ignored.summaries


def test_policy_is_read_from_the_profile_defensively(tmp_path):
    yaml_path = tmp_path / "profile.yaml"
    yaml_path.write_text("publisher: {id: x}\nvalidation:\n  quarantine: true\n  date_tolerance_days: 5\n"
                         "  severity: {probable-duplicate: error, nonsense: wrong}\n"
                         "  code_lists: {expense_code: {path: accounts.csv, column: code}}\n"
                         "  outliers: {factor: 20}\n  lang: fr\n", encoding="utf-8")
    policy = policy_of(SimpleNamespace(path=yaml_path))
    assert policy.quarantine and policy.date_tolerance_days == 5 and policy.lang == "fr"
    assert policy.severity_of("probable-duplicate") == "error" and policy.severity_of("amount-outlier") == "warning"
    assert policy.code_lists[0].path == tmp_path / "accounts.csv" and policy.outlier_factor == 20
    assert policy_of(SimpleNamespace(path=yaml_path, validation={"quarantine": False})).quarantine is False
    assert policy_of(SimpleNamespace(path=tmp_path / "missing.yaml")) == ValidationPolicy()
    assert policy_of(SimpleNamespace()) == ValidationPolicy()


def test_payments_already_published_for_another_period_are_refused(home, mini_profile, export):
    """April's export also held a payment of May: May's own file would count it twice. Matched on
    transaction id, date and amount; a period published again in the same release is replaced."""
    from etl import pipeline

    header = "Department,Supplier,Date,Amount,Ref\n"
    april = header + "Parks,Acme,03/04/2024,10.00,T1\nParks,Acme,10/04/2024,11.00,T2\n"
    pipeline.run(mini_profile(), [export(april + "Roads,Big,04/05/2024,5.00,T3\n", name="spend-2024-04.csv")], home)
    may = export(header + "Roads,Big,06/05/2024,6.00,T4\nRoads,Big,04/05/2024,5.00,T3\n"
                 "Roads,Big,07/05/2024,10.00,T1\n", name="spend-2024-05.csv")   # T1 again, another payment
    for dry_run in (True, False):
        result = pipeline.run(mini_profile(), [may], home, dry_run=dry_run)
        assert result.report.blocks_publish and result.report.file_error_count == 1
        (summary,) = [s for s in result.report.summaries if s.code == "already-published"]
        (issue,) = summary.examples
        assert (issue.line, issue.value, issue.field) == (None, "T3", "transaction_id")
        assert issue.reason == ("payments already published for 2024-04: 1 (same transaction id, date and amount; "
                                "the first on line 3). Published again, they would count twice. Is one of the "
                                "files the wrong one?")
    # April corrected in the same release: its rows are replaced, nothing counts twice
    fixed = pipeline.run(mini_profile(), [export(april, name="spend-2024-04.csv"), may], home)
    assert not fixed.report.blocks_publish and fixed.published


def test_a_period_published_again_from_a_file_cut_short_is_said(home, mini_profile, export):
    """A republished month's file holding under half the payments the month holds as published is
    probably cut short: a warning (the publish goes on), which a profile can make an error."""
    from etl import pipeline

    header = "Department,Supplier,Date,Amount\n"
    rows = [f"Parks,Acme {i},0{i}/05/2024,1{i}.00\n" for i in range(1, 6)]
    pipeline.run(mini_profile(), [export(header + "".join(rows))], home)
    for kept, said in ((3, False), (2, True)):
        result = pipeline.run(mini_profile(), [export(header + "".join(rows[:kept]))], home, dry_run=True)
        shrinks = [e for s in result.report.summaries if s.code == "period-shrinks" for e in s.examples]
        assert bool(shrinks) == said and not result.report.blocks_publish
    (issue,) = shrinks
    assert (issue.severity, issue.line, issue.value) == ("warning", None, None)
    assert issue.reason == ("2024-05 holds 5 payments as published; this file would publish 2. Is it complete? "
                            "Published, it withdraws the rest")
    assert issue.message("fr") == ("2024-05 compte 5 paiements tels que publiés ; ce fichier en publierait 2. Est-il "
                                   "complet ? Publié, il retire les autres").replace(" ;", "\u202f;").replace(" ?", "\u202f?")
    # with quarantine, the rows set aside would not be published: they are not counted
    bad = [r.replace("/05/", "/13/") for r in rows[2:]]
    quarantined = pipeline.run(mini_profile("validation: {quarantine: true}\n"),
                               [export(header + "".join(rows[:2] + bad))], home, dry_run=True)
    assert [(s.code, s.count) for s in quarantined.report.summaries] == [("type-error", 3), ("period-shrinks", 1)]
    assert not quarantined.report.blocks_publish
    strict = mini_profile("validation: {shrink_share: 0.9, severity: {period-shrinks: error}}\n")
    refused = pipeline.run(strict, [export(header + "".join(rows[:4]))], home)
    assert refused.report.blocks_publish and not refused.published
    assert [s.code for s in refused.report.summaries] == ["period-shrinks"]
    assert pipeline.run(mini_profile(), [export(header + "".join(rows[:2]))], home).published   # a warning
