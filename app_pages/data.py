"""Data and downloads: every package of the chosen body with its releases and changelog, the
provenance of every figure (source files, hashes, control totals) and the method, the redaction
policy and its counts, and a data dictionary built from ``schemas/``. ``?release=`` (the link of
every payment row) opens that release."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

import app_data
from app_i18n import Translator
from app_pages import _shared as ui

RELEASE_PARAM = "release"
MONTH = re.compile(r"\d{4}-\d{2}")


def render(T: Translator, scope: ui.Scope) -> None:
    st.title(T("data.title"))
    st.caption(T("data.intro", name=scope.publisher.name))
    wanted = st.query_params.get(RELEASE_PARAM, "")
    labels = [T("data.tabs.downloads"), T("data.tabs.releases"), T("data.tabs.provenance"),
              T("data.tabs.redaction"), T("data.tabs.dictionary")]
    tabs = st.tabs(labels, default=labels[1] if wanted else labels[0])
    with tabs[0]:
        _downloads(T, scope)
    with tabs[1]:
        _releases(T, scope, wanted)
    with tabs[2]:
        _provenance(T, scope)
    with tabs[3]:
        _redaction(T, scope)
    with tabs[4]:
        _dictionary(T)


def _size(n: int, T: Translator) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{T.number(n, 0 if unit == 'B' else 1)} {unit}"
        n /= 1000
    return str(n)


def _file_label(T: Translator, file: app_data.PackageFile) -> str:
    key = f"data.files.{file.kind}"
    size = _size(file.size, T)
    return T(key, size=size) if T.has(key) else f"{file.name} ({size})"


def _downloads(T: Translator, scope: ui.Scope) -> None:
    packages = app_data.packages(scope.publisher_id)
    if not packages:
        st.info(T("data.no_package", name=scope.publisher.name), icon=":material/info:")
    main, *rest = packages or [None]
    periods = [p for p in rest if p.period is not None]
    if main is not None:
        st.subheader(main.title)
        st.caption(T("data.licence", licence=main.licence or "—"))
        cols = st.columns(3)
        kinds = [f.kind for f in main.files]
        for i, file in enumerate(main.files):
            first_of_kind = kinds.index(file.kind) == i
            cols[i % 3].download_button(
                _file_label(T, file) if first_of_kind
                else f"{file.name.split('/')[-1]} ({_size(file.size, T)})",
                data=lambda p=main, f=file: app_data.package_bytes(p.publisher_id, p.dataset,
                                                                   f.name),
                file_name=f"{main.publisher_id}-{main.dataset}-{file.name.split('/')[-1]}",
                on_click="ignore", icon=":material/download:",
                key=f"dl-{main.publisher_id}-{main.dataset}-{file.name}",
            )
        st.caption(T("data.package_note"))
    if periods:
        # a budget's periods are a year and a stage ('2022-executed'), not months
        monthly = all(MONTH.fullmatch(p.period) for p in periods)
        st.subheader(T("data.period_packages" if monthly else "data.other_period_packages"))
        _zips(T, periods)
    others = [p for p in rest if p.period is None]  # derived ones: budget against actual
    if others:
        st.subheader(T("data.other_packages"))
        _zips(T, others)
    st.subheader(T("data.all_packages"))
    rows = []
    for publisher in scope.publishers:
        for package in app_data.packages(publisher.publisher_id):
            rows.append({T("data.body"): publisher.name, T("data.package"): package.dataset,
                         T("data.title_col"): package.title,
                         T("data.licence_col"): package.licence})
    if rows:
        st.table(pd.DataFrame(rows), border="horizontal", hide_index=True)
    else:
        st.caption(T("data.no_packages_at_all"))
    catalog = app_data.catalog()
    if catalog is not None:
        with st.expander(T("data.catalog")):
            st.json(catalog, expanded=False)


def _zips(T: Translator, packages: list[app_data.Package]) -> None:
    """One line per package: its name and title, and its zip."""
    for package in packages:
        zipped = next((f for f in package.files if f.kind == "zip"), None)
        left, right = st.columns([3, 2])
        left.markdown(f"**{package.dataset}** · {package.title}")
        if zipped is not None:
            right.download_button(
                _file_label(T, zipped),
                data=lambda p=package, f=zipped: app_data.package_bytes(
                    p.publisher_id, p.dataset, f.name),
                file_name=f"{package.publisher_id}-{zipped.name}", on_click="ignore",
                icon=":material/download:",
                key=f"dl-{package.publisher_id}-{package.dataset}-zip",
            )


def _releases(T: Translator, scope: ui.Scope, wanted: str) -> None:
    df = app_data.releases(scope.publisher_id)
    if not len(df):
        st.info(T("data.no_releases"), icon=":material/info:")
        return
    if wanted:
        match = df[df["release_id"] == wanted]
        if len(match):
            _release_detail(T, scope, match.iloc[0])
        else:
            st.warning(T("data.unknown_release", release=wanted))
    st.subheader(T("data.releases"))
    st.table(_release_table(T, df), border="horizontal", hide_index=True)
    st.caption(T("data.rows_live_note"))
    changes = app_data.release_changes(scope.publisher_id)
    st.subheader(T("data.changes"))
    if len(changes):
        st.table(pd.DataFrame({
            T("data.files_columns.release"): changes["release_id"],
            _period_column(T, changes["period"]): [_period(T, v) for v in changes["period"]],
            T("data.changes_columns.previous"): changes["previous_release_id"],
            T("data.changes_columns.rows"): [f"{T.count(a)} → {T.count(b)}" for a, b in
                                             zip(changes["rows_before"], changes["rows_after"],
                                                 strict=True)],
            T("data.changes_columns.added"): [T.count(v) for v in changes["added"]],
            T("data.changes_columns.removed"): [T.count(v) for v in changes["removed"]],
            T("data.changes_columns.changed"): [T.count(v) for v in changes["changed"]],
        }), border="horizontal", hide_index=True)
    else:
        st.caption(T("data.no_changes"))
    st.subheader(T("data.changelog"))
    log = app_data.changelog(scope.publisher_id)
    if log is None:
        st.caption(T("data.no_changelog"))
    else:
        _english_only(T)
        with st.container(border=True, height=360):
            st.markdown(_demote(log))


def _english_only(T: Translator) -> None:
    """Changelogs and release notes are written in English only: said so on a page in another
    language, rather than shown as if they were in it."""
    if T.lang != "en":
        st.caption(T("data.english_only"))


def _months_only(periods: Any) -> bool:
    """Whether every period listed is a month, not a budget's ('2022-executed')."""
    return all(MONTH.fullmatch(str(p)) for p in periods if p is not None and p == p)


def _period_column(T: Translator, periods: Any) -> str:
    return T("data.files_columns.month" if _months_only(periods) else "data.files_columns.period")


def _period(T: Translator, period: Any) -> str:
    """A month in the page's language ('juin 2012'); a budget's period ('2022-executed') as
    published."""
    if period is None or period != period:
        return ""
    return T.period(period) if MONTH.fullmatch(str(period)) else str(period)


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


RELEASE_COLUMNS = ("release_id", "seq", "kind", "rolls_back_to", "published_at", "periods",
                   "rows_read", "rows_loaded", "rows_rejected", "rows_redacted", "redacted_published",
                   "rows_live")
SHOWN_WHEN_SET = ("rolls_back_to", "redacted_published")   # columns most releases leave empty


def _demote(markdown: str, levels: int = 3) -> str:
    """Markdown headings made smaller, to sit inside the page."""
    return re.sub(r"^(#{1,6}) ", lambda m: "#" * min(len(m.group(1)) + levels, 6) + " ",
                  markdown, flags=re.MULTILINE)


def _release_table(T: Translator, df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    shown = [c for c in RELEASE_COLUMNS if c in df.columns
             and not (c in SHOWN_WHEN_SET and df[c].isna().all())]
    for column in shown:
        title = T(f"data.release_columns.{column}") \
            if T.has(f"data.release_columns.{column}") else column
        values = df[column]
        if column == "published_at":
            out[title] = [T.datetime(v) for v in values]
        elif column.startswith("rows_"):
            out[title] = [T.count(v) for v in values]
        elif column == "redacted_published":
            out[title] = [", ".join(T("data.period_rows", period=_period(T, d["period"]),
                                        rows=T.count(d["rows"])) for d in v)
                          if v is not None else "" for v in values]
        elif column == "periods":
            out[title] = [", ".join(_period(T, p) for p in v) if v is not None else ""
                          for v in values]
        elif column == "kind":
            out[title] = [T(f"data.kinds.{v}") if T.has(f"data.kinds.{v}") else _cell(v)
                          for v in values]
        elif column == "profile_sha256":
            out[title] = [str(v)[:12] + "…" for v in values]
        else:
            out[title] = [_cell(v) for v in values]
    return pd.DataFrame(out)


def _release_detail(T: Translator, scope: ui.Scope, release: pd.Series) -> None:
    st.success(T("data.release_detail", release=release["release_id"],
                 when=T.datetime(release.get("published_at"))), icon=":material/verified:")
    notes = app_data.release_notes(scope.publisher_id, str(release["release_id"]))
    if notes:
        _english_only(T)
        with st.container(border=True):
            st.markdown(_demote(notes))
    files = app_data.release_files(scope.publisher_id)
    files = files[files["release_id"] == release["release_id"]] if len(files) else files
    if len(files):
        st.table(_files_table(T, files), border="horizontal", hide_index=True)


def _files_table(T: Translator, files: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        T("data.files_columns.release"): files["release_id"],
        T("data.files_columns.file"): files["file_name"],
        _period_column(T, files["period"]): [_period(T, v) for v in files["period"]],
        T("data.files_columns.sha256"): files["sha256"],
        T("data.files_columns.encoding"): files["encoding"],
        T("data.files_columns.header_line"): [str(v) for v in files["header_line"]],
        T("data.files_columns.rows_read"): [T.count(v) for v in files["rows_read"]],
        T("data.files_columns.rows_loaded"): [T.count(v) for v in files["rows_loaded"]],
        T("data.files_columns.control_total"): [
            T.number(v, 2) if v is not None else "—" for v in files["control_total"]],
    })


def _provenance(T: Translator, scope: ui.Scope) -> None:
    st.markdown(T("data.method"))
    files = app_data.release_files(scope.publisher_id)
    st.subheader(T("data.sources"))
    if len(files):
        st.table(_files_table(T, files), border="horizontal", hide_index=True)
    else:
        st.caption(T("data.no_sources"))
    totals = app_data.release_totals(scope.publisher_id)
    if len(totals):
        st.subheader(T("data.totals"))
        st.table(pd.DataFrame({
            T("data.files_columns.release"): totals["release_id"],
            _period_column(T, totals["period"]): [_period(T, v) for v in totals["period"]],
            # a budget's rows are its lines, not payments
            T("common.payments" if _months_only(totals["period"]) else "data.files_columns.lines"):
                [T.count(v) for v in totals["payments"]],
            T("common.total"): [T.money(t, c) for t, c in zip(totals["total"],
                                                               totals["currency"], strict=True)],
        }), border="horizontal", hide_index=True)


def _redaction(T: Translator, scope: ui.Scope) -> None:
    st.markdown(T("data.redaction_policy", label=app_data.REDACTED_LABEL))
    counts = app_data.redactions(scope.publisher_id)
    if len(counts):
        st.table(pd.DataFrame({
            T("data.reason"): [T(f"data.reasons.{r}") if T.has(f"data.reasons.{r}") else r
                               for r in counts["reason"]],
            T("common.year"): [str(y) for y in counts["year"]],
            T("common.payments"): [T.count(n) for n in counts["payments"]],
            T("common.total"): [T.money(t, c) for t, c in zip(counts["total"],
                                                               counts["currency"], strict=True)],
        }), border="horizontal", hide_index=True)
        st.caption(T.plural("data.redaction_total", int(counts["payments"].sum())))
    else:
        st.success(T("data.no_redactions", name=scope.publisher.name),
                   icon=":material/check_circle:")
    releases = app_data.releases(scope.publisher_id)
    if len(releases) and "rows_redacted" in releases.columns:
        st.caption(T("data.redacted_per_release", counts=", ".join(
            f"{r} ({T.count(n)})" for r, n in zip(releases["release_id"],
                                                  releases["rows_redacted"], strict=True))))


def _dictionary(T: Translator) -> None:
    st.caption(T("data.dictionary_intro"))
    for schema in app_data.data_dictionary():
        fields = schema.fields
        title = schema.title_fr if T.lang == "fr" else schema.title
        with st.expander(T("data.dictionary_table", table=schema.name, title=title),
                         expanded=schema.name == "spending"):
            if schema.description:
                st.caption(schema.description)
            st.table(pd.DataFrame({
                T("data.dictionary_columns.name"): fields["name"],
                T("data.dictionary_columns.title"): [
                    T(f"fields.{n}") if schema.name == "spending" and T.has(f"fields.{n}")
                    else t for n, t in zip(fields["name"], fields["title"], strict=True)],
                T("data.dictionary_columns.type"): fields["type"],
                T("data.dictionary_columns.required"): [
                    T("common.yes") if r else T("common.no") for r in fields["required"]],
                T("data.dictionary_columns.description"): fields["description"],
                T("data.dictionary_columns.constraints"): fields["constraints"],
            }), border="horizontal", hide_index=True)


ui.page(render)
