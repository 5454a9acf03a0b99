"""The app's two languages (locales/*.toml, app_i18n) and its locale-aware formats
(app_format): every message exists in both languages with the same placeholders, and numbers,
money, dates and percentages follow each locale's conventions."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app_format import (
    NBSP,
    NNBSP,
    apportion,
    format_change,
    format_count,
    format_date,
    format_datetime,
    format_money,
    format_percent,
    format_period,
    squarify,
)
from app_i18n import LANGS, Translator, messages, normalise_lang
from etl.redact.policy import REASONS

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    en, fr = messages("en"), messages("fr")
    assert set(en) == set(fr)
    for key in en:
        a, b = en[key], fr[key]
        assert type(a) is type(b), key
        if isinstance(a, dict):
            assert set(a) == set(b) == {"one", "other"}, key
            for form in a:
                assert _fields(a[form]) == _fields(b[form]), (key, form)
        else:
            assert _fields(a) == _fields(b), key


COUNTS = {"n", "shown"}  # placeholders that take a count: its noun must agree with it


@pytest.mark.parametrize("lang", LANGS)
def test_a_message_with_a_count_is_a_plural(lang: str) -> None:
    """'1 affichés', 'ces 1 lignes': a count read into a plain message cannot agree with it."""
    plain = [key for key, text in messages(lang).items()
             if isinstance(text, str) and _fields(text) & COUNTS]
    assert plain == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_redaction_reason_has_a_label(lang: str) -> None:
    """The Data page shows a reason, never its code ('sensitive-expense')."""
    T = Translator(lang)
    for code in (*REASONS, "unspecified"):  # unspecified: agg_by_redaction's default
        assert code not in T(f"data.reasons.{code}")


@pytest.mark.parametrize("lang", LANGS)
def test_amount_placeholders_fit_their_narrow_inputs(lang: str) -> None:
    """The amount inputs sit in narrow columns beside their +/- buttons: about 8 characters
    show ('no minimu', 'pas de mi…' were cut)."""
    T = Translator(lang)
    assert all(len(T(f"payments.{key}")) <= 8 for key in ("no_min", "no_max"))


def test_every_key_the_pages_use_exists() -> None:
    used: set[str] = set()
    sources = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    for path in sources:
        used |= set(re.findall(r'T(?:\.plural)?\(\s*"([a-z_.-]+)"', path.read_text()))
    known = set(messages("en"))
    assert used and not used - known, used - known


def test_translator() -> None:
    T = Translator("fr")
    assert T("nav.where") == "Où va l'argent"
    assert T("common.total_in", currency="EUR") == "Total (EUR)"
    assert T.plural("payments.n", 1) == "1 paiement"
    assert T.plural("payments.n", 0) == "0 paiement"
    assert T.plural("payments.n", 1234) == f"1{NNBSP}234 paiements"
    E = Translator("en")
    assert E.plural("payments.n", 0) == "0 payments"
    assert E.plural("payments.n", 1) == "1 payment"
    assert Translator("xx").lang == "en"
    with pytest.raises(KeyError):
        E("no.such.key")


@pytest.mark.parametrize(("value", "lang"), [("fr-FR", "fr"), ("FR_ca", "fr"), ("en-GB", "en"),
                                             ("de", "en"), (None, "en"), ("", "en")])
def test_normalise_lang(value, lang) -> None:
    assert normalise_lang(value) == lang


@pytest.mark.parametrize(
    ("amount", "currency", "lang", "text"),
    [
        (Decimal("1234.56"), "GBP", "en", "£1,234.56"),
        (Decimal("1234.56"), "EUR", "fr", f"1{NNBSP}234,56{NBSP}€"),
        (Decimal("1234.56"), "EUR", "en", "€1,234.56"),
        (Decimal("1234.56"), "GBP", "fr", f"1{NNBSP}234,56{NBSP}£"),
        (Decimal("-1234567.5"), "EUR", "fr", f"-1{NNBSP}234{NNBSP}567,50{NBSP}€"),
        (Decimal("-120"), "GBP", "en", "-£120.00"),
        (Decimal("0.1") + Decimal("0.2"), "GBP", "en", "£0.30"),
        (Decimal("99999999999999.99"), "USD", "en", "$99,999,999,999,999.99"),
        (Decimal("5"), "CHF", "en", "CHF 5.00"),
        (Decimal("5"), "CHF", "fr", f"5,00{NBSP}CHF"),
        (Decimal("0.005"), "EUR", "fr", f"0,01{NBSP}€"),  # half up, as accountants round
        (None, "GBP", "en", ""),
        # lang=None: the currency's home convention
        (Decimal("1234.56"), "EUR", None, f"1{NNBSP}234,56{NBSP}€"),
        (Decimal("1234.56"), "USD", None, "$1,234.56"),
    ],
)
def test_format_money(amount, currency, lang, text) -> None:
    assert format_money(amount, currency, lang) == text


def test_other_formats() -> None:
    assert format_count(1234567, "en") == "1,234,567"
    assert format_count(1234567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert format_percent(Decimal("0.1234"), "en") == "12.3%"
    assert format_percent(Decimal("0.1234"), "fr") == f"12,3{NNBSP}%"
    assert format_change(Decimal("0.05"), "en") == "+5.0%"
    assert format_change(Decimal("-0.05"), "fr") == f"-5,0{NNBSP}%"
    assert format_date(date(2012, 6, 8), "en") == "8 June 2012"
    assert format_date(date(2012, 6, 1), "fr") == "1er juin 2012"
    assert format_datetime(datetime(2024, 4, 2, 10, 30), "fr") == "2 avril 2024 à 10:30"
    assert format_period("2012-06", "fr") == "juin 2012"
    assert format_period("2012-02", "en", short=True) == "Feb 2012"


def test_squarify_tiles_the_whole_rectangle_in_proportion() -> None:
    values = [50, 25, 12, 8, 3, 2]
    rects = squarify(values, width=100, height=60)
    assert len(rects) == len(values)
    total = sum(values)
    for (x, y, w, h), v in zip(rects, values, strict=True):
        assert w * h == pytest.approx(6000 * v / total)
        assert 0 <= x and x + w <= 100 + 1e-9 and 0 <= y and y + h <= 60 + 1e-9
    assert squarify([]) == [] and squarify([0, 0]) == []


def test_apportion_shares_an_amount_out_to_the_cent() -> None:
    """The parts add up to the whole, each within a cent of its exact share."""
    thirds = apportion(Decimal("1000"), [Decimal(1)] * 3)
    assert thirds == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    weights = [Decimal("620000.00"), Decimal("233333.33"), Decimal("0.01"), Decimal("7")]
    for total in (Decimal("1"), Decimal("999.99"), Decimal("1234.56"), Decimal("0")):
        parts = apportion(total, weights)
        assert sum(parts) == total
        assert all(abs(p - total * w / sum(weights)) < Decimal("0.01")
                   for p, w in zip(parts, weights, strict=True))
    assert apportion(Decimal("5"), []) == []


def test_both_locale_files_parse() -> None:
    for lang in LANGS:
        assert messages(lang)["nav.overview"]
