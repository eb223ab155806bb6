"""The dashboard (dashboard/app.py) against the session warehouse.

Headless first: every page run by Streamlit's AppTest, its figures compared with SQL written here
independently of dashboard/sql/. Then the real server, rendered in Debian's chromium by Playwright,
with a screenshot of every page kept in artifacts/screenshots/. Also: the dashboard's SQL reads
only the marts and analytics views, and models/exposures.yml declares exactly what each page and
notebook reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dashboard import queries as q
from ingest import labels
from ingest.query import run_query

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
NOTEBOOKS = ROOT / "notebooks"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLANNED = "where source_kind = 'document'"


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def app_db(warehouse: Path):
    """CDV_DB pointing at the session warehouse while the module's AppTests run."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDV_DB", str(warehouse))
        yield warehouse


def run_page(key: str, **widgets) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["page"] = key
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, f"metric {label!r} not shown once: {[m.label for m in at.metric]}"
    return found[0]


def frame_sum(at: AppTest, index: int, column: str) -> Decimal:
    """The sum of a column of a table a page shows (headed in French: labels.column)."""
    values = at.dataframe[index].value[labels.column(column)].dropna()
    return sum((Decimal(str(v)).quantize(Decimal("0.01")) for v in values), Decimal("0"))


# --- headless: every page, its figures against SQL -------------------------------------------------


@pytest.mark.parametrize("page", q.PAGES, ids=[p.key for p in q.PAGES])
def test_every_page_shows_its_metrics_as_the_sql_gives_them(app_db: Path, wh, page: q.Page) -> None:
    at = run_page(page.key)
    assert at.title and at.title[0].value == page.title
    defaults = q.default_filters(wh)
    for m in page.metrics:
        frame = q.fetch(wh, m.query, defaults)
        # A tile shows k€ / M€ when the figure is long; the headline, alone on its line, in full.
        assert metric(at, m.label) == (m.exact(frame) if m.query == q.HEADLINE_QUERY else m.text(frame))


def test_planned_funding_is_the_same_on_every_page_and_in_the_marts(app_db: Path, wh) -> None:
    planned = scalar(wh, f"select sum(amount_eur) from marts.fct_funding {PLANNED}")
    assert planned > 0
    shown = q.format_tile_eur(planned)

    funders = run_page("funders")
    assert metric(funders, "Financement prévu") == shown
    assert frame_sum(funders, 0, "amount_eur") == planned  # by funder
    assert frame_sum(funders, 1, "amount_eur") == planned  # by funder type
    assert metric(funders, "Financeurs") == q.format_count(
        scalar(wh, f"select count(distinct funder_code) from marts.fct_funding {PLANNED}")
    )

    by_qpv = run_page("qpv")
    assert frame_sum(by_qpv, 0, "amount_eur") == planned
    years = run_page("years")
    assert frame_sum(years, 0, "amount_eur") == planned
    actions = run_page("actions")
    assert frame_sum(actions, 0, "amount_eur") == planned  # by axis
    assert frame_sum(actions, 1, "amount_eur") == planned  # by action
    overview = run_page("overview")
    assert metric(overview, "Prévu (QPV et années choisis)") == shown
    assert metric(overview, "Lignes de financement prévues") == q.format_count(
        scalar(wh, f"select count(*) from analytics.funding_lines {PLANNED}")
    )


FILTER_SETTINGS = [
    # A funder type and a year; a funder with the services that roll up to it, and one QPV.
    {"funder_type": "collectivite", "funding_year": "2016"},
    {"funder_code": "ETAT", "qpv_code": "QP066008"},
]


@pytest.mark.parametrize("chosen", FILTER_SETTINGS, ids=["type-year", "funder-qpv"])
def test_figures_follow_the_filters_in_the_url(app_db: Path, wh, chosen: dict[str, str]) -> None:
    """A view shared by its URL shows the figures of its filters, French-formatted, equal to SQL
    written here on the marts (not the dashboard's own SQL)."""
    where = ["f.source_kind = 'document'"]
    if "funder_type" in chosen:
        where.append(f"d.funder_type = '{chosen['funder_type']}'")
    if "funding_year" in chosen:
        where.append(f"f.funding_year = {int(chosen['funding_year'])}")
    if "funder_code" in chosen:
        code = chosen["funder_code"]
        where.append(f"(f.funder_code = '{code}' or d.root_funder_code = '{code}')")
    if "qpv_code" in chosen:
        where.append(f"f.qpv_code = '{chosen['qpv_code']}'")
    expected = scalar(
        wh,
        "select coalesce(sum(f.amount_eur), 0) from marts.fct_funding f "
        f"join marts.dim_funder d using (funder_code) where {' and '.join(where)}",
    )
    assert expected > 0, chosen
    for key, label, shown in (
        ("overview", "Financement prévu de la sélection", q.format_eur),
        ("funders", "Financement prévu", q.format_tile_eur),
    ):
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params["page"] = key
        for name, value in chosen.items():
            at.query_params[name] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert metric(at, label) == shown(expected), (key, chosen)
        assert "€" in metric(at, label) and "." not in metric(at, label)  # 1 234,50 €, not 1234.5
        for name, value in chosen.items():
            assert at.selectbox(key=name).value == value


def test_qpv_page_follows_the_chosen_qpv(app_db: Path, wh) -> None:
    at = run_page("qpv")
    largest = scalar(
        wh,
        f"select qpv_code from marts.fct_funding {PLANNED} group by 1 order by sum(amount_eur) desc limit 1",
    )
    assert at.selectbox(key="qpv_over_time").value == largest  # the QPV with the most money by default
    for code in ("QP066008", "QP066002"):
        at.selectbox(key="qpv_over_time").set_value(code).run()
        expected = scalar(
            wh, f"select sum(amount_eur) from marts.fct_funding {PLANNED} and qpv_code = '{code}'"
        )
        assert metric(at, f"{code} : financement prévu, toutes années") == q.format_eur(expected)
        assert frame_sum(at, 1, "amount_eur") == expected


def test_coverage_quality_and_executed_pages_match_their_views(app_db: Path, wh) -> None:
    coverage = run_page("coverage")
    assert metric(coverage, "Coûts indiqués") == q.format_tile_eur(
        scalar(wh, "select sum(cost_eur) from analytics.action_coverage")
    )
    assert len(coverage.dataframe[0].value) == scalar(wh, "select count(*) from analytics.action_coverage")

    quality = run_page("quality")
    assert metric(quality, "Anomalies ouvertes") == q.format_count(
        scalar(wh, "select count(*) from analytics.dq_issues")
    )
    for severity, count in wh.execute(
        "select severity, count(*) from analytics.dq_issues group by 1"
    ).fetchall():
        assert metric(quality, f"Gravité : {labels.value('severity', severity)}") == q.format_count(count)

    executed = run_page("executed")
    if not q.relation_exists(wh, "analytics", "executed_vs_planned"):
        assert any("Not available" in info.value for info in executed.info)
        return
    planned_contracts = (
        "from analytics.executed_vs_planned where contract_code in "
        "(select contract_code from analytics.executed_vs_planned where planned_eur > 0)"
    )
    assert metric(executed, "Prévu (contrats dotés d'un plan)") == q.format_tile_eur(
        scalar(wh, f"select sum(planned_eur) {planned_contracts}")
    )
    assert metric(executed, "Exécuté (mêmes contrats)") == q.format_tile_eur(
        scalar(wh, f"select sum(executed_eur) {planned_contracts}")
    )


def test_executed_page_says_not_available_without_the_view(tmp_path: Path) -> None:
    # A warehouse from before analytics.executed_vs_planned existed: the page must say so, not fail.
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema analytics")
    con.execute("create table analytics.funding_lines (funding_line_id varchar)")
    con.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDV_DB", str(db))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params["page"] = "executed"
        at.run()
    assert not at.exception
    assert any("Not available" in info.value and "executed_vs_planned" in info.value for info in at.info)


def test_missing_warehouse_is_a_clear_message(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDV_DB", str(tmp_path / "none.duckdb"))
        at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "make run" in at.error[0].value


# --- the SQL and the exposures ----------------------------------------------------------------------


def test_dashboard_sql_reads_only_marts_and_analytics_and_runs_read_only(warehouse: Path) -> None:
    # No `wh` here: DuckDB refuses two connections to one file with different settings in one
    # process, and the CLI's engine opens the warehouse with its own locked settings.
    names = q.query_names()
    used = {name for page in q.PAGES for name in page.queries}
    assert used <= set(names)
    for name in names:
        text = re.sub(r"--[^\n]*", " ", q.sql(name))
        assert not re.search(r"\b(raw|staging|intermediate|reference|main)\.", text), name
        assert q.relations(name), f"{name} reads no mart"
        # The CLI's engine: one read-only statement, on a read-only connection; a filter not given is
        # "all", and every filtered query answers for one QPV too.
        assert run_query(warehouse, q.sql(name)).rows is not None
        if "qpv_code" in q.parameters(q.sql(name)):
            assert run_query(warehouse, q.sql(name), {"qpv_code": "QP066008"}).rows, name


def _exposures() -> dict[str, dict]:
    spec = yaml.safe_load((ROOT / "models" / "exposures.yml").read_text(encoding="utf-8"))
    return {e["name"]: e for e in spec["exposures"]}


def _refs(exposure: dict) -> set[str]:
    return {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposure["depends_on"]}


def test_exposures_declare_what_each_page_and_notebook_reads(wh) -> None:
    exposures = _exposures()
    for page in q.PAGES:
        exposure = exposures[f"dashboard_{page.key}"]
        assert exposure["type"] == "dashboard" and exposure["owner"]["name"]
        assert exposure["url"].endswith(f"?page={page.key}")
        read = {table for name in page.queries for _, table in q.relations(name)}
        assert _refs(exposure) == read, page.key
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        exposure = exposures[f"notebook_{notebook.stem}"]
        assert exposure["type"] == "notebook" and exposure["meta"]["path"] == f"notebooks/{notebook.name}"
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        names = set(re.findall(r'query\("(\w+)"', code))
        assert names, notebook.name
        read = {table for name in names for _, table in q.relations(name)}
        assert _refs(exposure) == read, notebook.name
    assert len(exposures) == len(q.PAGES) + len(list(NOTEBOOKS.glob("*.ipynb")))
    # Every model an exposure names is built into the marts or analytics schemas.
    built = {
        name
        for (name,) in wh.execute(
            "select table_name from information_schema.tables where table_schema in ('marts', 'analytics')"
        ).fetchall()
    }
    assert set().union(*(_refs(e) for e in exposures.values())) <= built


# --- the real server in a real browser ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(warehouse: Path):
    with _serve(warehouse) as url:
        yield url


@contextlib.contextmanager
def _serve(warehouse: Path):
    """The dashboard served by Streamlit on a free port, reading ``warehouse``."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not installed ({CHROMIUM}): `make browser` (run by `make test`) "
            "installs it with apt-get where apt is available"
        )
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    port = _free_port()
    streamlit = Path(sys.executable).parent / "streamlit"
    command = [str(streamlit)] if streamlit.exists() else [sys.executable, "-m", "streamlit"]
    proc = subprocess.Popen(
        command
        + [
            "run",
            str(APP),
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--server.headless=true",
            "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
            "--client.toolbarMode=minimal",
        ],
        cwd=ROOT,
        env=dict(os.environ, CDV_DB=str(warehouse)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read() if proc.stdout and proc.poll() is not None else ""
                pytest.fail(f"streamlit did not start on port {port}: {output}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser_page(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # Tall: Streamlit scrolls its content inside the window, and a screenshot shows the window.
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            yield page
        finally:
            browser.close()


# Charts each page draws (the QPV page: money by QPV, the map, one QPV over the years).
CHARTS = {"funders": 2, "qpv": 3, "years": 1, "actions": 1, "coverage": 1}


def _render(page, url: str, key: str) -> None:
    """Load a page and wait until Streamlit has finished the script run and vega drew the charts."""
    page.goto(f"{url}/?page={key}")
    key = key.split("&")[0]
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    # The app can say "notRunning" before its first run has begun: wait for the page's own figures.
    metrics = len(q.PAGES_BY_KEY[key].metrics)
    if metrics:
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= n",
            arg=metrics,
            timeout=60_000,
        )
    charts = CHARTS.get(key, 0)
    if charts:
        page.wait_for_function(
            'n => document.querySelectorAll(\'[data-testid="stVegaLiteChart"] canvas, '
            '[data-testid="stVegaLiteChart"] svg.marks\').length >= n',
            arg=charts,
            timeout=60_000,
        )
    page.wait_for_load_state("networkidle")


def test_pages_render_in_chromium_with_the_warehouse_figures(server: str, browser_page, wh) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page in q.PAGES:
        _render(browser_page, server, page.key)
        shot = SCREENSHOTS / f"dashboard_{page.key}.png"
        browser_page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, shot
        assert browser_page.locator('[data-testid="stException"]').count() == 0, page.key
        assert browser_page.locator("h1").first.inner_text().strip() == page.title
        shown = [t.strip() for t in browser_page.locator('[data-testid="stMetricValue"]').all_inner_texts()]
        for m in page.metrics:
            frame = q.fetch(wh, m.query, q.default_filters(wh))
            figure = m.exact(frame) if m.query == q.HEADLINE_QUERY else m.text(frame)
            assert figure in shown, (page.key, m.label, shown)

    # The map: the QPV outlines drawn (Vega paths), with no tile server to fetch anything from.
    _render(browser_page, server, "qpv")
    chart = browser_page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    chart.screenshot(path=str(SCREENSHOTS / "dashboard_qpv_map.png"))
    assert (SCREENSHOTS / "dashboard_qpv_map.png").stat().st_size > 5_000

    # A view shared by its address, in the browser: the figure of its filters, French-formatted.
    for chosen in FILTER_SETTINGS:
        _render(browser_page, server, "overview&" + "&".join(f"{k}={v}" for k, v in chosen.items()))
        name = "_".join(chosen.values())
        browser_page.screenshot(path=str(SCREENSHOTS / f"dashboard_overview_{name}.png"), full_page=True)
        expected = q.format_eur(
            q.fetch(wh, q.HEADLINE_QUERY, {**q.default_filters(wh), **chosen})["amount_eur"].iloc[0]
        )
        assert browser_page.get_by_text(expected, exact=True).count() >= 1, (chosen, expected)

    # The headline figure, as a person sees it on the overview page.
    _render(browser_page, server, "overview")
    headline = q.format_eur(q.fetch(wh, q.HEADLINE_QUERY, q.default_filters(wh))["amount_eur"].iloc[0])
    assert browser_page.get_by_text(headline, exact=True).count() >= 1


def test_a_warehouse_of_another_contract_only(browser_page, other_warehouse: Path) -> None:
    """The dashboard of a warehouse holding other contracts' documents only (tests/conftest.py):
    one of them chosen in the address, its figures, its QPVs on the map (screenshots kept)."""
    with duckdb.connect(str(other_warehouse), read_only=True) as con:
        planned = con.execute(
            "select sum(amount_eur) from marts.fct_funding where source_kind = 'document' and contract_code = 'CV037'"
        ).fetchone()[0]
    with _serve(other_warehouse) as url:
        for key in ("overview", "qpv"):
            _render(browser_page, url, f"{key}&contract_code=CV037")
            browser_page.screenshot(path=str(SCREENSHOTS / f"other_contract_{key}.png"), full_page=True)
            assert browser_page.locator('[data-testid="stException"]').count() == 0, key
            shown = browser_page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            assert q.format_tile_eur(planned) in [t.strip() for t in shown], (key, shown)
        chart = browser_page.locator('[data-testid="stVegaLiteChart"]').nth(1)
        chart.screenshot(path=str(SCREENSHOTS / "other_contract_map.png"))
