# %% [markdown]
# # Checking a published spending package
#
# A journalist's walkthrough: open a package that spendpub published, check it with the standard's
# own validator, and reproduce its totals from the CSV alone, with exact decimals. It reads the
# package in `site/`, not the warehouse, so anyone who downloads the zip can do the same.
#
# Run it as a script (`python notebooks/package_walkthrough.py var/site/lambeth/spending`) or open
# it as a notebook in Jupyter (it is in the "percent" format that Jupytext and VS Code read).

# %%
import csv
import json
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import frictionless

package_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "var/site/lambeth/spending")
descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
print(descriptor["title"], "—", descriptor["licenses"][0]["title"])

# %% [markdown]
# ## 1. The standard's validator agrees

# %%
report = frictionless.validate(str(package_dir / "datapackage.json"))
print("frictionless:", "valid" if report.valid else report.flatten(["rowNumber", "fieldName", "type"]))

# %% [markdown]
# ## 2. Totals by month and currency, from the CSV, in exact decimals

# %%
resource = next(r for r in descriptor["resources"] if r["format"] == "csv")
totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
payments: dict[tuple[str, str], int] = defaultdict(int)
with open(package_dir / resource["path"], encoding="utf-8", newline="") as fh:
    for row in csv.DictReader(fh):
        key = (row["period"], row["currency"])
        totals[key] += Decimal(row["amount"])
        payments[key] += 1
for (period, currency), total in sorted(totals.items()):
    print(f"{period} {currency} {payments[period, currency]:>7,} payments {total:>18,.2f}")

# %% [markdown]
# ## 3. Every row points back to its source file

# %%
sources = {s["sha256"]: s["title"] for s in descriptor["sources"] if "sha256" in s}
with open(package_dir / resource["path"], encoding="utf-8", newline="") as fh:
    first = next(csv.DictReader(fh))
print(f"first row: {first['supplier_name']} {first['amount']} {first['currency']}, "
      f"from {sources[first['source_file_sha256']]} line {first['source_line']}, release {first['release_id']}")

# %% [markdown]
# ## 4. The app's Overview, reproduced from the package alone
#
# The citizens' app shows, for a body and a year: the total spent (per currency), the number of
# payments, and the number of suppliers. Suppliers are distinct *named* suppliers: a payment
# whose beneficiary was redacted (`is_redacted` is `true`, personal data) is a payment, but not
# a supplier. The year is the one of the month each source file covers (`period`).

# %%
by_year: dict[str, dict] = defaultdict(lambda: {"payments": 0, "suppliers": set(),
                                                "totals": defaultdict(Decimal)})
with open(package_dir / resource["path"], encoding="utf-8", newline="") as fh:
    for row in csv.DictReader(fh):
        year = by_year[row["period"][:4]]
        year["payments"] += 1
        year["totals"][row["currency"]] += Decimal(row["amount"])
        if row["is_redacted"] != "true":
            year["suppliers"].add(row["supplier_name"])
for year, figures in sorted(by_year.items()):
    totals = ", ".join(f"{c} {t:,.2f}" for c, t in sorted(figures["totals"].items()))
    print(f"overview {year}: {figures['payments']:,} payments, "
          f"{len(figures['suppliers']):,} suppliers, total spent {totals}")
