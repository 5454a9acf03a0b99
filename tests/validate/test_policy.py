"""The profile's `validation:` section: schemas/profile.schema.json is the single source of its keys,
codes, severities and defaults; load_profile checks it and keeps it; policy_of reads it."""

from __future__ import annotations

import json
import textwrap

import jsonschema
import pytest

from etl.errors import ProfileError
from etl.paths import SCHEMAS_DIR
from etl.profile import load_profile
from etl.validate import messages
from etl.validate.policy import (DEFAULT_SEVERITY, IGNORE, LANGUAGES, SEVERITIES, ValidationPolicy,
                                 policy_of)
from etl.validate.report import CODE_LIST, ERROR, WARNING
from tests.validate.conftest import DOMAIN_PROFILE

HEADER = "Department,Supplier,Company,Date,Amount,COFOG,Account\n"


def write(tmp_path, section: str):
    path = tmp_path / "profile.yaml"
    path.write_text(DOMAIN_PROFILE + section, encoding="utf-8")
    return path


def test_the_schema_is_valid_and_agrees_with_the_code():
    schema = json.loads((SCHEMAS_DIR / "profile.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert SEVERITIES == (ERROR, WARNING, IGNORE)
    assert set(DEFAULT_SEVERITY) <= set(CODE_LIST) and set(DEFAULT_SEVERITY.values()) <= {ERROR, WARNING}
    assert LANGUAGES == messages.LANGUAGES
    assert ValidationPolicy() == ValidationPolicy(quarantine=False, date_tolerance_days=31, supplier_id_scheme="auto",
                                                  outlier_factor=10.0, outlier_quantile=0.99,
                                                  outlier_min_history=100, lang="en")


def test_a_profile_carries_its_validation_section(tmp_path):
    (tmp_path / "m57.csv").write_text("code,label\n6042,Achats\n", encoding="utf-8")
    profile = load_profile(write(tmp_path, textwrap.dedent("""\
        validation:
          quarantine: true
          date_tolerance_days: 10
          severity: {probable-duplicate: error, amount-outlier: ignore}
          supplier_id_scheme: fr-siren-siret
          outliers: {factor: 20, quantile: 0.95, min_history: 50}
          code_lists: {expense_code: {path: m57.csv, column: code, name: M57}}
          lang: fr
        """)))
    assert profile.validation["quarantine"] is True
    policy = policy_of(profile)
    assert policy.quarantine and policy.date_tolerance_days == 10 and policy.lang == "fr"
    assert policy.severity_of("probable-duplicate") == ERROR and policy.severity_of("amount-outlier") == IGNORE
    assert policy.severity_of("type-error") == ERROR and policy.supplier_id_scheme == "fr-siren-siret"
    assert (policy.outlier_factor, policy.outlier_quantile, policy.outlier_min_history) == (20, 0.95, 50)
    assert policy.code_lists[0].path == tmp_path / "m57.csv" and policy.code_lists[0].name == "M57"
    assert policy_of(load_profile(write(tmp_path, ""))) == ValidationPolicy()


@pytest.mark.parametrize("section, message", [
    ("validation: {quarantine: yes please}", "validation.quarantine: 'yes please' is not of type 'boolean'"),
    ("validation: {severity: {no-such-code: error}}", "validation.severity: unknown key 'no-such-code'"),
    ("validation: {severity: {unknown-code: fatal}}", "validation.severity.unknown-code: 'fatal' is not one of "
                                                      "'error', 'warning', 'ignore'"),
    ("validation: {surprise: 1}", "validation: unknown key 'surprise'"),
    ("validation: {lang: de}", "validation.lang: 'de' is not one of 'en', 'fr'"),
    ("validation: {date_tolerance_days: -1}", "validation.date_tolerance_days: -1 is less than the minimum of 0"),
    ("validation: {outliers: {quantile: 2}}", "validation.outliers.quantile: 2 is greater than the maximum of 1"),
    ("validation: {code_lists: {service: services.csv}}", "validation.code_lists.service: 'service' is not a field"),
])
def test_a_wrong_key_or_value_is_named(tmp_path, section, message):
    with pytest.raises(ProfileError) as e:
        load_profile(write(tmp_path, section + "\n"))
    assert message in str(e.value) and str(tmp_path / "profile.yaml") in str(e.value)


def test_a_code_list_that_cannot_be_read_is_the_profiles_fault(staged):
    missing = DOMAIN_PROFILE + "validation: {code_lists: {expense_code: nowhere.csv}}\n"
    with pytest.raises(ProfileError, match=r"validation.code_lists.expense_code: no such file .*nowhere.csv"):
        staged(HEADER + "Parks,A,,03/05/2024,10.00,,6042\n", profile_text=missing).validate()
