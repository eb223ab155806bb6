"""The cdv dashboard: who funds what, where and when, read from the warehouse (read-only).

    make dashboard                                   # http://127.0.0.1:8501
    streamlit run dashboard/app.py -- --db FILE      # or CDV_DB=FILE streamlit run dashboard/app.py

Pages are chosen in the sidebar or with ``?page=<key>`` (overview, funders, qpv, years, actions,
coverage, executed, quality). Every figure comes from a file of ``dashboard/sql/`` run by
``dashboard/queries.py``: the same SQL the tests, the notebooks and ``cdv query`` run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

# `streamlit run` puts dashboard/ on sys.path, not the repository root the package lives in.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import queries as q  # noqa: E402

ALL = "(all)"


def warehouse_path() -> Path:
    # `streamlit run app.py -- --db FILE`; under AppTest sys.argv is the test runner's, hence
    # parse_known_args and no exit on unknown flags.
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--db", type=Path, default=None)
    try:
        args, _ = parser.parse_known_args(sys.argv[1:])
    except argparse.ArgumentError:
        args = argparse.Namespace(db=None)
    return args.db or q.default_db()


def show_metrics(page: q.Page, frames: dict[str, pd.DataFrame]) -> None:
    # The headline figure is shown under its question (page_overview), not in the row of totals.
    shown = [m for m in page.metrics if m.query in frames and m.query != q.HEADLINE_QUERY]
    if not shown:
        return
    for column, metric in zip(st.columns(len(shown)), shown, strict=True):
        column.metric(metric.label, metric.text(frames[metric.query]))


def show_sql(*names: str) -> None:
    filters = st.session_state.get("filters", {})
    with st.expander("SQL behind this page (with the filters chosen)"):
        for name in names:
            used = {k: v for k, v in filters.items() if k in q.parameters(q.sql(name))}
            st.caption(f"dashboard/sql/{name}.sql — `{command_line((name,), used)}`")
            st.code(q.sql(name), language="sql")


def filter_bar(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str | None], dict[str, dict[str, str]]]:
    """The sidebar's filters, drawn from the data loaded and kept in the URL (a view can be shared).
    Each defaults to "all", but the contract when the warehouse holds only one."""
    options = q.fetch(con, "filter_options")
    defaults = q.default_filters(con)
    chosen: dict[str, str | None] = {}
    labels: dict[str, dict[str, str]] = {}
    for name, title in q.FILTERS:
        rows = options[options["filter"] == name]
        labels[name] = dict(zip(rows["value"], rows["label"], strict=True))
        values = [ALL, *rows["value"].tolist()]
        requested = st.query_params.get(name)
        if requested in values:
            default = requested
        elif defaults.get(name) in values:
            default = defaults[name]
        else:
            default = ALL
        choice = st.sidebar.selectbox(
            title,
            values,
            index=values.index(default),
            format_func=lambda v, n=name: labels[n].get(v, v),
            key=name,
        )
        chosen[name] = None if choice == ALL else choice
        if chosen[name] is None:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = choice
    return chosen, labels


def command_line(names: tuple[str, ...], filters: dict[str, str | None]) -> str:
    given = " ".join(f"--param {k}={v}" for k, v in filters.items() if v is not None)
    return "; ".join(f"cdv query dashboard/sql/{name}.sql {given}".strip() for name in names)


def page_overview(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    filters, labels = st.session_state["filters"], st.session_state["filter_labels"]
    st.subheader(q.question(filters, labels))
    headline = next(m for m in q.PAGES_BY_KEY["overview"].metrics if m.query == q.HEADLINE_QUERY)
    st.metric(headline.label, headline.text(frames[q.HEADLINE_QUERY]))
    st.markdown(
        "Choose the funder, axis, QPV and year in the sidebar. The funder includes every funder rolling "
        "up to it (a State service rolls up to ÉTAT); amounts are the shares `marts.fct_funding` allocates "
        "to each QPV and year (a line for several QPVs is split evenly among them). Same figure from the "
        f"command line: `{command_line((q.HEADLINE_QUERY,), filters)}`."
    )
    st.markdown("**The funding lines behind the figure**, with the text they were read from:")
    st.dataframe(frames["headline_lines"], hide_index=True)
    show_sql("headline", "headline_lines", "overview_totals")


def page_funders(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    by_funder = frames["funding_by_funder"]
    st.bar_chart(
        by_funder, x="funder_code", y="amount_eur", color="funder_type", horizontal=True, sort="-amount_eur"
    )
    st.dataframe(by_funder, hide_index=True)
    st.markdown("**By funder type** (State services count as `etat`)")
    by_type = frames["funding_by_funder_type"]
    st.bar_chart(by_type, x="funder_type", y="amount_eur", sort="-amount_eur")
    st.dataframe(by_type, hide_index=True)
    show_sql("funding_by_funder", "funding_by_funder_type")


def page_qpv(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    by_qpv = frames["funding_by_qpv"]
    st.bar_chart(by_qpv, x="qpv_code", y="amount_eur")
    st.dataframe(by_qpv, hide_index=True)
    codes = by_qpv["qpv_code"].tolist()
    if not codes:
        st.info("No funding allocated to any QPV in this selection.")
        return
    names = dict(zip(by_qpv["qpv_code"], by_qpv["qpv_name"].fillna(""), strict=True))
    largest = by_qpv.sort_values("amount_eur", ascending=False)["qpv_code"].iloc[0]
    filters = dict(st.session_state["filters"])
    qpv_code = st.selectbox(
        "One QPV over time",
        codes,
        index=codes.index(filters["qpv_code"] or largest),
        format_func=lambda code: f"{code} {names.get(code, '')}".strip(),
        key="qpv_over_time",
    )
    over_time = q.fetch(con, "qpv_funding_by_year", {**filters, "qpv_code": qpv_code})
    st.metric(f"{qpv_code}: planned funding, all years", q.format_eur(over_time["amount_eur"].sum()))
    st.bar_chart(over_time, x="funding_year", y="amount_eur", color="funder_code")
    st.dataframe(over_time, hide_index=True)
    show_sql("funding_by_qpv", "qpv_funding_by_year")


def page_years(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    by_year = frames["funding_by_year"]
    st.bar_chart(by_year, x="funding_year", y="amount_eur", color="financing_type")
    st.dataframe(by_year, hide_index=True)
    show_sql("funding_by_year")


def page_actions(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    by_axis = frames["funding_by_axis"]
    st.markdown("**By pillar and axis**")
    st.bar_chart(by_axis, x="axis_code", y="amount_eur", color="pillar")
    st.dataframe(by_axis, hide_index=True)
    st.markdown("**By action** (a fiche's sub-action, i.e. one of its funding tables)")
    st.dataframe(frames["funding_by_action"], hide_index=True)
    show_sql("funding_by_axis", "funding_by_action")


def page_coverage(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    coverage = frames["coverage"]
    st.markdown(
        "Planned funding of each fiche against the cost the document states for it (its total, else "
        "its one-off cost items). Most fiches state either a funding table or a cost, rarely both: "
        "an empty ratio means no stated cost."
    )
    long = coverage.melt(
        id_vars=["fiche_code"], value_vars=["funding_eur", "cost_eur"], var_name="measure", value_name="eur"
    ).dropna()
    st.bar_chart(long, x="fiche_code", y="eur", color="measure", stack=False)
    st.dataframe(coverage, hide_index=True)
    show_sql("coverage")


def page_executed(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    st.markdown(
        "Planned funding (the contract documents) against executed funding (the ANCT open data of "
        "State-funded posts), per contract, year and funder (rolled up: State services count as ETAT). "
        "Only the contracts with a plan in the warehouse are compared; a 2024-2030 contract is reported "
        "under the 2015 contract it continues. The open data measures two State dispositifs (FONJEP, "
        "adultes-relais): the ratio compares executed posts with the planned money of those dispositifs "
        "only (`comparable_planned_eur`), and where there is none the row says why (`no_ratio_reason`)."
    )
    compared = frames["executed_vs_planned"]
    x = next((c for c in ("year", "funding_year", "contract_code") if c in compared.columns), None)
    if x is not None:
        measures = [
            c for c in ("planned_eur", "comparable_planned_eur", "executed_eur") if c in compared.columns
        ]
        long = compared.groupby(x, as_index=False)[measures].sum()
        long = long.melt(id_vars=[x], var_name="measure", value_name="eur")
        st.bar_chart(long, x=x, y="eur", color="measure", stack=False)
    st.dataframe(compared, hide_index=True)
    show_sql("executed_vs_planned", "executed_only")


def page_quality(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    st.markdown(
        "**What was recognised in each contract document**: the contract (from its title, name, acronym, "
        "place words or communes, or given by the user), with which confidence and the text that decided; "
        "the money read, how much of it went to local funders placed on the contract's territory, how much "
        "has no funder, and how much reaches a QPV."
    )
    st.dataframe(frames["contract_recognition"], hide_index=True)
    severity = frames["dq_by_severity"]
    for column, row in zip(st.columns(max(len(severity), 1)), severity.itertuples(), strict=False):
        column.metric(f"Severity {row.severity}", q.format_count(row.issue_count))
    st.markdown("**By document and rule**")
    st.dataframe(frames["dq_by_rule"], hide_index=True)
    issues = frames["dq_issues"]
    chosen = st.multiselect("Severity", sorted(issues["severity"].unique()), default=None)
    st.markdown("**Every issue**, with its line and text")
    st.dataframe(issues[issues["severity"].isin(chosen)] if chosen else issues, hide_index=True)
    st.markdown(
        "**Quarantine**: rows a row-level check failed (an amount that is not a positive number of euros, "
        "no funder, an unknown dispositif or contract code, an unreadable year) and documents not read as "
        "their kind says. They are in no total; everything else is published."
    )
    quarantine = frames["quarantine"]
    if quarantine.empty:
        st.caption("Nothing in quarantine.")
    else:
        st.dataframe(quarantine, hide_index=True)
    show_sql("dq_by_severity", "dq_by_rule", "dq_issues", "quarantine")


RENDERERS: dict[str, Callable[[duckdb.DuckDBPyConnection, dict[str, pd.DataFrame]], None]] = {
    "overview": page_overview,
    "funders": page_funders,
    "qpv": page_qpv,
    "years": page_years,
    "actions": page_actions,
    "coverage": page_coverage,
    "executed": page_executed,
    "quality": page_quality,
}


def render(con: duckdb.DuckDBPyConnection, page: q.Page) -> None:
    missing = sorted({rel for name in page.queries for rel in q.missing_relations(con, name)})
    if missing:
        tolerated = set(page.optional)
        if set(missing) <= tolerated:
            st.info(
                f"Not available in this warehouse: {', '.join(missing)} is not built yet. "
                "This page fills in once the build produces it."
            )
        else:
            st.error(f"The warehouse lacks {', '.join(missing)}: rebuild it with `make run`.")
        return
    filters, labels = filter_bar(con)
    st.session_state["filters"], st.session_state["filter_labels"] = filters, labels
    frames = {name: q.fetch(con, name, filters) for name in page.queries}
    show_metrics(page, frames)
    RENDERERS[page.key](con, frames)


def main() -> None:
    st.set_page_config(page_title="cdv: politique de la ville funding", layout="wide")
    keys = [page.key for page in q.PAGES]
    requested = st.query_params.get("page", keys[0])
    key = st.sidebar.radio(
        "Page",
        keys,
        index=keys.index(requested) if requested in keys else 0,
        format_func=lambda k: q.PAGES_BY_KEY[k].title,
    )
    st.query_params["page"] = key
    page = q.PAGES_BY_KEY[key]
    db = warehouse_path()
    st.sidebar.caption(f"Warehouse: `{db}` (read-only)")
    st.title(page.title)
    try:
        con = q.connect(db)
    except q.WarehouseMissing as exc:
        st.error(str(exc))
        return
    try:
        render(con, page)
    finally:
        con.close()


main()
