"""Standard exports built from the canonical tables.

- `scdl_budget`: France's SCDL budget CSV (`BGT_*` columns, scdl/budget 0.8.3) from `budget`;
- `uk_spend`: the UK Local Government Transparency Code spending CSV from `spending`;
- `fdp`: the Fiscal Data Package `model` (measures, dimensions) and package keys for any
  datapackage.json, from its Table Schema and rows.
"""
