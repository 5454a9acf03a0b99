"""A validation Report for people and machines: terminal table, JSON, Markdown and HTML.

Every text comes from the message templates (messages/en.yaml, messages/fr.yaml), chosen with
`lang`. The Markdown and HTML reports are self-contained, for finance staff to forward.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

from . import messages
from .report import Issue, Report

if TYPE_CHECKING:
    from rich.table import Table


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


def to_json(report: Report, lang: str = messages.DEFAULT_LANG) -> str:
    doc = report.to_dict(lang)
    doc["summary"] = _verdict(report, lang)
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
    table.add_column(f"{messages.label('examples', lang)} ({messages.label('location', lang)}, "
                     f"{messages.label('column', lang)}, {messages.label('value', lang)}: "
                     f"{messages.label('reason', lang)})", overflow="fold")
    for s in report.summaries:
        lines = []
        for e in s.examples:
            cell = " ".join(part for part in (_column(e), repr(e.value) if e.value is not None else "") if part)
            lines.append(f"{e.location()}  {cell + ': ' if cell else ''}{e.message(lang)}")
        if s.count > len(s.examples):
            lines.append(messages.label("more", lang, count=messages.number(s.count - len(s.examples), lang)))
        style = "bold red" if s.severity == "error" else "yellow"
        table.add_row(Text(f"{s.code}\n{s.title_in(lang)}"), Text(messages.label(s.severity, lang), style=style),
                      messages.number(s.count, lang), Text("\n".join(lines)))
    return table


def _md(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report, lang: str = messages.DEFAULT_LANG, title: str | None = None) -> str:
    out = [f"# {title or messages.label('report_title', lang)}", "", _verdict(report, lang), ""]
    if report.summaries:
        out += [f"| {messages.label('code', lang)} | {messages.label('severity', lang)} | "
                f"{messages.label('count', lang)} |", "|---|---|---:|"]
        out += [f"| {s.code}: {_md(s.title_in(lang))} | {messages.label(s.severity, lang)} | {s.count:,} |"
                for s in report.summaries]
        out.append("")
    for s in report.summaries:
        out += [f"## {s.code}: {s.title_in(lang)} ({s.count:,})", "",
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


def to_html(report: Report, lang: str = messages.DEFAULT_LANG, title: str | None = None) -> str:
    e_ = html.escape
    heading = title or messages.label("report_title", lang)
    parts = [f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{e_(heading)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{e_(heading)}</h1>", f"<p>{e_(_verdict(report, lang))}</p>"]
    if report.summaries:
        parts.append(f"<table><tr><th>{e_(messages.label('code', lang))}</th><th>{e_(messages.label('severity', lang))}"
                     f"</th><th>{e_(messages.label('count', lang))}</th></tr>")
        for s in report.summaries:
            parts.append(f"<tr><td><a href=\"#{e_(s.code)}-{e_(s.severity)}\">{e_(s.code)}</a>: {e_(s.title_in(lang))}</td>"
                         f"<td class=\"{e_(s.severity)}\">{e_(messages.label(s.severity, lang))}</td>"
                         f"<td class=\"n\">{s.count:,}</td></tr>")
        parts.append("</table>")
    for s in report.summaries:
        parts.append(f"<h2 id=\"{e_(s.code)}-{e_(s.severity)}\">{e_(s.code)}: {e_(s.title_in(lang))} ({s.count:,})</h2>")
        parts.append("<table><tr>" + "".join(f"<th>{e_(messages.label(k, lang))}</th>"
                                             for k in ("location", "column", "value", "reason")) + "</tr>")
        for e in s.examples:
            parts.append(f"<tr><td>{e_(e.location())}</td><td>{e_(_column(e))}</td>"
                         f"<td>{e_(e.value if e.value is not None else '')}</td><td>{e_(e.message(lang))}</td></tr>")
        parts.append("</table>")
        if s.count > len(s.examples):
            parts.append(f"<p>{e_(messages.label('more', lang, count=f'{s.count - len(s.examples):,}'))}</p>")
    parts.append(f"<p><small>{e_(messages.label('generated', lang))}</small></p></body></html>")
    return "\n".join(parts) + "\n"


def _json_file(report: Report, lang: str = messages.DEFAULT_LANG, title: str | None = None) -> str:
    return to_json(report, lang) + "\n"


# A report file's format, by its suffix.
FILE_FORMATS = {".md": to_markdown, ".html": to_html, ".json": _json_file}


def for_file(report: Report, suffix: str, lang: str = messages.DEFAULT_LANG, title: str | None = None) -> str:
    """The report in the format a file's suffix names (FILE_FORMATS)."""
    render = FILE_FORMATS.get(suffix.lower())
    if render is None:
        raise ValueError(f"no report format for {suffix!r} (formats: {', '.join(FILE_FORMATS)})")
    return render(report, lang, title)
