"""The app in a real browser: headless Chromium (Debian's /usr/bin/chromium), driven by
Playwright, loads every page of the demo, checks its key figures on screen against the
warehouse, downloads the payments CSV, follows the menu, and saves a screenshot of each page in
var/screenshots/.

    .venv/bin/pytest tests/browser          # alone (it also runs with the whole suite)

It builds its own demo home (`spendpub demo`), starts its own `streamlit run` on a free port of
127.0.0.1 and stops that server at the end. Without /usr/bin/chromium or the playwright package
it skips, saying why; where CI is set (as .ci/run sets it) it fails instead.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import skip_unless_ci

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 30_000

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package is not installed (pip install playwright)")
    if missing:
        skip_unless_ci("browser test: " + "; ".join(missing))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_browser()
    home = tmp_path_factory.mktemp("browser") / "home"
    result = subprocess.run([sys.executable, "-m", "etl", "--home", str(home), "demo"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    if not (home / "warehouse.duckdb").exists():
        pytest.fail(f"`spendpub demo` built no warehouse (exit {result.returncode}):\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return home


def sql(home: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free local port; stopped (only this process) at the end."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "SPENDPUB_HOME": str(demo_home)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true",   # the rest of the settings: .streamlit/config.toml
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server: str):
    """A browser tab on the app; when the test is done, checks that the app asked no other host
    for anything (no usage statistics, fonts or scripts from elsewhere)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB",
                                  accept_downloads=True, base_url=server)
    elsewhere: list[str] = []
    context.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else elsewhere.append(r.url))
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    yield tab
    context.close()
    assert not elsewhere, f"the app asked other hosts: {sorted(set(elsewhere))[:5]}"


# --------------------------------------------------------------------------- helpers


def _plain(text: str) -> str:
    """Screen text with every kind of space as a plain space."""
    return re.sub(r"[\u00a0\u202f\s]+", " ", text)


def open_page(page, path: str, *expected: str) -> str:
    """Load `path`, wait until the app has run and every `expected` text is on screen; return
    the page's text."""
    page.goto(path)
    page.wait_for_selector("h1")
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        running = page.locator("[data-testid='stStatusWidget']").count() > 0
        text = _plain(page.locator("[data-testid='stMain']").inner_text())
        if not running and all(_plain(e) in text for e in expected):
            break
        if time.monotonic() > deadline:
            missing = [e for e in expected if _plain(e) not in text]
            raise AssertionError(f"{path}: not on screen: {missing}\n---\n{text[:3000]}")
        page.wait_for_timeout(250)
    assert page.locator("[data-testid='stException']").count() == 0, text[:3000]
    return text


def shoot(page, name: str) -> Path:
    """A screenshot of the whole page (Streamlit scrolls inside its main block, so the window
    is made as tall as the content first)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(600)  # charts finish drawing
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 800)")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 120, 8000)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def money_en(amount: Decimal, symbol: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


def money_fr(amount: Decimal, symbol: str) -> str:
    text = f"{abs(amount):,.2f}".replace(",", " ").replace(".", ",")
    return f"{'-' if amount < 0 else ''}{text} {symbol}"


# --------------------------------------------------------------------------- tests


def test_every_page_of_the_demo(page, demo_home: Path) -> None:
    lambeth = "?publisher=lambeth&year=2012&lang=en"
    [(total, count, suppliers)] = sql(
        demo_home, "select sum(amount), count(*), count(distinct supplier_name) filter "
                   "(where not is_redacted) from spending where publisher_id = 'lambeth'")
    open_page(page, f"/{lambeth}", "London Borough of Lambeth: 2012", money_en(total, "£"),
              f"{count:,}", f"{suppliers:,}", "Budget executed", "Per resident")
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0   # viewer's menu only
    shoot(page, "overview-en")

    [(department, dept_total)] = sql(
        demo_home, "select department, sum(amount) t from spending where publisher_id = "
                   "'lambeth' group by 1 order by t desc limit 1")
    open_page(page, f"/where{lambeth}", "Where the money goes", department,
              money_en(dept_total, "£"))
    assert page.locator("[data-testid='stVegaLiteChart'], .vega-embed").count() > 0
    shoot(page, "where-en")

    open_page(page, f"/over_time{lambeth}", "Over time", "June 2012", money_en(total, "£"))
    shoot(page, "over_time-en")

    [(supplier, supplier_total)] = sql(
        demo_home, "select supplier_name, sum(amount) t from spending where publisher_id = "
                   "'lambeth' and not is_redacted group by 1 order by t desc limit 1")
    open_page(page, f"/suppliers{lambeth}", "The 20 largest suppliers in 2012", supplier,
              money_en(supplier_total, "£"))
    shoot(page, "suppliers-en")
    open_page(page, f"/suppliers{lambeth}&supplier={supplier}", "Supplier page",
              "Paid in 2012 (GBP)", money_en(supplier_total, "£"))
    shoot(page, "supplier-page-en")

    open_page(page, f"/payments{lambeth}", "Matching payments", f"{count:,}",
              money_en(total, "£"), "Showing 1,000 of 3,155 payments.")
    shoot(page, "payments-en")
    with page.expect_download() as download:
        page.get_by_text("Download these 1,000 rows as CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    newest = sql(demo_home, "select amount, source_line from spending where publisher_id = "
                            "'lambeth' order by payment_date desc, source_file_sha256, "
                            "source_line limit 1000")
    assert [(Decimal(r["amount"]), int(r["source_line"])) for r in rows] == newest
    assert {r["source_file"] for r in rows} == {"2012-06-payments.csv"}

    for slug in ("budget", "your_taxes"):
        open_page(page, f"/{slug}{lambeth}",
                  "No budget is published for London Borough of Lambeth yet.")
        shoot(page, f"{slug}-no-budget-en")

    [(release,)] = sql(demo_home, "select release_id from releases where publisher_id = "
                                  "'lambeth' order by published_at desc limit 1")
    open_page(page, f"/data{lambeth}", "Data and downloads", "Package (zip",
              "Every published package")
    shoot(page, "data-en")
    page.get_by_role("tab", name="Releases and changelog").click()
    page.get_by_text(release).first.wait_for()
    page.get_by_text("Changelog: Lambeth").first.wait_for()  # the package's CHANGELOG.md
    shoot(page, "data-releases-en")
    open_page(page, f"/data{lambeth}&release={release}", f"Release {release}",
              "2012-06-payments.csv")
    page.get_by_role("tab", name="Data dictionary").click()
    page.get_by_text("Source file SHA-256").first.wait_for()
    shoot(page, "data-dictionary-en")


def test_french_and_the_menu_keep_the_view(page, demo_home: Path) -> None:
    publishers = [p for p, in sql(demo_home, "select distinct publisher_id from spending "
                                             "order by 1")]
    publisher = "us-treasury" if "us-treasury" in publishers else publishers[0]
    [(name, currency, total, count, year)] = sql(
        demo_home, "select any_value(publisher_name), any_value(currency), sum(amount), "
                   "count(*), max(left(period, 4)) from spending where publisher_id = ?",
        [publisher])
    symbol = {"USD": "$", "GBP": "£", "EUR": "€"}[currency]
    open_page(page, f"/?publisher={publisher}&lang=fr", f"{name} : {year}",
              money_fr(total, symbol), "Total dépensé")
    shoot(page, "overview-fr")
    page.get_by_role("link", name="Paiements").first.click()
    # Streamlit drops the query string when its menu changes page; the app writes the language,
    # body and year back.
    page.wait_for_url(re.compile(rf"/payments\?(?=.*lang=fr)(?=.*publisher={publisher})"))
    open_page(page, page.url, "Paiements correspondants", f"{count:,}".replace(",", " "),
              "Télécharger ces")
    shoot(page, "payments-fr")
    for slug, title in (("where", "Où va l'argent"), ("over_time", "Dans le temps"),
                        ("suppliers", "Fournisseurs"), ("data", "Données et téléchargements")):
        open_page(page, f"/{slug}?publisher={publisher}&lang=fr", title)
        shoot(page, f"{slug}-fr")


def test_budget_pages_with_a_published_budget(page, demo_home: Path) -> None:
    tables = {t for t, in sql(demo_home, "select table_name from duckdb_tables()")}
    budgets = sql(demo_home, "select publisher_id, max(fiscal_year) from budget group by 1 "
                             "order by 1") if "budget" in tables else []
    # the demo ships Montreuil's compte administratif: no budget means the demo is broken
    assert budgets, "the demo published no budget (datasets/montreuil)"
    publisher, year = budgets[0]
    [(executed, open_, currency)] = sql(
        demo_home, "select sum(coalesce(amount_executed, case when phase = 'executed' then "
                   "amount end)), sum(amount_open), min(currency) from budget "
                   "where publisher_id = ? and "
                   "fiscal_year = ? and direction = 'expenditure' and is_real is not false "
                   "and fiscal_period is null and is_off_budget is not true",
        [publisher, year])
    rate = f"{(executed / open_ * 100).quantize(Decimal('0.1'))}%"
    open_page(page, f"/budget?publisher={publisher}&lang=en&year={year}",
              "Budget against actual", "Execution rate", rate,
              money_en(executed, {"USD": "$", "GBP": "£", "EUR": "€"}[currency]),
              "By chapter")
    shoot(page, "budget-en")
    open_page(page, f"/your_taxes?publisher={publisher}&lang=fr&year={year}", "Vos impôts",
              "Par an", "Par jour")
    shoot(page, "your_taxes-fr")


def test_every_page_answers_at_its_own_address(page) -> None:
    """Each page opens at /<slug>, the first one too; the root address opens the first page at
    its own address, keeping the query string."""
    from app_i18n import Translator
    from app_pages._shared import PAGES

    T = Translator("en")
    lambeth = "?publisher=lambeth&year=2012&lang=en"
    for slug in PAGES:
        title = "London Borough of Lambeth: 2012" if slug == "overview" else T(f"nav.{slug}")
        open_page(page, f"/{slug}{lambeth}", title)
        assert page.get_by_text("Page not found").count() == 0, slug
        assert re.search(rf"/{slug}\?", page.url), page.url
    open_page(page, f"/{lambeth}", "London Borough of Lambeth: 2012")
    page.wait_for_url(re.compile(r"/overview\?(?=.*publisher=lambeth)(?=.*year=2012)"))
    assert page.get_by_text("Page not found").count() == 0
