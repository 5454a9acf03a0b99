"""Profiles are data, checked before use: a wrong key or value names the key and the file."""

from __future__ import annotations

import pytest

from etl.errors import ProfileError, UsageError
from etl.paths import DATASETS_DIR
from etl.profile import load_profile
from tests.conftest import MINI_PROFILE


@pytest.mark.parametrize("name", sorted(p.parent.name for p in DATASETS_DIR.glob("*/profile.yaml")))
def test_shipped_profiles_load(name):
    profile = load_profile(name)
    assert profile.publisher_id and profile.dataset in ("spending", "budget")
    assert profile.fields["amount"].columns and profile.fields["currency"].is_constant


def test_mini_profile_loads(mini_profile):
    profile = load_profile(mini_profile())
    assert profile.fields["department"].columns == ("Department", "Directorate")
    assert profile.fields["capital_or_revenue"].map == {"c": "capital", "r": "revenue"}
    assert profile.header_row is None and profile.encoding == "auto"
    assert len(profile.sha256) == 64


@pytest.mark.parametrize("extra, expected", [
    ("colour: blue\n", "(top level): unknown key 'colour'"),
    ("redaction: {markerz: [X]}\n", "redaction: unknown key 'markerz'"),
])
def test_unknown_key_is_named_with_the_file(mini_profile, extra, expected):
    path = mini_profile(extra)
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    assert expected in str(e.value) and str(path) in str(e.value)


@pytest.mark.parametrize("replace, expected", [
    (("encoding: auto", "encoding: ebcdic"), "read.encoding: 'ebcdic' is not one of"),
    (("  amount: {column: [Amount, Net Amount], thousands: \",\"}",
      "  amount: {column: [Amount, Net Amount], thousand: \",\"}"), "fields.amount: unknown key 'thousand'"),
    (("  department:", "  departement:"), "fields.departement: unknown field 'departement'"),
    (("  amount: {column: [Amount, Net Amount], thousands: \",\"}\n", ""), "fields.amount: required by the spending schema"),
    (("  currency: {value: GBP}", "  currency: {value: GBP, column: Cur}"), "fields.currency: give exactly one of"),
    (("dataset: spending", "dataset: spend"), "dataset: unknown dataset 'spend'"),
    (("'^Total'", "'^(Total'"), "read.skip_rows.0.matches: bad regular expression"),
    (("kind: total, column: Supplier", "kind: note, required: true, column: Supplier"),
     "read.skip_rows.0.required: only a total row can be required"),
    (("(?P<year>", "(?P<yr>"), "period.from_filename.0: needs named groups"),
    (("excel_serial: true}", "excel_serial: true, thousands: ','}"), None),
    (("'%d-%b-%y']", "'%d-%b-%y', '%d/%m/%Q']"),
     "fields.payment_date.date_formats: '%d/%m/%Q' is not a date format: Unrecognized format for strftime/strptime: %Q"),
    (("'%d-%b-%y']", "'%d-%b-%y', '%d/%m/%Y %']"), "'%d/%m/%Y %' is not a date format: Trailing format character %"),
    (("  encoding: auto", "  encoding: auto\n  quote: ','"), "read.quote: the same character as read.delimiter (',')"),
    (('thousands: ","}', 'thousands: ",", decimal: ","}'), "fields.amount.thousands: ',' is also the decimal mark"),
])
def test_wrong_values_are_named(mini_profile, replace, expected):
    old, new = replace
    assert old in MINI_PROFILE
    path = mini_profile(base=MINI_PROFILE.replace(old, new))
    if expected is None:
        load_profile(path)  # harmless extra parsing option on a date: accepted
        return
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    assert expected in str(e.value), str(e.value)


def test_pipeline_fields_cannot_be_set_by_a_profile(mini_profile):
    path = mini_profile(base=MINI_PROFILE + "  release_id: {value: x}\n")
    with pytest.raises(ProfileError, match="fields.release_id: release_id is filled by spendpub"):
        load_profile(path)


def test_not_yaml_and_missing_profile(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("publisher: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML: line 2, column 1: expected ',' or ']'") as e:
        load_profile(bad)
    assert "<unicode string>" not in str(e.value) and str(bad) in str(e.value)
    with pytest.raises(UsageError, match=r"no such profile: .* \(hyndburn, lambeth, leeds,"):
        load_profile(tmp_path / "nowhere.yaml")


def test_amounts_carry_only_the_symbols_of_the_profiles_currency(mini_profile):
    assert load_profile(mini_profile()).fields["amount"].currency_symbols == ("£", "GBP")
    read_per_row = mini_profile(base=MINI_PROFILE.replace("currency: {value: GBP}", "currency: {column: Currency}"))
    assert load_profile(read_per_row).fields["amount"].currency_symbols == ("£", "$", "€", "GBP", "USD", "EUR")
