"""Every search box and filter of the app, typed into with SQL-injection strings: no error, and no
row beyond what the filter allows (the warehouse is only ever queried with bound parameters)."""

from __future__ import annotations

import pytest

from tests.app_fixtures import WESTMINSTER
from tests.test_app import app_home, metrics, run_app, shared_home, sql  # noqa: F401 (fixtures)

ATTACKS = [
    "'; drop table spending; --",
    "' or 1=1 --",
    "%' or '%'='",
    "\" or \"\"=\"",
    "1); delete from spending where (1=1",
    "x' union select * from releases --",
    "%",
    "_",
    "\\",
    "'||(select current_setting('threads'))||'",
]


def matching(home, needle: str) -> int:
    """Payments whose shown supplier or text really contains the string, literally."""
    return sql(home, "select count(*) from spending where publisher_id = ? and ("
                     "contains(lower(coalesce(department, '')), lower(?)) or contains(lower(coalesce(expense_type, '')), lower(?)) "
                     "or contains(lower(coalesce(purpose, '')), lower(?)) "
                     "or contains(lower(case when is_redacted then 'Redacted – personal data' else coalesce(supplier_name, '') end), lower(?)))",
               [WESTMINSTER, needle, needle, needle, needle])[0][0]


@pytest.mark.parametrize("attack", ATTACKS)
def test_payment_boxes(app_home, attack):
    rows_before = sql(app_home, "select count(*) from spending")[0][0]
    at = run_app("payments", publisher=WESTMINSTER)
    for box in at.text_input:           # free text and supplier
        box.set_value(attack)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = int(metrics(at)["Matching payments"].replace(",", ""))
    assert shown <= matching(app_home, attack)
    at = run_app("payments", publisher=WESTMINSTER, min=attack, max=attack)  # number boxes from the URL
    assert not at.exception
    assert sql(app_home, "select count(*) from spending")[0][0] == rows_before


@pytest.mark.parametrize("attack", ATTACKS)
def test_supplier_search(app_home, attack):
    at = run_app("suppliers", publisher=WESTMINSTER)
    for box in at.text_input:
        box.set_value(attack)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for frame in at.dataframe:
        assert len(frame.value) <= matching(app_home, attack)
