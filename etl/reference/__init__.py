"""Reference lists the canonical tables are labelled and compared with.

- `m14`: the French national chart of accounts (M14 nomenclature XML): chapters, nature accounts,
  functions; `labels` fills a staged budget's labels, sections and missing chapters from it.
- `crosswalk`: publishers' own functional codes or service labels to COFOG, as CSV data.

`enrich` is what the pipeline runs between transform and validate for a profile's `reference`
block; everything here runs as SQL over the staged table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from .crosswalk import CROSSWALK_DIR, assign_cofog, crosswalk_path, load_crosswalk
from .labels import LabelReport, label_budget
from .m14 import M14_DIR, Chart, chart_path, load_m14, read_m14

__all__ = ["CHART_FUNCTIONS", "CROSSWALK_DIR", "M14_DIR", "Chart", "EnrichReport", "LabelReport",
           "assign_cofog", "chart_path", "crosswalk_path", "enrich", "label_budget",
           "load_crosswalk", "load_m14", "read_m14"]


CHART_PREFIX = "ref_chart"  # the chart of accounts' tables in a run's connection
CHART_FUNCTIONS = f"{CHART_PREFIX}_functions"


@dataclass(frozen=True)
class EnrichReport:
    """What enrichment could not do: codes without a label, values the COFOG crosswalk misses."""

    labels: LabelReport | None
    cofog_uncovered: int | None


def enrich(con: duckdb.DuckDBPyConnection, table: str, *, chart: str | Path | None = None,
           cofog_crosswalk: str | Path | None = None, cofog_from: str | None = None) -> EnrichReport:
    """Label `table` from a chart of accounts, then give it COFOG codes through a crosswalk.

    chart: a chart of accounts XML (path, or a file name in datasets/reference/m14/);
    cofog_crosswalk / cofog_from: a crosswalk (name in datasets/reference/crosswalks/ or path)
    applied to the field cofog_from (e.g. functional_code, department).
    """
    labels = None
    if chart is not None:
        tables = load_m14(con, chart_path(chart), prefix=CHART_PREFIX)
        labels = label_budget(con, table, tables)
    uncovered = None
    if cofog_crosswalk is not None:
        uncovered = assign_cofog(con, table, cofog_crosswalk, cofog_from or "functional_code")
    return EnrichReport(labels, uncovered)


def enrich_staging(con: duckdb.DuckDBPyConnection, profile, table: str) -> EnrichReport | None:
    """Apply the profile's `reference` block (chart of accounts, COFOG crosswalk) to a staging table."""
    ref = profile.reference
    if not ref:
        return None
    cofog = ref.get("cofog") or {}
    return enrich(con, table, chart=ref.get("chart"), cofog_crosswalk=cofog.get("crosswalk"),
                  cofog_from=cofog.get("from_field"))
