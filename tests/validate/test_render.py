"""Reports for people and machines, in English and French, from the message templates."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from rich.console import Console

import etl.terminal  # noqa: F401  (the command line's Rich set-up: no break at a no-break space)
from etl.errors import REFUSAL_CODE
from etl.validate import messages, render
from etl.validate.policy import DEFAULT_SEVERITY
from etl.validate.report import CODE_LIST, Issue, Report, CodeSummary

HEADER = "Department,Supplier,Company,Date,Amount,COFOG,Account\n"


def sample_report() -> Report:
    issue = Issue(code="constraint-error", severity="error", file="spend.csv", line=7, field="supplier_name",
                  column="Supplier", value="<b>A|B</b>", reason="is required but empty", constraint="required")
    typed = Issue(code="type-error", severity="error", file="spend.csv", line=9, field="payment_date",
                  column="Date", value="31/02/2024", reason="is not a date in the format %d/%m/%Y",
                  params=(("expected_key", "expected.date"), ("formats", "%d/%m/%Y")))
    late = Issue(code="date-outside-period", severity="warning", file="spend.csv", line=3, field="payment_date",
                 column="Date", value="2024-01-01", reason="is 121 days outside 2024-05 (tolerance 31 days)",
                 params=(("days", "121"), ("period", "2024-05"), ("tolerance", "31")))
    return Report(summaries=[CodeSummary("constraint-error", "error", 12, [issue]),
                             CodeSummary("type-error", "error", 1, [typed]),
                             CodeSummary("date-outside-period", "warning", 1, [late])],
                  records=20, rejected_rows=13)


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_every_code_has_a_title_and_a_message_in_every_language(lang):
    english = messages.catalog("en")
    for code in set(CODE_LIST) | set(DEFAULT_SEVERITY):
        assert messages.title(code, lang) != code and messages.template(code, lang) != code, (lang, code)
    catalog = messages.catalog(lang)
    assert set(catalog) == set(english)
    for key, entry in english.items():
        if key in ("_labels", "_cli"):   # the same words, with the same placeholders (in each plural form)
            assert set(catalog[key]) == set(entry), key
            for name, text_en in entry.items():
                forms_en = text_en if isinstance(text_en, dict) else {"": text_en}
                forms = catalog[key][name] if isinstance(catalog[key][name], dict) else {"": catalog[key][name]}
                assert set(forms) == set(forms_en), (key, name)
                for form, text in forms.items():
                    assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", forms_en[form])), name
            continue
        ours = catalog[key]
        text_en = entry.get("message", "") if isinstance(entry, dict) else entry
        text = ours.get("message", "") if isinstance(ours, dict) else ours
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", text_en)), key


def test_numbers_are_written_the_languages_way():
    assert messages.number(Decimal("40292334.84"), "en", decimals=2) == "40,292,334.84"
    assert messages.number(Decimal("40292334.84"), "fr", decimals=2) == "40\u202f292\u202f334,84"
    assert messages.number(Decimal("-0.5"), "fr", decimals=2) == "-0,50"
    assert messages.counted("errors", 1234, "fr") == "1\u202f234 erreurs" and messages.counted("errors", 1, "fr") == "1 erreur"
    assert messages.counted("errors", 0, "fr") == "0 erreur" and messages.counted("errors", 0, "en") == "0 errors"


def test_catalogs_have_no_repeated_keys():
    """YAML keeps the last of two equal keys without a word: a repeated key loses a message."""
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        keys = [loader.construct_object(k) for k, _ in node.value]
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    for lang in messages.LANGUAGES:
        yaml.load((messages.MESSAGES_DIR / f"{lang}.yaml").read_text(encoding="utf-8"), Strict)


def test_markdown_in_both_languages(tmp_path):
    report = sample_report()
    en = render.to_markdown(report, "en")
    assert en.startswith("# Validation report") and "13 errors and 1 warning. The publish is refused" in en
    assert "| spend.csv:7 | supplier_name [Supplier] | &lt;b&gt;A\\|B&lt;/b&gt; | is required but empty |" in en
    assert "… and 11 more" in en
    fr = render.to_markdown(report, "fr")
    assert "# Rapport de validation" in fr and "est obligatoire mais vide" in fr and "13 erreurs et 1 avertissement." in fr
    assert "n'est pas une date au format %d/%m/%Y" in fr and "est à 121 jours hors de 2024-05" in fr
    assert "is required" not in fr


def test_a_cells_markup_is_shown_in_markdown_not_rendered():
    value = "<img src=x onerror=alert(1)> `rm` **7** [here](http://example.org) a\\b"
    issue = Issue(code="type-error", severity="error", file="spend.csv", line=2, field="amount",
                  column="Amount", value=value, reason="is not an amount")
    md = render.to_markdown(Report(summaries=[CodeSummary("type-error", "error", 1, [issue])], records=1,
                                   rejected_rows=1), "en")
    assert ("| &lt;img src=x onerror=alert(1)&gt; \\`rm\\` \\*\\*7\\*\\* [here]\\(http://example.org) a\\\\b |"
            in md), md


def test_html_is_escaped_and_self_contained():
    html = render.to_html(sample_report(), "fr", title="Ville <de> Test")
    assert html.startswith("<!doctype html>") and '<html lang="fr">' in html
    assert "&lt;b&gt;A|B&lt;/b&gt;" in html and "<b>A|B</b>" not in html
    assert "Ville &lt;de&gt; Test" in html and "avertissement" in html


def test_json_for_machines():
    doc = json.loads(render.to_json(sample_report(), "fr"))
    assert doc["valid"] is False and doc["errors"] == 13 and doc["blocks_publish"] is True
    assert doc["issues"][0]["title"] == "une valeur enfreint une contrainte du schéma"
    assert doc["issues"][0]["examples"][0]["reason"] == "est obligatoire mais vide"


def test_terminal_table_grouped_by_type():
    console = Console(width=200, record=True)
    console.print(render.rich_table(sample_report(), "en"))
    text = console.export_text()
    assert "constraint-error" in text and "spend.csv:7  supplier_name [Supplier] '<b>A|B</b>': is required" in text
    assert "… and 11 more" in text and text.index("constraint-error") < text.index("date-outside-period")


def test_a_colon_is_written_the_languages_way_in_every_format():
    """French puts a no-break space before a colon: between a code and its title, a value and its reason."""
    report = sample_report()
    console = Console(width=200, record=True)
    console.print(render.rich_table(report, "fr"))
    terminal = console.export_text()
    assert "(fichier:ligne, colonne, valeur\u00a0: motif)" in terminal
    assert "spend.csv:7  supplier_name [Supplier] '<b>A|B</b>'\u00a0: est obligatoire" in terminal
    markdown = render.to_markdown(report, "fr")
    assert "| type-error\u00a0: une valeur ne peut pas être lue dans le type du champ | erreur | 1 |" in markdown
    assert "## type-error\u00a0: une valeur ne peut pas être lue dans le type du champ (1)" in markdown
    html = render.to_html(report, "fr")
    assert '<tr><td><a href="#type-error-error">type-error</a>\u00a0: une valeur ne peut pas' in html
    assert '<h2 id="type-error-error">type-error\u00a0: une valeur' in html
    english = render.to_markdown(report, "en")
    assert "## type-error: a value cannot be read as the field's type (1)" in english
    for text in (terminal, markdown, html):
        assert not re.search(r"\w: ", text.replace("fichier:ligne", "")), "an English colon in French"
        assert not re.search(r" [:;!?]", text), "a French mark a line break could separate from its word"


def test_a_french_table_never_starts_a_line_with_a_colon():
    """However narrow the terminal, the table wraps a French reason before the word the colon follows,
    never between them."""
    report = sample_report()
    for width in range(60, 130):
        console = Console(width=width, record=True)
        console.print(render.rich_table(report, "fr"))
        cells = [cell.strip() for line in console.export_text().splitlines() for cell in re.split("[│┃]", line)]
        assert not [cell for cell in cells if cell[:1] in (":", ";")], width


def test_a_real_run_renders_in_french(staged):
    run = staged(HEADER + "Parks,A,1234567,31/02/2024,10.00,99,\n")
    md = render.to_markdown(run.validate(), "fr")
    for expected in ("n'est pas un numéro d'entreprise britannique", "n'est pas une date au format %d/%m/%Y",
                     "n'est pas un code de COFOG"):
        assert expected in md


def test_sections_of_facts_render_in_every_format():
    files = render.Section(key="files", title="Files", columns=("file", "rows"), right=(False, True),
                           rows=(("a|<b>[b].csv", "1,234"),), records=({"file": "a|<b>.csv", "rows": 1234},))
    md = render.to_markdown(sample_report(), "en", sections=[files])
    assert "## Files\n\n| file | rows |\n|---|---:|\n| a\\|&lt;b&gt;[b].csv | 1,234 |" in md
    assert md.index("## Files") < md.index("## Issues found")
    page = render.to_html(sample_report(), "en", sections=[files])
    assert '<td>a|&lt;b&gt;[b].csv</td><td class="n">1,234</td>' in page
    assert json.loads(render.to_json(sample_report(), "en", [files]))["files"] == [{"file": "a|<b>.csv", "rows": 1234}]
    console = Console(width=80, record=True)
    console.print(render.rich_section(files))
    shown = console.export_text()
    assert "a|<b>[b].csv" in shown and "1,234" in shown


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_figures_in_reasons_are_written_the_languages_way_by_both_renderers(lang):
    """A reason rendered in SQL (the issue list, the quarantine file, English reports) reads as the
    one rendered in Python (reports in other languages): figures with the language's separators."""
    con = duckdb.connect()
    figures = {"loaded": "-40292334.84", "stated": "0.50", "threshold": "123456.70", "ratio": "1234.5",
               "dated": "3155", "history": "12", "days": "1000"}
    for code in CODE_LIST:
        names = set(re.findall(r"\{(\w+)\}", messages.template(code, lang)))
        params = {n: figures.get(n, "x") for n in names}
        sql = messages.render_sql(code, {n: f"'{v}'" for n, v in params.items()}, lang)
        assert con.execute(f"select {sql}").fetchone()[0] == messages.render(code, params, lang), code
    shown = messages.render("total-mismatch", {"loaded": "-40292334.84", "stated": "0.50", "source": "x"}, lang)
    assert shown == {"en": "the rows add up to -40,292,334.84, not to 0.50 (x)",
                     "fr": "les lignes totalisent -40\u202f292\u202f334,84 et non 0,50 (x)"}[lang]


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_every_refusal_the_code_raises_has_its_sentence_in_every_language(lang):
    """Each kind of file refused as a whole (InputError.refusal) has a template in each language,
    with the English one's parameters, rendered alike in Python and in SQL (the issue list)."""
    raised = set()
    for source in Path(etl.__file__).parent.rglob("*.py"):
        raised |= set(re.findall(r'InputError\.refusal\(\s*"([a-z0-9-]+)"', source.read_text(encoding="utf-8")))
        raised |= set(re.findall(r'"(no-header-(?:closest|none)|mixed-encodings-(?:bom|utf8))"',
                                 source.read_text(encoding="utf-8")))
    templated = {key.split(".", 1)[1] for key, entry in messages.catalog("en").items()
                 if key.startswith(f"{REFUSAL_CODE}.") and isinstance(entry, dict)}
    assert len(raised) >= 20 and raised <= templated, raised - templated
    con = duckdb.connect()
    for kind in templated:
        names = set(re.findall(r"\{(\w+)\}", messages.template(REFUSAL_CODE, "en", kind)))
        assert set(re.findall(r"\{(\w+)\}", messages.template(REFUSAL_CODE, lang, kind))) == names, kind
        params = {n: "1234" for n in names}
        sql = messages.render_sql(REFUSAL_CODE, {n: f"'{v}'" for n, v in params.items()}, lang, kind)
        assert con.execute(f"select {sql}").fetchone()[0] == messages.render(REFUSAL_CODE, params, lang, kind)
