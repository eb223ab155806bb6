"""The dashboard's SQL and page layout, in one place, free of Streamlit.

Every figure the dashboard shows comes from one read-only statement in ``dashboard/sql/<name>.sql``
over the ``marts`` and ``analytics`` schemas. The Streamlit app, the notebooks, the tests and
``cdv query dashboard/sql/<name>.sql`` all run these same files, so a number on a page can be
checked against the warehouse and reproduced from the command line. The files run unchanged on a
DuckDB file and on a PostgreSQL server (``ingest.readers``): standard SQL both engines read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingest import labels
from ingest.postgres import READER_SCHEMAS
from ingest.query import as_target, bind, parameters
from ingest.readers import Reader, ReaderError, Target

# What the functions below read: a reader on either target, or a DuckDB connection of one's own.
Connection = Reader | duckdb.DuckDBPyConnection

SQL_DIR = Path(__file__).resolve().parent / "sql"

# The question of the selection, as one figure: from the CLI, a notebook and this dashboard.
HEADLINE_QUERY = "headline"
# The filters every page follows (the $parameters of dashboard/sql/*.sql), in the sidebar's order,
# with their labels. None is "all".
FILTERS: tuple[tuple[str, str], ...] = (
    ("contract_code", "Contrat"),
    ("funding_kind", "Prévu ou exécuté"),
    ("funder_code", "Financeur (ou celui dont il relève)"),
    ("funder_type", "Type de financeur"),
    ("pillar", "Pilier"),
    ("axis_code", "Axe stratégique"),
    ("fiche_code", "Fiche action"),
    ("qpv_code", "QPV"),
    ("funding_year", "Année"),
)


def _rows(con: Connection, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    if isinstance(con, Reader):
        return con.rows(sql, params)
    return [tuple(row) for row in con.execute(sql, params or {}).fetchall()]


def _frame(con: Connection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    if isinstance(con, Reader):
        return con.frame(sql, params)
    return con.execute(sql, params).df()


def default_filters(con: Connection) -> dict[str, str | None]:
    """What the pages show before anyone chooses: everything, but the contract when the warehouse
    holds the plan of only one."""
    contracts = [
        value
        for (value,) in _rows(
            con,
            "select distinct contract_code from analytics.funding_by_qpv_year "
            "where funding_kind = 'planned' and contract_code is not null",
        )
    ]
    filters: dict[str, str | None] = dict.fromkeys(name for name, _ in FILTERS)
    filters["funding_kind"] = "planned"  # the plan unless asked (both at once would add up apples and pears)
    if len(contracts) == 1:
        filters["contract_code"] = contracts[0]
    return filters


def question(filters: dict[str, Any], names: dict[str, dict[str, str]]) -> str:
    """The selection in words: "Combien X apporte-t-il à l'axe Y, dans le QPV Z, en 2016 ?"."""

    def label(name: str, everything: str, prefix: str = "") -> str:
        value = filters.get(name)
        return everything if value in (None, "") else prefix + names.get(name, {}).get(str(value), str(value))

    return (
        f"Combien {label('funder_code', 'l’ensemble des financeurs')} apporte-t-il à "
        f"{label('axis_code', 'tous les axes')}, dans {label('qpv_code', 'tous les QPV', 'le QPV ')}, "
        f"{label('funding_year', 'sur toutes les années', 'en ')} "
        f"({label('contract_code', 'tous les contrats', 'contrat ')}) ?"
    )


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
    """No warehouse to read: no file at the given path, or a server that cannot be reached."""


def connect(where: Target | Path) -> Reader:
    """The warehouse (a target, or a DuckDB file), read-only: a dashboard or a notebook never writes;
    on a server, as the reader role."""
    target = as_target(where)
    if target.kind == "duckdb" and target.db is not None and not target.db.exists():
        raise WarehouseMissing(
            f"{target.db}: no warehouse here; build one with `make run` or `cdv build --db {target.db}`"
        )
    try:
        return Reader(target)
    except ReaderError as exc:
        raise WarehouseMissing(str(exc)) from exc


def version(target: Target, con: Connection | None = None) -> tuple[Any, ...]:
    """The published warehouse as it is now, to key what is kept of it: a build replaces the DuckDB
    file (its time and size change), or swaps in new schemas on a server (new schemas, new oids)."""
    if target.kind == "postgres" and con is not None:
        names = ", ".join(f"'{schema}'" for schema in READER_SCHEMAS)
        oids = _rows(
            con, f"select nspname, oid::bigint from pg_namespace where nspname in ({names}) order by 1"
        )
        return (target.dsn, *oids)
    assert target.db is not None
    info = target.db.stat()
    return str(target.db), info.st_mtime_ns, info.st_size


def relation_exists(con: Connection, schema: str, table: str) -> bool:
    if isinstance(con, Reader):
        return con.relation_exists(schema, table)
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def missing_relations(con: Connection, name: str) -> list[str]:
    return sorted(f"{s}.{t}" for s, t in relations(name) if not relation_exists(con, s, t))


def fetch(con: Connection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run dashboard/sql/<name>.sql with the filters it uses (the others given are ignored; a filter
    not given is None: all) and return a DataFrame (decimals as floats, for charts). A filter is
    text, as the sidebar and the command line give it (a year 2016 is '2016'): the SQL casts what it
    compares with a number, and a server compares text only with text."""
    text = sql(name)
    used = parameters(text)
    values = {
        key: None if value is None else str(value) for key, value in (params or {}).items() if key in used
    }
    frame = _frame(con, text, bind(text, values))
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


def format_eur(value: Any) -> str:
    """French layout, as shown on every page: 6 537 498 €, 42 549,50 € (cents when there are any)."""
    return labels.eur(value) or "–"


# A tile shows at most this many characters of an amount; beyond, k€ / M€ (the exact figure is
# in the tile's tooltip): a tile never cuts its figure.
TILE_WIDTH = 13


def format_tile_eur(value: Any) -> str:
    text = format_eur(value)
    return text if len(text) <= TILE_WIDTH else labels.eur_short(value)


def format_count(value: Any) -> str:
    return labels.count(value) or "–"


def format_ratio(value: Any) -> str:
    return labels.percent(value) or "–"


FORMATS = {"eur": format_tile_eur, "count": format_count, "ratio": format_ratio}
EXACT = {"eur": format_eur, "count": format_count, "ratio": format_ratio}


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

    def exact(self, frame: pd.DataFrame) -> str:
        """The figure in full (the tile's tooltip when the tile shows it in k€ or M€)."""
        return EXACT[self.unit](self.value(frame))


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
        "Vue d'ensemble : la question du jour",
        ("overview_totals", "headline", "headline_lines"),
        (
            Metric("Financement prévu de la sélection", "headline", "amount_eur"),
            Metric("Prévu (QPV et années choisis)", "overview_totals", "planned_eur"),
            Metric("Lignes de financement prévues", "overview_totals", "funding_line_count", unit="count"),
            Metric("Exécuté (open data ANCT)", "overview_totals", "executed_eur"),
            Metric("Anomalies de lecture", "overview_totals", "issue_count", unit="count"),
        ),
    ),
    Page(
        "funders",
        "Financement par financeur et type de financeur",
        ("funding_by_funder", "funding_by_funder_type"),
        (
            Metric("Financement prévu", "funding_by_funder", "amount_eur", agg="sum"),
            Metric("Financeurs", "funding_by_funder", "funder_code", agg="count", unit="count"),
            Metric("Premier financeur", "funding_by_funder", "amount_eur"),
        ),
    ),
    Page(
        "qpv",
        "Financement par QPV",
        ("funding_by_qpv", "qpv_funding_by_year"),
        (
            Metric("Financement prévu", "funding_by_qpv", "amount_eur", agg="sum"),
            Metric("QPV (et hors QPV)", "funding_by_qpv", "qpv_code", agg="count", unit="count"),
        ),
    ),
    Page(
        "years",
        "Financement par année",
        ("funding_by_year",),
        (Metric("Financement prévu", "funding_by_year", "amount_eur", agg="sum"),),
    ),
    Page(
        "actions",
        "Financement par pilier, axe et action",
        ("funding_by_axis", "funding_by_action"),
        (
            Metric("Financement prévu", "funding_by_action", "amount_eur", agg="sum"),
            Metric("Actions financées", "funding_by_action", "action_id", agg="count", unit="count"),
        ),
    ),
    Page(
        "coverage",
        "Couverture : financement et coût des actions",
        ("coverage",),
        (
            Metric("Fiches actions", "coverage", "fiche_code", agg="count", unit="count"),
            Metric("Financement prévu des fiches", "coverage", "funding_eur", agg="sum"),
            Metric("Coûts indiqués", "coverage", "cost_eur", agg="sum"),
        ),
    ),
    Page(
        "executed",
        "Exécuté et prévu",
        ("executed_vs_planned", "executed_only"),
        (
            Metric("Prévu (contrats dotés d'un plan)", "executed_vs_planned", "planned_eur", agg="sum"),
            Metric(
                "Prévu, dispositifs mesurés par l'open data",
                "executed_vs_planned",
                "comparable_planned_eur",
                agg="sum",
            ),
            Metric("Exécuté (mêmes contrats)", "executed_vs_planned", "executed_eur", agg="sum"),
            Metric("Contrats avec de l'exécuté seulement", "executed_only", "contract_count", unit="count"),
            Metric("Leur financement exécuté", "executed_only", "executed_eur"),
        ),
        optional=("analytics.executed_vs_planned",),
    ),
    Page(
        "quality",
        "Qualité des données",
        ("contract_recognition", "dq_by_severity", "dq_by_rule", "dq_issues", "quarantine"),
        (
            Metric("Anomalies ouvertes", "dq_issues", "issue_id", agg="count", unit="count"),
            Metric(
                "Lignes et documents en quarantaine", "quarantine", "quarantine_id", agg="count", unit="count"
            ),
        ),
    ),
)

PAGES_BY_KEY = {page.key: page for page in PAGES}
