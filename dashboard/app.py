"""The cdv dashboard: who funds what, where and when, read from the warehouse (read-only).

    make dashboard                                   # http://127.0.0.1:8501
    streamlit run dashboard/app.py -- --db FILE      # or CDV_DB=FILE streamlit run dashboard/app.py
    streamlit run dashboard/app.py -- --target postgres --dsn "host=... dbname=..."
                                                     # or CDV_TARGET=postgres CDV_PG_DSN=...

On a PostgreSQL server the dashboard reads as the reader role (``CDV_PG_READER``, unless the DSN
names a user), in read-only transactions.

Pages are chosen in the sidebar or with ``?page=<key>`` (overview, funders, qpv, years, actions,
coverage, executed, quality). Every figure comes from a file of ``dashboard/sql/`` run by
``dashboard/queries.py``: the same SQL the tests, the notebooks and ``cdv query`` run.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# `streamlit run` puts dashboard/ on sys.path, not the repository root the package lives in.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import charts  # noqa: E402
from dashboard import queries as q  # noqa: E402
from ingest import labels  # noqa: E402
from ingest.codes import OUTSIDE_QPV  # noqa: E402
from ingest.readers import Reader, Target, resolve  # noqa: E402

ALL = "(tout)"


def warehouse_target() -> Target:
    """The warehouse the options after ``--`` name (``--db FILE``, ``--target postgres``, ``--dsn``),
    else the environment (CDV_TARGET, CDV_DB, CDV_PG_DSN, libpq's PGHOST...)."""
    # `streamlit run app.py -- --db FILE`; under AppTest sys.argv is the test runner's, hence
    # parse_known_args and no exit on unknown flags.
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--target", choices=("duckdb", "postgres"), default=None)
    parser.add_argument("--dsn", default=None)
    try:
        args, _ = parser.parse_known_args(sys.argv[1:])
    except argparse.ArgumentError:
        args = argparse.Namespace(db=None, target=None, dsn=None)
    return resolve(args.target, args.db, args.dsn)


def _version(con: Reader) -> tuple[Any, ...]:
    """The published warehouse as it is now (``q.version``): a build changes it, and every figure
    kept for the old one is read again."""
    return q.version(con.target, con)


@st.cache_data(max_entries=1024, show_spinner=False)
def _fetched(_con: Reader, version: tuple[Any, ...], name: str, params: tuple[Any, ...]) -> pd.DataFrame:
    return q.fetch(_con, name, dict(params))


@st.cache_data(max_entries=64, show_spinner=False)
def _defaults(_con: Reader, version: tuple[Any, ...]) -> dict[str, str | None]:
    return q.default_filters(_con)


def fetch(con: Reader, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """``q.fetch``, kept per warehouse version, query and filters: a view seen before (by anyone
    using this server) is not computed again until the next build publishes."""
    used = q.parameters(q.sql(name))
    key = tuple(sorted((k, v) for k, v in (params or {}).items() if k in used))
    return _fetched(con, _version(con), name, key).copy()


def show_metrics(page: q.Page, frames: dict[str, pd.DataFrame]) -> None:
    # The headline figure is shown under its question (page_overview), not in the row of totals.
    shown = [m for m in page.metrics if m.query in frames and m.query != q.HEADLINE_QUERY]
    if not shown:
        return
    for column, metric in zip(st.columns(len(shown)), shown, strict=True):
        frame = frames[metric.query]
        column.metric(metric.label, metric.text(frame), help=metric.exact(frame))


def _display(value: Any, name: str) -> str:
    """A number of a table as an analyst reads it: amounts, percentages and counts the French way,
    years and line numbers as they are, nothing for a missing value (never "None"). Text columns
    are not formatted here: their coded values are put in words by ``show_table``."""
    if labels.is_missing(value):
        return ""
    if name.endswith("_eur"):
        return labels.eur(value)
    if name.endswith("_ratio"):
        return labels.percent(value)
    if name.endswith("_count"):
        return labels.count(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# A table shows at most this many rows (a national warehouse has tens of thousands of lines); the
# downloads hold them all.
TABLE_ROWS = 1000


def show_table(frame: pd.DataFrame, name: str) -> None:
    """A table with French headers and formats (the numbers stay numbers: sorting a column sorts
    them), and its rows to download as CSV and as an Excel workbook."""
    shown = frame.copy()
    for column in shown.columns:
        if column in labels.VALUES:
            shown[column] = shown[column].map(lambda v, c=column: labels.value(c, v))
        if not pd.api.types.is_numeric_dtype(shown[column]):
            # Text: an empty cell, not "None".
            shown[column] = shown[column].astype(object).where(shown[column].notna(), "")
    export = shown.rename(columns=labels.column)
    visible = export.head(TABLE_ROWS)
    styled = visible.style.format(
        {
            labels.column(c): (lambda v, c=c: _display(v, c) or "–")
            for c in shown.columns
            if pd.api.types.is_numeric_dtype(shown[c])
        }
    )
    st.dataframe(styled, hide_index=True)
    if len(export) > TABLE_ROWS:
        st.caption(
            f"Les {labels.count(TABLE_ROWS)} premières lignes sur {labels.count(len(export))} : "
            "les fichiers à télécharger les contiennent toutes."
        )
    left, right, _ = st.columns([1, 1, 6])
    # The files are made when a button is clicked (a callable), not on every page load.
    left.download_button(
        "CSV",
        lambda: export.to_csv(index=False).encode("utf-8"),
        f"{name}.csv",
        "text/csv",
        key=f"csv_{name}",
    )
    right.download_button(
        "Excel (.xlsx)",
        lambda: _xlsx(export),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{name}",
    )


def _xlsx(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="xlsxwriter") as writer:
        frame.to_excel(writer, index=False, sheet_name="cdv")
    return out.getvalue()


def show_sql(*names: str) -> None:
    filters = st.session_state.get("filters", {})
    with st.expander("Le SQL de cette page (avec les filtres choisis)"):
        for name in names:
            used = {k: v for k, v in filters.items() if k in q.parameters(q.sql(name))}
            st.caption(f"dashboard/sql/{name}.sql — `{command_line((name,), used)}`")
            st.code(q.sql(name), language="sql")


def filter_bar(con: Reader) -> tuple[dict[str, str | None], dict[str, dict[str, str]]]:
    """The sidebar's filters, drawn from the data loaded and kept in the URL (a view can be shared).
    Each defaults to "all", but the contract when the warehouse holds only one."""
    options = fetch(con, "filter_options")
    defaults = _defaults(con, _version(con))
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


def bar_chart(frame: pd.DataFrame, x: str, y: str, **options: Any) -> None:
    st.altair_chart(charts.bar(frame, x, y, **options), width="stretch")


def _axes(x: str, y: str) -> dict[str, str]:
    return {"x_label": labels.column(x), "y_label": labels.column(y)}


def page_overview(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    filters, names = st.session_state["filters"], st.session_state["filter_labels"]
    st.subheader(q.question(filters, names))
    headline = next(m for m in q.PAGES_BY_KEY["overview"].metrics if m.query == q.HEADLINE_QUERY)
    frame = frames[q.HEADLINE_QUERY]
    st.metric(headline.label, headline.exact(frame))
    st.markdown(
        "Choisissez le contrat, le financeur, l'axe, le QPV et l'année dans la barre de gauche (le lien "
        "de la page garde le choix). Le financeur compte aussi ceux qui en relèvent (un service de l'État "
        "relève de l'ÉTAT) ; les montants sont les parts que `marts.fct_funding` attribue à chaque QPV et "
        "année (une ligne pour plusieurs QPV est répartie à parts égales). Le même chiffre en ligne de "
        f"commande : `{command_line((q.HEADLINE_QUERY,), filters)}`."
    )
    if {"targeted_eur", "shared_eur"} <= set(frame.columns) and not frame.empty:
        row = frame.iloc[0]
        st.markdown(
            f"Dont **ciblé** sur un QPV nommé : {q.format_eur(row['targeted_eur'])} ; "
            f"**partagé** par règle : {q.format_eur(row['shared_eur'])}. {labels.ALLOCATION_NOTE}"
        )
    st.markdown("**Les lignes de financement derrière ce chiffre**, avec le texte d'où elles sont lues :")
    show_table(frames["headline_lines"], "headline_lines")
    show_sql("headline", "headline_lines", "overview_totals")


def page_funders(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    by_funder = frames["funding_by_funder"]
    bar_chart(
        by_funder,
        x="funder_code",
        y="amount_eur",
        color="funder_type",
        horizontal=True,
        sort="-amount_eur",
        **_axes("funder_code", "amount_eur"),
    )
    st.caption(labels.ALLOCATION_NOTE)
    show_table(by_funder, "funding_by_funder")
    st.markdown("**Par type de financeur** (les services de l'État comptent dans `État`)")
    by_type = frames["funding_by_funder_type"]
    bar_chart(
        by_type, x="funder_type", y="amount_eur", sort="-amount_eur", **_axes("funder_type", "amount_eur")
    )
    show_table(by_type, "funding_by_funder_type")
    show_sql("funding_by_funder", "funding_by_funder_type")


def page_qpv(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    by_qpv = frames["funding_by_qpv"]
    split = [c for c in ("targeted_eur", "shared_several_eur", "shared_all_eur") if c in by_qpv.columns]
    if split:
        # Money the text gives the QPV beside money spread over all of them by rule: bars of equal
        # height that are all "shared" say so.
        long = by_qpv.melt(id_vars=["qpv_code"], value_vars=split, var_name="part", value_name="eur")
        long["part"] = long["part"].map(labels.column)
        bar_chart(long, x="qpv_code", y="eur", color="part", x_label="QPV", y_label="Montant (€)")
    else:
        bar_chart(by_qpv, x="qpv_code", y="amount_eur", **_axes("qpv_code", "amount_eur"))
    st.caption(labels.ALLOCATION_NOTE)
    show_table(by_qpv, "funding_by_qpv")
    draw_map(con, by_qpv)
    codes = by_qpv["qpv_code"].tolist()
    if not codes:
        st.info("Aucun financement attribué à un QPV dans cette sélection.")
        return
    names = dict(zip(by_qpv["qpv_code"], by_qpv["qpv_name"].fillna(""), strict=True))
    largest = by_qpv.sort_values("amount_eur", ascending=False)["qpv_code"].iloc[0]
    filters = dict(st.session_state["filters"])
    qpv_code = st.selectbox(
        "Un QPV au fil des années",
        codes,
        index=codes.index(filters["qpv_code"] or largest),
        format_func=lambda code: f"{code} {names.get(code, '')}".strip(),
        key="qpv_over_time",
    )
    over_time = fetch(con, "qpv_funding_by_year", {**filters, "qpv_code": qpv_code})
    st.metric(f"{qpv_code} : financement prévu, toutes années", q.format_eur(over_time["amount_eur"].sum()))
    bar_chart(
        over_time,
        x="funding_year",
        y="amount_eur",
        color="funder_code",
        **_axes("funding_year", "amount_eur"),
    )
    show_table(over_time, "qpv_funding_by_year")
    show_sql("funding_by_qpv", "qpv_funding_by_year")


def draw_map(con: Reader, by_qpv: pd.DataFrame) -> None:
    """The QPVs coloured by their planned funding, drawn from the outlines of reference/geo (no
    tile server: the outlines are the map)."""
    from dashboard import geo

    shapes = geo.qpv_shapes([c for c in by_qpv["qpv_code"] if c != OUTSIDE_QPV])
    if not shapes:
        st.caption(
            "Carte : aucun contour pour ces QPV dans reference/geo (ajoutez le GeoJSON des QPV de leur "
            "région, voir le README)."
        )
        return
    st.markdown("**Carte** : chaque QPV coloré par son financement prévu (contours de reference/geo).")
    st.altair_chart(geo.chart(shapes, by_qpv), width="stretch")


def page_years(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    by_year = frames["funding_by_year"]
    shown = by_year.assign(
        financing_type=by_year["financing_type"].map(lambda v: labels.value("financing_type", v))
    )
    bar_chart(
        shown, x="funding_year", y="amount_eur", color="financing_type", **_axes("funding_year", "amount_eur")
    )
    show_table(by_year, "funding_by_year")
    show_sql("funding_by_year")


def page_actions(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    by_axis = frames["funding_by_axis"]
    st.markdown("**Par pilier et axe**")
    bar_chart(by_axis, x="axis_code", y="amount_eur", color="pillar", **_axes("axis_code", "amount_eur"))
    show_table(by_axis, "funding_by_axis")
    st.markdown(
        "**Par action** (la sous-action d'une fiche, c'est-à-dire l'un de ses tableaux de financement)"
    )
    show_table(frames["funding_by_action"], "funding_by_action")
    show_sql("funding_by_axis", "funding_by_action")


def page_coverage(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    coverage = frames["coverage"]
    st.markdown(
        "Le financement prévu de chaque fiche face au coût que le document indique (son total, sinon ses "
        "postes de coût). La plupart des fiches donnent un tableau de financement ou un coût, rarement les "
        "deux : un taux vide veut dire qu'aucun coût n'est indiqué."
    )
    long = coverage.melt(
        id_vars=["fiche_code"], value_vars=["funding_eur", "cost_eur"], var_name="measure", value_name="eur"
    ).dropna()
    long["measure"] = long["measure"].map(labels.column)
    bar_chart(
        long, x="fiche_code", y="eur", color="measure", stack=False, x_label="Fiche action", y_label="€"
    )
    show_table(coverage, "coverage")
    show_sql("coverage")


def page_executed(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    st.markdown(
        "Le financement prévu (les documents des contrats) face au financement exécuté (l'open data ANCT "
        "des postes financés par l'État), par contrat, année et financeur (les services de l'État comptent "
        "dans l'ÉTAT). Seuls les contrats dotés d'un plan dans l'entrepôt sont comparés ; un contrat "
        "2024-2030 est compté avec le contrat 2015 qu'il prolonge. L'open data mesure deux dispositifs de "
        "l'État (FONJEP, adultes-relais) : le taux compare les postes exécutés à l'argent prévu pour ces "
        "seuls dispositifs (« Prévu comparable ») et, faute de quoi, la ligne dit pourquoi."
    )
    compared = frames["executed_vs_planned"]
    x = next((c for c in ("year", "funding_year", "contract_code") if c in compared.columns), None)
    if x is not None:
        measures = [
            c for c in ("planned_eur", "comparable_planned_eur", "executed_eur") if c in compared.columns
        ]
        long = compared.groupby(x, as_index=False)[measures].sum()
        long = long.melt(id_vars=[x], var_name="measure", value_name="eur")
        long["measure"] = long["measure"].map(labels.column)
        bar_chart(long, x=x, y="eur", color="measure", stack=False, x_label=labels.column(x), y_label="€")
    show_table(compared, "executed_vs_planned")
    show_sql("executed_vs_planned", "executed_only")


def page_quality(con: Reader, frames: dict[str, pd.DataFrame]) -> None:
    st.markdown(
        "**Ce qui a été reconnu dans chaque document** : le contrat (par son titre, son nom, son sigle, ses "
        "noms de lieux ou ses communes, ou donné par l'utilisateur), avec quelle confiance et le texte qui "
        "a décidé ; l'argent lu, la part allée à des financeurs locaux du territoire du contrat, celle sans "
        "financeur, celle qui atteint un QPV."
    )
    show_table(frames["contract_recognition"], "contract_recognition")
    severity = frames["dq_by_severity"]
    for column, row in zip(st.columns(max(len(severity), 1)), severity.itertuples(), strict=False):
        column.metric(f"Gravité : {labels.value('severity', row.severity)}", q.format_count(row.issue_count))
    st.markdown("**Par document et règle**")
    show_table(frames["dq_by_rule"], "dq_by_rule")
    issues = frames["dq_issues"]
    chosen = st.multiselect(
        "Gravité",
        sorted(issues["severity"].unique()),
        default=None,
        format_func=lambda v: labels.value("severity", v),
    )
    st.markdown("**Toutes les anomalies**, avec leur ligne et leur texte")
    show_table(issues[issues["severity"].isin(chosen)] if chosen else issues, "dq_issues")
    st.markdown(
        "**Quarantaine** : les lignes qu'un contrôle a écartées (un montant qui n'est pas un nombre positif "
        "d'euros, pas de financeur, un dispositif ou un code de contrat inconnu, une année illisible) et les "
        "documents qui ne se lisent pas comme leur type le dit. Elles ne comptent dans aucun total ; tout le "
        "reste est publié."
    )
    quarantine = frames["quarantine"]
    if quarantine.empty:
        st.caption("Rien en quarantaine.")
    else:
        show_table(quarantine, "quarantine")
    show_sql("dq_by_severity", "dq_by_rule", "dq_issues", "quarantine")


RENDERERS: dict[str, Callable[[Reader, dict[str, pd.DataFrame]], None]] = {
    "overview": page_overview,
    "funders": page_funders,
    "qpv": page_qpv,
    "years": page_years,
    "actions": page_actions,
    "coverage": page_coverage,
    "executed": page_executed,
    "quality": page_quality,
}


def render(con: Reader, page: q.Page) -> None:
    missing = sorted({rel for name in page.queries for rel in q.missing_relations(con, name)})
    if missing:
        tolerated = set(page.optional)
        if set(missing) <= tolerated:
            st.info(
                f"Pas encore dans cet entrepôt : {', '.join(missing)} n'est pas construit (Not available "
                "in this warehouse yet). Cette page se remplira quand le build le produira."
            )
        else:
            st.error(f"Il manque {', '.join(missing)} à l'entrepôt : reconstruisez-le avec `make run`.")
        return
    filters, labels = filter_bar(con)
    st.session_state["filters"], st.session_state["filter_labels"] = filters, labels
    frames = {name: fetch(con, name, filters) for name in page.queries}
    show_metrics(page, frames)
    RENDERERS[page.key](con, frames)


def main() -> None:
    st.set_page_config(page_title="cdv : financements de la politique de la ville", layout="wide")
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
    target = warehouse_target()
    st.title(page.title)
    try:
        con = q.connect(target)
    except q.WarehouseMissing as exc:
        st.error(str(exc))
        return
    st.sidebar.caption(f"Entrepôt : `{con.describe()}` (lecture seule)")
    try:
        render(con, page)
    finally:
        con.close()


main()
