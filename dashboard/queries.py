"""The dashboard's SQL and page layout, in one place, free of Streamlit.

Every figure the dashboard shows comes from one read-only statement in ``dashboard/sql/<name>.sql``
over the ``marts`` and ``analytics`` schemas. The Streamlit app, the notebooks, the tests and
``cdv query dashboard/sql/<name>.sql`` all run these same files, so a number on a page can be
checked against the warehouse and reproduced from the command line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingest.query import bind, parameters
from ingest.warehouse import open_warehouse  # noqa: F401 (parameters: used by the app)

SQL_DIR = Path(__file__).resolve().parent / "sql"
REPO_ROOT = Path(__file__).resolve().parent.parent

# The question of the selection, as one figure: from the CLI, a notebook and this dashboard.
HEADLINE_QUERY = "headline"
# The filters every page follows (the $parameters of dashboard/sql/*.sql), in the sidebar's order,
# with their labels. None is "all".
FILTERS: tuple[tuple[str, str], ...] = (
    ("contract_code", "Contract"),
    ("funder_code", "Funder (or the funder it rolls up to)"),
    ("axis_code", "Strategic axis"),
    ("qpv_code", "QPV"),
    ("funding_year", "Year"),
)


def default_filters(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """What the pages show before anyone chooses: everything, but the contract when the warehouse
    holds the plan of only one."""
    contracts = [
        value
        for (value,) in con.execute(
            "select distinct contract_code from analytics.funding_by_qpv_year "
            "where funding_kind = 'planned' and contract_code is not null"
        ).fetchall()
    ]
    filters: dict[str, str | None] = dict.fromkeys(name for name, _ in FILTERS)
    if len(contracts) == 1:
        filters["contract_code"] = contracts[0]
    return filters


def question(filters: dict[str, Any], labels: dict[str, dict[str, str]]) -> str:
    """The selection in words: "How much does X put into axis Y, in QPV Z, in 2016?"."""

    def label(name: str, everything: str) -> str:
        value = filters.get(name)
        return everything if value in (None, "") else labels.get(name, {}).get(str(value), str(value))

    return (
        f"How much does {label('funder_code', 'every funder')} put into "
        f"{label('axis_code', 'every axis')}, in {label('qpv_code', 'every QPV')}, "
        f"in {label('funding_year', 'every year')} ({label('contract_code', 'every contract')})?"
    )


def default_db() -> Path:
    """$CDV_DB, else warehouse.duckdb at the repository root (as `cdv`)."""
    return Path(os.environ.get("CDV_DB", REPO_ROOT / "warehouse.duckdb"))


def sql_path(name: str) -> Path:
    return SQL_DIR / f"{name}.sql"


def sql(name: str) -> str:
    return sql_path(name).read_text(encoding="utf-8")


def query_names() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


_RELATION = re.compile(r"\b(marts|analytics)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)


def relations(name: str) -> set[tuple[str, str]]:
    """The (schema, table) pairs a query reads, e.g. {("marts", "fct_funding")}."""
    text = re.sub(r"--[^\n]*", " ", sql(name))
    return {(schema.lower(), table.lower()) for schema, table in _RELATION.findall(text)}


class WarehouseMissing(Exception):
    """No warehouse file at the given path."""


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only: a dashboard or a notebook never writes."""
    if not Path(db).exists():
        raise WarehouseMissing(f"{db}: no warehouse here; build one with `make run` or `cdv build --db {db}`")
    return open_warehouse(db, read_only=True)


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def missing_relations(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return sorted(f"{s}.{t}" for s, t in relations(name) if not relation_exists(con, s, t))


def fetch(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run dashboard/sql/<name>.sql with the filters it uses (the others given are ignored; a filter
    not given is None: all) and return a DataFrame (decimals as floats, for charts)."""
    text = sql(name)
    used = parameters(text)
    values = {key: value for key, value in (params or {}).items() if key in used}
    frame = con.execute(text, bind(text, values)).df()
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


def format_eur(value: Any) -> str:
    """French layout, as shown on every page: 42 549,50 € (a plain space between thousands)."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):,.2f}"
    return text.replace(",", " ").replace(".", ",") + " €"


def format_count(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{int(value):,}".replace(",", " ")


def format_ratio(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{float(value) * 100:.1f} %".replace(".", ",")


FORMATS = {"eur": format_eur, "count": format_count, "ratio": format_ratio}


@dataclass(frozen=True)
class Metric:
    """A figure a page shows with st.metric: `agg` of `column` over the rows of `query`."""

    label: str
    query: str
    column: str
    agg: str = "first"  # first | sum | count
    unit: str = "eur"  # eur | count | ratio

    def value(self, frame: pd.DataFrame) -> Any:
        if self.agg == "count":
            return len(frame)
        if frame.empty:
            return None
        if self.agg == "sum":
            return frame[self.column].sum()
        return frame[self.column].iloc[0]

    def text(self, frame: pd.DataFrame) -> str:
        return FORMATS[self.unit](self.value(frame))


@dataclass(frozen=True)
class Page:
    key: str  # the ?page= value and the exposure name suffix
    title: str
    queries: tuple[str, ...]  # every SQL file the page runs (exposures depend on what they read)
    metrics: tuple[Metric, ...] = ()
    optional: tuple[str, ...] = ()  # relations the page tolerates the absence of


PAGES: tuple[Page, ...] = (
    Page(
        "overview",
        "Overview and the headline question",
        ("overview_totals", "headline", "headline_lines"),
        (
            Metric("Planned funding of the selection", "headline", "amount_eur"),
            Metric("Planned funding (the selection's QPVs and years)", "overview_totals", "planned_eur"),
            Metric("Planned funding lines", "overview_totals", "funding_line_count", unit="count"),
            Metric("Executed funding (ANCT open data)", "overview_totals", "executed_eur"),
            Metric("Data-quality issues", "overview_totals", "issue_count", unit="count"),
        ),
    ),
    Page(
        "funders",
        "Funding by funder and funder type",
        ("funding_by_funder", "funding_by_funder_type"),
        (
            Metric("Planned funding", "funding_by_funder", "amount_eur", agg="sum"),
            Metric("Funders", "funding_by_funder", "funder_code", agg="count", unit="count"),
            Metric("Largest funder", "funding_by_funder", "amount_eur"),
        ),
    ),
    Page(
        "qpv",
        "Funding by QPV",
        ("funding_by_qpv", "qpv_funding_by_year"),
        (
            Metric("Planned funding", "funding_by_qpv", "amount_eur", agg="sum"),
            Metric("QPVs (and HORS_QPV)", "funding_by_qpv", "qpv_code", agg="count", unit="count"),
        ),
    ),
    Page(
        "years",
        "Funding by year",
        ("funding_by_year",),
        (Metric("Planned funding", "funding_by_year", "amount_eur", agg="sum"),),
    ),
    Page(
        "actions",
        "Funding by pillar, axis and action",
        ("funding_by_axis", "funding_by_action"),
        (
            Metric("Planned funding", "funding_by_action", "amount_eur", agg="sum"),
            Metric("Actions funded", "funding_by_action", "action_id", agg="count", unit="count"),
        ),
    ),
    Page(
        "coverage",
        "Coverage: funding against cost",
        ("coverage",),
        (
            Metric("Fiches", "coverage", "fiche_code", agg="count", unit="count"),
            Metric("Planned funding of the fiches", "coverage", "funding_eur", agg="sum"),
            Metric("Stated costs", "coverage", "cost_eur", agg="sum"),
        ),
    ),
    Page(
        "executed",
        "Executed against planned",
        ("executed_vs_planned", "executed_only"),
        (
            Metric("Planned (contracts with a plan)", "executed_vs_planned", "planned_eur", agg="sum"),
            Metric(
                "Planned, dispositifs the open data measures",
                "executed_vs_planned",
                "comparable_planned_eur",
                agg="sum",
            ),
            Metric("Executed (same contracts)", "executed_vs_planned", "executed_eur", agg="sum"),
            Metric("Contracts with executed funding only", "executed_only", "contract_count", unit="count"),
            Metric("Their executed funding", "executed_only", "executed_eur"),
        ),
        optional=("analytics.executed_vs_planned",),
    ),
    Page(
        "quality",
        "Data quality",
        ("contract_recognition", "dq_by_severity", "dq_by_rule", "dq_issues", "quarantine"),
        (
            Metric("Open issues", "dq_issues", "issue_id", agg="count", unit="count"),
            Metric(
                "Rows and documents in quarantine", "quarantine", "quarantine_id", agg="count", unit="count"
            ),
        ),
    ),
)

PAGES_BY_KEY = {page.key: page for page in PAGES}
