"""French punctuation spacing: no line break may separate a colon, a semicolon, a question or an
exclamation mark, or a guillemet from its word."""

from __future__ import annotations

import re

import app_i18n
from etl.numbers import NNBSP
from etl.typography import NBSP, french_spacing, typeset
from etl.validate import messages


def test_a_colon_gets_a_no_break_space_and_the_other_marks_a_narrow_one():
    assert french_spacing("Licence : {licence}") == f"Licence{NBSP}: {{licence}}"
    assert french_spacing("tronqué ; est-il complet ?") == f"tronqué{NNBSP}; est-il complet{NNBSP}?"
    assert french_spacing("Attention !") == f"Attention{NNBSP}!"
    assert french_spacing("comme « {label} »") == f"comme «{NNBSP}{{label}}{NNBSP}»"
    assert french_spacing("deux  :") == f"deux{NBSP}:"


def test_marks_without_a_space_before_them_are_left_alone():
    for text in ("fichier:ligne", "https://example.org/?a=1", "12:30", "[bold red]refusé:[/]"):
        assert french_spacing(text) == text


def test_only_french_is_typeset_and_nested_catalogs_all_through():
    catalog = {"a": "x : y", "b": {"one": "{n} ligne ; fin", "other": ["z ?"]}, "n": 3}
    assert typeset(catalog, "en") == catalog
    assert typeset(catalog, "fr") == {"a": f"x{NBSP}: y", "b": {"one": f"{{n}} ligne{NNBSP}; fin",
                                                                "other": [f"z{NNBSP}?"]}, "n": 3}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_french_message_of_the_command_line_the_reports_and_the_app_is_typeset():
    texts = list(_strings(messages.catalog("fr"))) + list(_strings(app_i18n.messages("fr")))
    assert any(NBSP + ":" in text for text in texts)
    assert not [text for text in texts if re.search(r" [:;!?»]|« ", text)]
    assert not [text for text in _strings(messages.catalog("en")) if NBSP in text or NNBSP in text]
