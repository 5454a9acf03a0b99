"""The Streamlit app's only door to published data.

Every query here:

* opens the warehouse read-only, with DuckDB's external access disabled, and closes it again
  (connections are cheap; keeping none open lets ``spendpub publish`` swap in a new warehouse
  file with ``os.replace`` at any time);
* is parameterised with ``?`` placeholders: user input never becomes SQL text (sort orders and
  drill-down levels are chosen from fixed dictionaries of SQL fragments);
* is cached with ``st.cache_data`` under a key that includes the warehouse file's
  ``(st_mtime_ns, st_ino, st_size)``, so a newly published warehouse is picked up on the next
  call without restarting the app or clearing caches;
* keeps money exact: totals and amounts are ``decimal.Decimal`` (DataFrame columns of dtype
  ``object``), never floats. Only charts may convert to float, for drawing.

Pages read precomputed ``agg_*`` tables (``etl/sql/marts/agg_*.sql``, rebuilt by every publish)
wherever a plain query over ``spending`` would be slow on a large warehouse. A warehouse
published before an ``agg_*`` file existed still works: the same SQL is then run as a subquery.

Rows whose personal data were redacted (``is_redacted``) are shown, grouped and searched under
``REDACTED_LABEL`` whatever their stored supplier name is, and their supplier id is not shown.

Every public function is listed in ``PUBLIC_QUERIES`` and can be recorded (``record_calls``):
the latency benchmark (``bench/app_queries.py``) replays exactly the calls each page made.

Modules (the query modules depend on ``access``, most also on ``filters``, and not on each
other, but for ``publishers`` on ``budget``: the Overview shows the budget's execution):

* ``access``: errors, the warehouse's path and read-only connections, the per-file cache,
  ``_query``, ``PUBLIC_QUERIES`` and ``record_calls``, and the helpers the queries share;
* ``filters``: ``Filters`` and the WHERE clauses built from them;
* ``publishers``: publishers, periods and departments (filter options), and the Overview;
* ``spending``: one publisher's spending over time, by function and department, by supplier;
* ``payments_page``: the payments matching some filters, a page of them and their totals
  (not ``payments``, the name of the function ``app_data.payments``);
* ``downloads``: releases, redactions, the published packages and site files, the data
  dictionary;
* ``budget``: every query on the ``budget`` table.

Import the names below from ``app_data`` itself; the modules are how the code is laid out.
"""

from app_data.access import (
    DEFAULT_HOME,
    HOME_ENV,
    PUBLIC_QUERIES,
    SPENDING_TABLE,
    NoWarehouse,
    WarehouseError,
    WarehouseKey,
    home_path,
    open_warehouse,
    record_calls,
    warehouse_key,
    warehouse_path,
)
from app_data.budget import (
    BUDGET_AXES,
    BUDGET_OPTIONAL,
    BUDGET_REQUIRED,
    BUDGET_TABLE,
    MEASURES,
    BudgetExecution,
    budget_by_function,
    budget_execution,
    budget_vs_actual,
    budget_years,
)
from app_data.downloads import (
    CATALOG_FILE,
    RELEASES_TABLE,
    SITE_DIR,
    Package,
    PackageFile,
    Release,
    SchemaTable,
    catalog,
    changelog,
    data_dictionary,
    latest_release,
    package_bytes,
    packages,
    redactions,
    release_changes,
    release_files,
    release_notes,
    release_totals,
    releases,
    site_path,
)
from app_data.filters import Filters, like_pattern
from app_data.payments_page import (
    DEFAULT_PAYMENTS_LIMIT,
    DEFAULT_SORT,
    PAYMENT_COLUMNS,
    PAYMENT_SORTS,
    PaymentsPage,
    Summary,
    payments,
    summary,
)
from app_data.publishers import (
    Overview,
    Publisher,
    YearFigures,
    list_departments,
    list_periods,
    list_publishers,
    overview,
)
from app_data.spending import (
    BREAKDOWN_LEVELS,
    DEFAULT_TOP_SUPPLIERS,
    breakdown,
    monthly,
    supplier_months,
    top_suppliers,
)
from etl.redact import REDACTED_LABEL  # pages label redacted rows with it
from etl.schema import load_schema  # the Payments page titles its columns with it

__all__ = [
    # access
    "DEFAULT_HOME",
    "HOME_ENV",
    "PUBLIC_QUERIES",
    "SPENDING_TABLE",
    "NoWarehouse",
    "WarehouseError",
    "WarehouseKey",
    "home_path",
    "open_warehouse",
    "record_calls",
    "warehouse_key",
    "warehouse_path",
    # filters
    "Filters",
    "like_pattern",
    # publishers
    "Overview",
    "Publisher",
    "YearFigures",
    "list_departments",
    "list_periods",
    "list_publishers",
    "overview",
    # spending
    "BREAKDOWN_LEVELS",
    "DEFAULT_TOP_SUPPLIERS",
    "breakdown",
    "monthly",
    "supplier_months",
    "top_suppliers",
    # payments_page
    "DEFAULT_PAYMENTS_LIMIT",
    "DEFAULT_SORT",
    "PAYMENT_COLUMNS",
    "PAYMENT_SORTS",
    "PaymentsPage",
    "Summary",
    "payments",
    "summary",
    # downloads
    "CATALOG_FILE",
    "RELEASES_TABLE",
    "SITE_DIR",
    "Package",
    "PackageFile",
    "Release",
    "SchemaTable",
    "catalog",
    "changelog",
    "data_dictionary",
    "latest_release",
    "package_bytes",
    "packages",
    "redactions",
    "release_changes",
    "release_files",
    "release_notes",
    "release_totals",
    "releases",
    "site_path",
    # budget
    "BUDGET_AXES",
    "BUDGET_OPTIONAL",
    "BUDGET_REQUIRED",
    "BUDGET_TABLE",
    "MEASURES",
    "BudgetExecution",
    "budget_by_function",
    "budget_execution",
    "budget_vs_actual",
    "budget_years",
    # from etl, used by the pages through app_data
    "REDACTED_LABEL",
    "load_schema",
]
