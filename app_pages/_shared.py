"""What every page shares (not a page): the language and scope pickers of the sidebar, charts
with their text alternative, tables of money, links between pages.

The language, the public body and the year are widgets of ``app.py`` bound to the query string
(``?lang=fr&publisher=lambeth&year=2012``); each page adds its own bound filters, so the address
bar always holds the whole view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.errors import StreamlitAPIException

import app_data
from app_data import Publisher, WarehouseError
from app_format import OKABE_ITO, format_amount, parse_amount, vega_locale
from app_i18n import LANG_NAMES, LANGS, Translator, normalise_lang

LANG_KEY = "lang"
PUBLISHER_KEY = "publisher"
YEAR_KEY = "year"
FISCAL_YEAR_KEY = "fy"  # the budget pages' own year once; read only to keep old links working
FRAME_PARAMS = (LANG_KEY, PUBLISHER_KEY, YEAR_KEY)  # the sidebar's; every other one is a page's
SCOPE_STATE = "_scope"
LONG_TABLE = 25  # rows past which `table` folds into an expander
NOT_STATED_KEY = "~"  # a drill-down key meaning "not stated" (NULL) in widgets and URLs

# The pages, in menu order: URL path (= file name in app_pages/) -> icon. The root address
# opens the first.
PAGES: dict[str, str] = {
    "overview": ":material/dashboard:",
    "where": ":material/account_tree:",
    "over_time": ":material/show_chart:",
    "suppliers": ":material/storefront:",
    "payments": ":material/receipt_long:",
    "budget": ":material/balance:",
    "your_taxes": ":material/calculate:",
    "data": ":material/download:",
}


def page_file(slug: str) -> str:
    return f"app_pages/{slug}.py"


@dataclass(frozen=True)
class Scope:
    publisher: Publisher
    year: int
    publishers: tuple[Publisher, ...]

    @property
    def publisher_id(self) -> str:
        return self.publisher.publisher_id


# --------------------------------------------------------------------------- sidebar


def amount_box(T: Translator, label: str, *, key: str, placeholder: str | None = None,
               help: str | None = None) -> Decimal | None:
    """A box for an amount, kept in the URL as typed (``?<key>=``) and read by parse_amount the
    same way in every language: a number box reads '2,5' as 25 on a French page. A text that is
    no amount is said so under the box and counts as empty."""
    text = st.text_input(label, placeholder=placeholder, help=help, key=key, bind="query-params") or ""
    if not text.strip():
        return None
    try:
        return parse_amount(text)
    except ValueError:
        st.error(T("common.not_an_amount", text=text.strip()), icon=":material/error:")
        return None


def url_choice(widget: Callable[..., Any], label: str, options: Sequence[Any], *, param: str,
               index: int = 0, encode: Callable[[Any], str] = str, always: bool = False,
               **kwargs: Any) -> Any:
    """A choice widget (selectbox, radio, select_slider...) whose value is kept in the URL as
    ``?<param>=<encode(value)>``, while the widget shows ``format_func`` labels.

    (Streamlit's ``bind="query-params"`` would put the displayed label in the URL: a
    translated text, or a name instead of an id.) The default choice is left out of the URL
    unless `always`.
    A value in the URL that is not an option is ignored. The URL wins when it holds a value
    this widget did not write (a shared link, a link from another page); a URL without the
    parameter (Streamlit drops the query string when the menu changes page) keeps the choice."""
    options = list(options)
    codes = [encode(o) for o in options]
    key, last_key = f"_url_{param}", f"_url_{param}_written"
    in_url = st.query_params.get(param)
    if key not in st.session_state or encode(st.session_state[key]) not in codes:
        st.session_state[key] = options[codes.index(in_url)] if in_url in codes \
            else options[index]
    elif in_url is not None and in_url != st.session_state.get(last_key) and in_url in codes:
        st.session_state[key] = options[codes.index(in_url)]
    value = widget(label, options, key=key, **kwargs)
    code = encode(value)
    if value is None or (code == codes[index] and not always):
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != code:
        st.query_params[param] = code
    st.session_state[last_key] = st.query_params.get(param)
    return value


def language_picker() -> Translator:
    """English / Français, kept in the URL as ?lang=; the browser's language by default."""
    default = normalise_lang(getattr(st.context, "locale", None))
    lang = url_choice(
        st.sidebar.radio, "Language / Langue", LANGS, param=LANG_KEY,
        index=LANGS.index(default), format_func=LANG_NAMES.get, horizontal=True, always=True,
    )
    return Translator(lang or default)


def translator() -> Translator:
    return Translator(st.session_state.get(f"_url_{LANG_KEY}") or "en")


def scope_picker(T: Translator) -> Scope | None:
    """The public body and the year every page shows; None when nothing is published."""
    publishers = app_data.list_publishers()
    if not publishers:
        st.info(T("app.no_data"), icon=":material/info:")
        return None
    by_id = {p.publisher_id: p for p in publishers}
    publisher_id = url_choice(
        st.sidebar.selectbox, T("scope.publisher"), list(by_id), param=PUBLISHER_KEY,
        format_func=lambda pid: by_id[pid].name, always=True,
    )
    publisher = by_id[publisher_id or publishers[0].publisher_id]
    before = st.session_state.get(SCOPE_STATE)
    if before is not None and before.publisher_id != publisher.publisher_id:
        _forget_page_filters()
    years = sorted(set(publisher.years) | set(app_data.budget_years(publisher.publisher_id)),
                   reverse=True)
    year = url_choice(st.sidebar.selectbox, T("scope.year"), years, param=YEAR_KEY,
                      help=T("scope.year_help"), always=True)
    st.sidebar.caption(T("scope.share"))
    scope = Scope(publisher, int(year if year is not None else years[0]), tuple(publishers))
    st.session_state[SCOPE_STATE] = scope
    return scope


def _forget_page_filters() -> None:
    """Another body opens its pages unfiltered: the previous body's drill-down (?function=10,
    ?supplier=..., a search) would otherwise stay in the URL and in its widget, and quietly
    filter the new body's figures. A choice (`url_choice`) keeps its value under
    ``_url_<param>``; a widget bound to the URL under the parameter's name, and its parameter
    follows it: its text or list is emptied. A number typed (the reader's income, the tax they
    paid) is theirs, not a filter, and stays."""
    for param in [p for p in st.query_params if p not in FRAME_PARAMS]:
        typed = st.session_state.get(param)
        if isinstance(typed, (str, list)):
            st.session_state[param] = type(typed)()
        elif param in st.session_state:
            continue
        try:
            del st.query_params[param]
        except StreamlitAPIException:  # bound to its widget: follows the value emptied above
            pass
        for key in (f"_url_{param}", f"_url_{param}_written"):
            st.session_state.pop(key, None)


def scope() -> Scope:
    return st.session_state[SCOPE_STATE]


def page(render: Callable[[Translator, Scope], None]) -> None:
    """Run a page's body, turning a warehouse failure into one clear error message."""
    T = translator()
    try:
        render(T, scope())
    except WarehouseError as exc:
        st.error(str(exc), icon=":material/database_off:")


def budget_year(T: Translator, scope: Scope, years: list[int], slug: str) -> int | None:
    """The fiscal year a budget page shows: the sidebar's year, the one year of every page.
    None when that year has no budget: said so, with the years that have one and a button to
    the latest."""
    legacy = st.query_params.get(FISCAL_YEAR_KEY)
    if legacy is not None:  # links made when budget pages had their own year: ?fy=
        del st.query_params[FISCAL_YEAR_KEY]
        if legacy in {str(y) for y in years} and legacy != str(scope.year):
            st.query_params[YEAR_KEY] = legacy
            st.rerun()
    if scope.year in years:
        st.caption(T("budget.showing", year=scope.year))
        return scope.year
    latest = max(years)
    st.info(T("budget.no_year", name=scope.publisher.name, year=scope.year,
              years=_year_spans(T, years)), icon=":material/info:")
    st.button(T("budget.show_year", year=latest), key=f"{slug}-show-{latest}",
              on_click=choose_year, args=(latest,), icon=":material/event:")
    return None


def choose_year(year: int) -> None:
    """Sets the sidebar's year (a widget callback: it runs before the sidebar is drawn)."""
    st.session_state[f"_url_{YEAR_KEY}"] = year


def _year_spans(T: Translator, years: list[int]) -> str:
    """2012, 2013, 2014, 2020 -> '2012 to 2014 and 2020'."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and runs[-1][-1] == year - 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    spans = [str(r[0]) if len(r) == 1 else
             T("overview.span", start=r[0], end=r[-1]) for r in runs]
    return spans[0] if len(spans) == 1 else ", ".join(spans[:-1]) + T("common.and") + spans[-1]


# --------------------------------------------------------------------------- links


def _query(**params: Any) -> dict[str, str]:
    query = {LANG_KEY: translator().lang, PUBLISHER_KEY: scope().publisher_id}
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return query


def page_url(slug: str, **params: Any) -> str:
    """A relative URL of another page of the app, with its query string (language and body
    kept): for links inside tables."""
    return f"./{slug}?{urlencode(_query(**params))}"


def link(slug: str, label: str, icon: str | None = None, **params: Any) -> None:
    """A link to another page of the app, keeping the language and the body."""
    st.page_link(page_file(slug), label=label, icon=icon or PAGES[slug],
                 query_params=_query(**params))


BUDGET_PAGES = ("budget", "your_taxes")


def no_payments(T: Translator, scope: Scope, message: str) -> None:
    """Says that the body published no payments (`message`) and, when it publishes a budget
    (some bodies publish nothing else), links to the pages that show it."""
    st.info(message, icon=":material/info:")
    years = app_data.budget_years(scope.publisher_id)
    if not years:
        return
    st.markdown(T("common.budget_instead", name=scope.publisher.name))
    year = scope.year if scope.year in years else max(years)
    for slug in BUDGET_PAGES:
        link(slug, T(f"nav.{slug}"), year=year)


# --------------------------------------------------------------------------- charts and tables


def colour(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def palette(n: int) -> list[str]:
    return [colour(i) for i in range(n)]


def show_chart(chart: alt.TopLevelMixin, alt_text: str, T: Translator) -> None:
    """An Altair chart in the page's language, with its text alternative for screen readers
    (the same figures are always also given as a table next to it)."""
    st.altair_chart(chart.configure(locale=vega_locale(T.lang)), width="stretch", alt=alt_text)


def label_limit(widest: int) -> Any:
    """The width of a bar chart's labels: `widest` pixels, but no more than 40% of the chart,
    so that on a phone the bars keep most of the width (the whole names are in the tooltips
    and the table)."""
    return alt.expr(f"max(100, min({widest}, containerSize()[0] * 0.4))")


def month_labels(T: Translator, periods: Sequence[str]) -> str:
    """A Vega label expression writing 'YYYY-MM' axis values as months in the page's language
    ('juin 2012'; the axis keeps the sortable values)."""
    pairs = ", ".join(f"'{p}': '{m}'" for p, m in
                      ((p, T.period(p, short=True)) for p in periods) if "'" not in m)
    return f"({{{pairs}}})[datum.value] || datum.value"


def table(df: pd.DataFrame, T: Translator, rows_are: str, caption: str | None = None,
          **options: Any) -> None:
    """``st.table`` with its caption, folded past `LONG_TABLE` rows into an expander that says
    how many rows it holds, one per `rows_are`: a long table one click away, not a page of
    rows. Not for a table already inside an expander (Streamlit does not nest them)."""
    fold = len(df) > LONG_TABLE
    with (st.expander(T.plural("common.table_fold", len(df), level=rows_are)) if fold
          else st.container()):
        if caption:
            st.caption(caption)
        st.table(df, border="horizontal", **options)


def money_frame(
    df: pd.DataFrame, T: Translator, columns: Sequence[tuple[str, str]],
    money: Sequence[str] = ("total",), counts: Sequence[str] = ("payments",),
    currency: str = "currency",
) -> pd.DataFrame:
    """A display copy of `df`: money formatted with its currency in the page's language, counts
    grouped, and the columns renamed to their titles (`columns`: (name, title) pairs)."""
    out = {}
    for name, title in columns:
        values = df[name]
        if name in money:
            out[title] = [T.money(v, c) if v is not None and not _isnan(v) else ""
                          for v, c in zip(values, df[currency], strict=True)]
        elif name in counts:
            out[title] = [T.count(v) for v in values]
        else:
            out[title] = [("" if v is None else v) for v in values]
    return pd.DataFrame(out)


def amounts_styled(df: pd.DataFrame, T: Translator, amounts: Sequence[str] = ("amount",)
                   ) -> Styler:
    """`df` for ``st.dataframe``, its `amounts` written in the page's language (exactly, from
    the Decimal), not in the browser's as a ``localized`` NumberColumn would be.

    The cells keep their numbers, so sorting by a column header stays numeric; only the text
    shown changes. The columns' ``column_config`` must set no ``format``: it would win over this
    text."""
    text = {name: lambda v: format_amount(v, T.lang) for name in amounts}
    # A null cell shows "None" in the table, whatever the Styler writes: an empty text stays empty
    # (na_rep does that for the amounts, which must stay numbers).
    empty_texts = {name: df[name].fillna("") for name in df.columns if name not in amounts
                   and (pd.api.types.is_string_dtype(df[name]) or pd.api.types.infer_dtype(df[name]) == "empty")}
    return df.assign(**empty_texts).style.format(text, na_rep="")


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def not_stated(value: Any, T: Translator) -> str:
    return T("common.not_stated") if value is None or _isnan(value) else str(value)


def as_float(values: Sequence[Decimal]) -> list[float]:
    """Money to float, for drawing only."""
    return [float(v) for v in values]
