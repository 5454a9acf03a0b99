"""A validation Report for people and machines: terminal table, JSON, Markdown and HTML.

Every text comes from the message templates (messages/en.yaml, messages/fr.yaml), chosen with
`lang`. The Markdown and HTML reports are self-contained, for finance staff to forward.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from . import messages
from .report import CodeSummary, Issue, Report

if TYPE_CHECKING:
    from rich.table import Table


@dataclass(frozen=True)
class Section:
    """Facts shown beside the issues (the files read, the totals loaded), so that a report
    forwarded alone shows what was checked: a table (title, headers and cells in the report's
    language) in the terminal, Markdown and HTML, and raw values under `key` in JSON."""

    key: str
    title: str
    columns: tuple[str, ...]
    right: tuple[bool, ...]                # which columns hold figures (aligned right)
    rows: tuple[tuple[str, ...], ...]
    records: tuple[dict[str, Any], ...]


def rich_section(section: Section) -> Table:
    """The section as a terminal table; a narrow terminal folds a cell rather than cutting it, so
    that no figure is ever hidden."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=section.title, title_justify="left")
    for column, right in zip(section.columns, section.right):
        table.add_column(column, overflow="fold", justify="right" if right else "left")
    for row in section.rows:
        table.add_row(*(Text(cell) for cell in row))   # a file named "[b].csv" is text, not markup
    return table


def _verdict(report: Report, lang: str) -> str:
    if report.ok:
        return messages.label("valid", lang)
    text = messages.label("invalid", lang, errors=messages.counted("errors", report.error_count, lang),
                          warnings=messages.counted("warnings", report.warning_count, lang))
    if report.blocks_publish:
        return f"{text} {messages.label('blocked', lang)}"
    if report.quarantine and report.rejected_rows:
        return f"{text} {messages.counted('quarantined', report.rejected_rows, lang)}"
    return text


def _column(e: Issue) -> str:
    if e.field and e.column and e.column != e.field:
        return f"{e.field} [{e.column}]"
    return e.field or e.column or ""


def to_json(report: Report, lang: str = messages.DEFAULT_LANG, sections: Sequence[Section] = ()) -> str:
    doc = report.to_dict(lang)
    doc["summary"] = _verdict(report, lang)
    doc.update({s.key: list(s.records) for s in sections})
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def rich_table(report: Report, lang: str = messages.DEFAULT_LANG) -> Table:
    """One row per issue type: code and title, severity, count, and the first examples as
    `file:line  column  value: reason`. The CLI prints it in place of its own table."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=messages.label("report_title", lang), title_justify="left", caption=_verdict(report, lang),
                  caption_justify="left")
    table.add_column(messages.label("code", lang), overflow="fold")
    table.add_column(messages.label("severity", lang))
    table.add_column(messages.label("count", lang), justify="right")
    example = messages.label("colon", lang, before=messages.label("value", lang), after=messages.label("reason", lang))
    table.add_column(f"{messages.label('examples', lang)} ({messages.label('location', lang)}, "
                     f"{messages.label('column', lang)}, {example})", overflow="fold")
    for s in report.summaries:
        lines = []
        for e in s.examples:
            cell = " ".join(part for part in (_column(e), repr(e.value) if e.value is not None else "") if part)
            reason = messages.label("colon", lang, before=cell, after=e.message(lang)) if cell else e.message(lang)
            lines.append(f"{e.location()}  {reason}")
        if s.count > len(s.examples):
            lines.append(messages.label("more", lang, count=messages.number(s.count - len(s.examples), lang)))
        style = "bold red" if s.severity == "error" else "yellow"
        table.add_row(Text(f"{s.code}\n{s.title_in(lang)}"), Text(messages.label(s.severity, lang), style=style),
                      messages.number(s.count, lang), Text("\n".join(lines)))
    return table


def _titled(s: CodeSummary, lang: str) -> str:
    """An issue type's code and title, joined as the language writes a colon."""
    return messages.label("colon", lang, before=s.code, after=s.title_in(lang))


def _md(text: object) -> str:
    """A text as it reads, inside a Markdown table cell: no markup or HTML of its own (a cell of the
    source file is anyone's text), no line break."""
    text = html.escape(str(text if text is not None else ""), quote=False)
    return re.sub(r"([\\`*|])", r"\\\1", text).replace("](", "]\\(").replace("\n", " ")


def to_markdown(report: Report, lang: str = messages.DEFAULT_LANG, title: str | None = None,
                sections: Sequence[Section] = ()) -> str:
    out = [f"# {title or messages.label('report_title', lang)}", "", _verdict(report, lang), ""]
    for section in sections:
        out += [f"## {section.title}", "", "| " + " | ".join(_md(c) for c in section.columns) + " |",
                "|" + "|".join("---:" if right else "---" for right in section.right) + "|"]
        out += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in section.rows]
        out.append("")
    if report.summaries:
        out += [f"## {messages.label('issues', lang)}", "",
                f"| {messages.label('code', lang)} | {messages.label('severity', lang)} | "
                f"{messages.label('count', lang)} |", "|---|---|---:|"]
        out += [f"| {_md(_titled(s, lang))} | {messages.label(s.severity, lang)} | "
                f"{messages.number(s.count, lang)} |"
                for s in report.summaries]
        out.append("")
    for s in report.summaries:
        out += [f"## {_titled(s, lang)} ({messages.number(s.count, lang)})", "",
                f"| {messages.label('location', lang)} | {messages.label('column', lang)} | "
                f"{messages.label('value', lang)} | {messages.label('reason', lang)} |", "|---|---|---|---|"]
        out += [f"| {_md(e.location())} | {_md(_column(e))} | {_md(e.value)} | {_md(e.message(lang))} |"
                for e in s.examples]
        if s.count > len(s.examples):
            out += ["", messages.label("more", lang, count=messages.number(s.count - len(s.examples), lang))]
        out.append("")
    out.append(f"_{messages.label('generated', lang)}_")
    return "\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;margin:0 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.error{color:#b00020;font-weight:bold}.warning{color:#8a5a00}td.n{text-align:right}"""


def to_html(report: Report, lang: str = messages.DEFAULT_LANG, title: str | None = None,
            sections: Sequence[Section] = ()) -> str:
    e_ = html.escape
    heading = title or messages.label("report_title", lang)
    parts = [f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{e_(heading)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{e_(heading)}</h1>", f"<p>{e_(_verdict(report, lang))}</p>"]
    for section in sections:
        parts.append(f"<h2>{e_(section.title)}</h2><table><tr>"
                     + "".join(f"<th>{e_(c)}</th>" for c in section.columns) + "</tr>")
        parts += ["<tr>" + "".join(f"<td class=\"n\">{e_(cell)}</td>" if right else f"<td>{e_(cell)}</td>"
                                   for cell, right in zip(row, section.right)) + "</tr>" for row in section.rows]
        parts.append("</table>")
    if report.summaries:
        parts.append(f"<h2>{e_(messages.label('issues', lang))}</h2>")
        parts.append(f"<table><tr><th>{e_(messages.label('code', lang))}</th><th>{e_(messages.label('severity', lang))}"
                     f"</th><th>{e_(messages.label('count', lang))}</th></tr>")
        for s in report.summaries:
            code = f"<a href=\"#{e_(s.code)}-{e_(s.severity)}\">{e_(s.code)}</a>"
            parts.append(f"<tr><td>{messages.label('colon', lang, before=code, after=e_(s.title_in(lang)))}</td>"
                         f"<td class=\"{e_(s.severity)}\">{e_(messages.label(s.severity, lang))}</td>"
                         f"<td class=\"n\">{e_(messages.number(s.count, lang))}</td></tr>")
        parts.append("</table>")
    for s in report.summaries:
        parts.append(f"<h2 id=\"{e_(s.code)}-{e_(s.severity)}\">{e_(_titled(s, lang))} "
                     f"({e_(messages.number(s.count, lang))})</h2>")
        parts.append("<table><tr>" + "".join(f"<th>{e_(messages.label(k, lang))}</th>"
                                             for k in ("location", "column", "value", "reason")) + "</tr>")
        for e in s.examples:
            parts.append(f"<tr><td>{e_(e.location())}</td><td>{e_(_column(e))}</td>"
                         f"<td>{e_(e.value if e.value is not None else '')}</td><td>{e_(e.message(lang))}</td></tr>")
        parts.append("</table>")
        if s.count > len(s.examples):
            parts.append(f"<p>{e_(messages.label('more', lang, count=messages.number(s.count - len(s.examples), lang)))}</p>")
    parts.append(f"<p><small>{e_(messages.label('generated', lang))}</small></p></body></html>")
    return "\n".join(parts) + "\n"


def _json_file(report: Report, lang: str = messages.DEFAULT_LANG, title: str | None = None,
               sections: Sequence[Section] = ()) -> str:
    return to_json(report, lang, sections) + "\n"


# A report file's format, by its suffix.
FILE_FORMATS = {".md": to_markdown, ".html": to_html, ".json": _json_file}


def for_file(report: Report, suffix: str, lang: str = messages.DEFAULT_LANG, title: str | None = None,
             sections: Sequence[Section] = ()) -> str:
    """The report in the format a file's suffix names (FILE_FORMATS)."""
    render = FILE_FORMATS.get(suffix.lower())
    if render is None:
        raise ValueError(f"no report format for {suffix!r} (formats: {', '.join(FILE_FORMATS)})")
    return render(report, lang, title, sections)
