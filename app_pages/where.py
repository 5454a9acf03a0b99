"""Where the money goes: a drill-down by function (COFOG division), then department, then
expense type, drawn as a treemap (or, past `TILES` parts, as bars of the largest), with the same
figures in a table. The path chosen is kept in the URL (``?function=09&department=Education``)."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

import app_data
from app_format import squarify
from app_i18n import Translator
from app_pages import _shared as ui

ALL = ""  # selectbox option meaning "no choice at this level"
TILES = 20  # parts a treemap shows; past it, tiles too small to read: bars of the largest
OTHERS_COLOUR = "#BBBBBB"
TREEMAP_PX = 420
WIDE, HIGH = 100, 60  # the treemap's units (TREEMAP_PX / HIGH pixels each, upright)
LINE_PX = 15  # a line of 12 px text
DARK = {"#0072B2", "#000000"}  # white text on these, black elsewhere (contrast >= 4.5:1)


def _key_option(key: str | None) -> str:
    return ui.NOT_STATED_KEY if key is None else key


def _option_key(option: str) -> str | None:
    return None if option == ui.NOT_STATED_KEY else option


def _labels(df: pd.DataFrame, T: Translator) -> dict[str, str]:
    column = "label_fr" if T.lang == "fr" else "label_en"
    out = {}
    for key, label in zip(df["key"], df[column], strict=True):
        option = _key_option(key)
        if key is None:
            out[option] = T("common.not_stated")
        elif label != key:
            out[option] = f"{key} {label}"
        else:
            out[option] = str(label)
    return out


def _level_picker(T: Translator, df: pd.DataFrame, level: str, key: str) -> str | None | bool:
    """A selectbox over the level's keys. Returns the chosen key (None = not stated), or False
    when nothing is chosen at this level."""
    labels = _labels(df, T)
    options = [ALL, *dict.fromkeys(_key_option(k) for k in df["key"])]
    choice = ui.url_choice(
        st.selectbox, T(f"where.pick.{level}"), options, param=key,
        format_func=lambda o: T(f"where.all.{level}") if o == ALL else labels.get(o, o),
    )
    if not choice:
        return False
    return _option_key(choice)


def render(T: Translator, scope: ui.Scope) -> None:
    pid, year = scope.publisher_id, scope.year
    st.title(T("where.title"))
    st.caption(T("where.intro", name=scope.publisher.name, year=year))
    top = app_data.breakdown(pid, year, ())
    if not len(top):
        ui.no_payments(T, scope, T("common.no_payments_year", name=scope.publisher.name,
                                   year=year))
        return

    path: list[str | None] = []
    breadcrumb: list[str] = []
    pickers = st.columns(2)
    unclassified = bool(top["key"].isna().all())
    if unclassified:
        st.caption(T("where.no_cofog"))
        path.append(None)
    else:
        with pickers[0]:
            chosen = _level_picker(T, top, "cofog_division", "function")
        if chosen is not False:
            path.append(chosen)
            breadcrumb.append(_labels(top, T)[_key_option(chosen)])
    if path:
        departments = app_data.breakdown(pid, year, tuple(path))
        with pickers[0 if unclassified else 1]:
            chosen = _level_picker(T, departments, "department", "department")
        if chosen is not False:
            path.append(chosen)
            breadcrumb.append(_labels(departments, T)[_key_option(chosen)])

    rows = app_data.breakdown(pid, year, tuple(path))
    level = app_data.BREAKDOWN_LEVELS[len(path)]
    column = T(f"where.column.{level}")  # the parts' name: "Department"
    if breadcrumb:
        st.markdown(" › ".join([f"**{scope.publisher.name} {year}**", *breadcrumb]))
    if not len(rows):
        st.info(T("where.nothing_here"), icon=":material/info:")
        return
    labels = _labels(rows, T)
    for currency in sorted(set(rows["currency"])):
        part = rows[rows["currency"] == currency].reset_index(drop=True)
        names = [labels[_key_option(k)] for k in part["key"]]
        total = sum(part["total"], Decimal(0))
        st.subheader(T(f"where.by.{level}", currency=currency,
                       total=T.money(total, currency)))
        positive = [(n, t, p) for n, t, p in zip(names, part["total"], part["payments"],
                                                  strict=True) if t > 0]
        if len(positive) > TILES:
            _bars(T, positive, currency, column)
        elif positive:
            _treemap(T, positive, currency, column)
        shares = [(t / total if total else None) for t in part["total"]]
        table = pd.DataFrame({
            column: names,
            T("common.total"): [T.money(t, currency) for t in part["total"]],
            T("common.share"): [T.percent(s) for s in shares],
            T("common.payments"): [T.count(n) for n in part["payments"]],
        })
        ui.table(table, T, column.lower(), T("where.table_caption"))


Part = tuple[str, Decimal, int]  # name, total, payments


def _tooltip(T: Translator, column: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("name:N", title=column),
        alt.Tooltip("total:N", title=T("common.total")),
        alt.Tooltip("share:N", title=T("common.share")),
        alt.Tooltip("payments:N", title=T("common.payments")),
    ]


def _bars(T: Translator, positive: list[Part], currency: str, column: str) -> None:
    """The `TILES` largest parts as bars, the rest together as one grey bar after them."""
    rest = positive[TILES:]
    others = (T.plural("where.others", len(rest)), sum((t for _, t, _ in rest), Decimal(0)),
              sum(p for _, _, p in rest))
    shown = [*positive[:TILES], others]
    whole = sum((t for _, t, _ in positive), Decimal(0))
    df = pd.DataFrame({
        "name": [n for n, _, _ in shown],
        "value": ui.as_float([t for _, t, _ in shown]),
        "total": [T.money(t, currency) for _, t, _ in shown],
        "share": [T.percent(t / whole) for _, t, _ in shown],
        "payments": [T.count(p) for _, _, p in shown],
        "colour": [ui.colour(4)] * TILES + [OTHERS_COLOUR],
    })
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("name:N", title=None, sort=None, axis=alt.Axis(labelLimit=ui.label_limit(320))),
        x=alt.X("value:Q", title=T("common.total_in", currency=currency),
                axis=alt.Axis(format=",.0f")),
        color=alt.Color("colour:N", scale=None, legend=None),
        tooltip=_tooltip(T, column),
    ).properties(height=24 * len(df) + 40)
    ui.show_chart(chart, T.plural("where.bars_alt", TILES,
                                  level=column.lower(),
                                  name=df["name"].iloc[0], share=df["share"].iloc[0],
                                  others=others[0], others_share=df["share"].iloc[-1]), T)
    st.caption(T.plural("where.bars_caption", TILES, others=others[0],
                        total=df["total"].iloc[-1], share=df["share"].iloc[-1]))


def _tile_label(name: str, share: str, rect: tuple[float, float, float, float]) -> str:
    """The name wrapped to the tile's width, on as many lines as its height leaves above the
    share (the last line); cut with an ellipsis past them."""
    _, _, width, height = rect
    chars = max(4, int(width * 1.2))  # ~9 px per unit of width, ~7 px per character at 12 px
    lines = max(1, int((height * TREEMAP_PX / HIGH - 8) / LINE_PX) - 1)
    wrapped = textwrap.wrap(name, chars, max_lines=lines, placeholder="…") or [name[:chars]]
    return "\n".join([*wrapped, share])


def _treemap(T: Translator, shown: list[Part], currency: str, column: str) -> None:
    whole = sum((t for _, t, _ in shown), Decimal(0))
    rects = squarify([float(t) for _, t, _ in shown], width=WIDE, height=HIGH)
    colours = ui.palette(len(shown))
    df = pd.DataFrame({
        "name": [n for n, _, _ in shown],
        "x": [r[0] for r in rects], "x2": [r[0] + r[2] for r in rects],
        "y": [r[1] for r in rects], "y2": [r[1] + r[3] for r in rects],
        "cx": [r[0] + r[2] / 2 for r in rects], "cy": [r[1] + r[3] / 2 for r in rects],
        "big": [r[2] * r[3] > 60 and r[2] > 8 for r in rects],
        "total": [T.money(t, currency) for _, t, _ in shown],
        "share": [T.percent(t / whole) for _, t, _ in shown],
        "payments": [T.count(p) for _, _, p in shown],
        "colour": colours,
        "ink": ["#FFFFFF" if c in DARK else "#000000" for c in colours],
    })
    df["label"] = [_tile_label(n, share, r) for n, share, r in zip(df["name"], df["share"],
                                                                    rects, strict=True)]
    # Vega draws the first line at y and the others below it: centre the block by hand
    line_units = LINE_PX * HIGH / TREEMAP_PX
    df["ty"] = df["cy"] - (df["label"].str.count("\n")) * line_units / 2
    scale_x = alt.Scale(domain=[0, WIDE], nice=False, padding=0)
    scale_y = alt.Scale(domain=[0, HIGH], nice=False, padding=0, reverse=True)
    tooltip = _tooltip(T, column)
    base = alt.Chart(df)
    tiles = base.mark_rect(stroke="white", strokeWidth=2).encode(
        x=alt.X("x:Q", scale=scale_x, axis=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=scale_y, axis=None), y2="y2:Q",
        color=alt.Color("colour:N", scale=None, legend=None),
        tooltip=tooltip,
    )
    text = base.transform_filter("datum.big").mark_text(
        fontSize=12, align="center", baseline="middle", lineBreak="\n", lineHeight=LINE_PX,
        # each line cut to the tile's width in pixels, whatever the page's width
        limit=alt.expr(f"(datum.x2 - datum.x) / {WIDE} * width - 8"),
    ).encode(
        x=alt.X("cx:Q", scale=scale_x), y=alt.Y("ty:Q", scale=scale_y),
        text="label:N", color=alt.Color("ink:N", scale=None, legend=None), tooltip=tooltip,
    )
    chart = (tiles + text).properties(height=TREEMAP_PX)
    largest = df.iloc[0]
    ui.show_chart(
        chart,
        T.plural("where.chart_alt", len(df), level=column.lower(),
                 name=largest["name"], share=largest["share"]),
        T,
    )


ui.page(render)
