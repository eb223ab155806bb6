"""The warehouse as analysts see it, built by `cdv build` from the bundled inputs."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_counts_hold_on_the_bundled_documents(wh) -> None:
    assert wh.execute("select count(*) from staging.stg_documents__fiches").fetchone()[0] == 16
    assert wh.execute("select count(*) from staging.stg_documents__annex_objectives").fetchone()[0] == 46
    assert (
        wh.execute(
            "select count(*) from analytics.funding_lines where document_file like 'perpignan%'"
        ).fetchone()[0]
        == 66
    )


def test_funding_by_funder_rolls_up_to_the_state(wh) -> None:
    rows = dict(
        wh.execute(
            """
            select coalesce(funder_parent_code, funder_code), sum(amount_eur)
            from analytics.funding_lines
            where document_file like 'perpignan%'
            group by all
            """
        ).fetchall()
    )
    # The State's services, added up by hand from the tables; the CDDI 350 000 € of fiche 3-1-1 (under
    # "CAF", one column off) is the Département's, not the State's.
    assert rows["ETAT"] == Decimal("5203506.00")
    assert rows["DEP-66"] == Decimal("1174092.00")
    assert sum(rows.values()) == Decimal("6537498.00")


def test_allocation_conserves_every_funder_to_the_cent(wh) -> None:
    rows = wh.execute(
        """
        with expected as (
            select funder_code, sum(amount_eur * case when is_recurring then year_count else 1 end) as eur
            from analytics.funding_lines group by all
        ),
        allocated as (select funder_code, sum(amount_eur) as eur from marts.fct_funding group by all)
        select e.funder_code, e.eur, a.eur from expected e full join allocated a using (funder_code)
        """
    ).fetchall()
    assert rows
    for funder, expected, allocated in rows:
        assert expected == allocated, funder


def test_funding_by_qpv_and_year(wh) -> None:
    # The Centre Ancien fab lab (1-2-1) has no funding; Centre Ancien still gets its share of the
    # "Tous les QPV" lines and of the "centre ancien et Vernet" test zone of 3-2-1 Action 2.
    centre = wh.execute(
        "select sum(amount_eur) from marts.fct_funding where qpv_code = 'QP066008' and contract_code = 'CV235'"
    ).fetchone()[0]
    assert centre > 0
    # The facilitator's 10 000 €/an (3-4-1, "À partir de Mai 2015"): each year 2015-2020, 9 QPVs.
    per_year = wh.execute(
        """
        select funding_year, sum(f.amount_eur)
        from marts.fct_funding f join analytics.funding_lines l using (funding_line_id)
        where l.is_recurring group by all order by 1
        """
    ).fetchall()
    assert per_year == [(year, Decimal("10000.00")) for year in range(2015, 2021)]


def test_readme_queries_run(wh) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    statements = [
        s
        for block in blocks
        for s in block.split(";")
        if s.strip() and not s.strip().startswith("--") or re.search(r"\bselect\b", s)
    ]
    assert len([s for s in statements if "select" in s]) >= 3
    for statement in statements:
        if "select" in statement:
            assert wh.execute(statement).fetchall()


def test_dbt_knows_every_kind_the_ingest_recognises() -> None:
    import yaml

    from ingest.kinds import KINDS

    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert set(project["vars"]["document_kinds"]) == {kind.name for kind in KINDS} | {"unknown"}


def test_anct_posts_are_executed_funding_lines_to_the_cent(wh) -> None:
    # Per file: the funding lines are the file's posts less exact repeats and 0 € posts, to the cent.
    rows = wh.execute(
        """
        with staged as (
            select document_file, count(*) as n, sum(amount_eur) as eur
            from staging.stg_anct__posts where not is_repeated_record and amount_eur > 0 group by all
        ),
        lines as (
            select document_file, count(*) as n, sum(amount_eur) as eur
            from analytics.funding_lines where source_kind = 'dataset' group by all
        )
        select s.document_file, s.n, l.n, s.eur, l.eur from staged s full join lines l using (document_file)
        """
    ).fetchall()
    assert len(rows) == 12
    for document_file, staged_n, lines_n, staged_eur, lines_eur in rows:
        assert (staged_n, staged_eur) == (lines_n, lines_eur), document_file
    funder = wh.execute(
        "select distinct funder_code, financing_type, funder_source from analytics.funding_lines "
        "where source_kind = 'dataset'"
    ).fetchall()
    assert funder == [("ETAT", "credits_specifiques", "dataset")]


def test_executed_vs_planned_lines_up_contract_generations(wh) -> None:
    rows = dict(
        wh.execute(
            """
            select funding_year, published_contract_codes from analytics.executed_vs_planned
            where contract_code = 'CV235' and funder_code = 'ETAT'
            """
        ).fetchall()
    )
    assert rows[2020] == "CV235" and rows[2024] == "CN06602M"
    planned_2015 = wh.execute(
        "select planned_eur from analytics.executed_vs_planned "
        "where contract_code = 'CV235' and funder_code = 'ETAT' and funding_year = 2015"
    ).fetchone()[0]
    allocated = wh.execute(
        """
        select sum(f.amount_eur) from marts.fct_funding f join marts.dim_funder d using (funder_code)
        where f.contract_code = 'CV235' and f.funding_year = 2015 and d.root_funder_code = 'ETAT'
            and f.source_kind = 'document'
        """
    ).fetchone()[0]
    assert planned_2015 == allocated > 0


def test_every_raw_column_is_declared_and_described_in_the_sources() -> None:
    import yaml

    from ingest.schema import RAW_TABLES

    # Two sources on the raw schema, one per source system (documents, anct): a table is declared
    # under its physical name (identifier) in one of them.
    declared = {
        table.get("identifier", table["name"]): {
            c["name"]: c.get("description") for c in table.get("columns", [])
        }
        for path in (ROOT / "models/staging").glob("*/_*__sources.yml")
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
        for table in source["tables"]
    }
    for table, columns in RAW_TABLES.items():
        assert table in declared, table
        assert [name for name, _ in columns] == list(declared[table]), table
        assert all(declared[table].values()), table


def test_a_sub_action_territory_sends_its_money_to_its_qpv_only(wh) -> None:
    # 3-2-1 Action 3 (voitures solidaires): "Action 3 quartier bas vernet Est" = QP066007 only; its table
    # holds DIRECCTE 22 500 € and the Département's 30 000 € maximum, no year given and no calendar in
    # the fiche: spread over the contract period 2015-2020.
    rows = wh.execute(
        """
        select f.qpv_code, min(f.funding_year), max(f.funding_year), sum(f.amount_eur)
        from marts.fct_funding f join marts.dim_action a using (action_id)
        where a.fiche_code = '3-2-1' and a.sub_action like 'Action 3%'
        group by all
        """
    ).fetchall()
    assert rows == [("QP066007", 2015, 2020, Decimal("52500.00"))]


def test_places_that_are_not_qpvs_go_to_the_explicit_outside_member(wh) -> None:
    # 2-1-2: "Phase 1 : Centre-Ancien (Axe Foch-Augustins-Fusterie) Phase 2 : Autres QPV en souffrance".
    targets = wh.execute(
        """
        select target_code from staging.stg_documents__territory_targets
        where fiche_code = '2-1-2' order by target_code
        """
    ).fetchall()
    assert targets == [("NONE",), ("QP066008",)]
    assert wh.execute("select qpv_name from marts.dim_qpv where qpv_code = 'HORS_QPV'").fetchone()[0]


def test_the_warehouse_file_can_be_copied_under_another_name(warehouse, tmp_path) -> None:
    import shutil

    import duckdb

    copy = tmp_path / "a-copy-for-an-analyst.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        for view in (
            "analytics.funding_lines",
            "analytics.executed_vs_planned",
            "staging.stg_documents__fiches",
        ):
            assert con.execute(f"select count(*) from {view}").fetchone()[0] > 0, view


def test_dbt_builds_only_what_changed(warehouse, tmp_path) -> None:
    from ingest.build import dbt_build_args, dbt_state, project_fingerprint

    assert (dbt_state(warehouse) / "manifest.json").is_file()  # kept by the published build
    state = ["--state", str(dbt_state(warehouse))]
    project = project_fingerprint()
    assert (dbt_state(warehouse) / "project.sha256").read_text() == project
    # Nothing changed: state:modified+ (which selects nothing).
    assert dbt_build_args(warehouse, [], force=False) == ["build", "--select", "state:modified+", *state]
    # Data changed, the project as it was: what the changed raw tables reach, without unit tests.
    assert dbt_build_args(warehouse, ["fiches", "documents"], force=False) == [
        "build",
        "--select",
        "source:cdv.documents.documents+",
        "source:cdv.documents.fiches+",
        "--exclude-resource-type",
        "unit_test",
    ]
    # The project changed too: state:modified+ as well, unit tests included.
    assert dbt_build_args(warehouse, ["fiches"], force=False, project="another") == [
        "build",
        "--select",
        "state:modified+",
        "source:cdv.documents.fiches+",
        *state,
    ]
    assert dbt_build_args(warehouse, ["fiches"], force=True) == ["build"]
    assert dbt_build_args(tmp_path / "new.duckdb", [], force=False) == ["build"]


# -- money the text qualifies (issue 12): read on the real document ----------------------------------


def test_an_of_which_part_goes_to_the_qpv_it_names(wh) -> None:
    """ "ACI : 68 ETP réservés : 1 380 900 € (dont 3 ACI Centre ancien=731 000€)" (fiche 3-1-1 B): the
    731 000 € are Centre Ancien's; the rest is shared among the other eight QPVs the table names."""
    shares = dict(
        wh.execute(
            """
            select qpv_code, sum(amount_eur) from marts.fct_funding
            where funding_line_id in (select funding_line_id from analytics.funding_lines where amount_eur = 1380900)
            group by 1
            """
        ).fetchall()
    )
    assert shares["QP066008"] == Decimal("731000.00")
    assert sorted(set(v for k, v in shares.items() if k != "QP066008")) == [Decimal("81237.50")]
    assert sum(shares.values()) == Decimal("1380900.00") and len(shares) == 9


def test_departement_wide_amounts_are_not_qpv_money(wh) -> None:
    """ "Actions d'insertion marché-public menées à l'échelle départementale : ... 70 000 € ... 146 400 €
    ... 63 000 €" and "... menée à l'échelle départementale : 24 192 €" (fiche 3-2-1): scope
    departement, allocated outside the QPVs."""
    rows = wh.execute(
        "select amount_eur, scope from analytics.funding_lines where scope <> 'qpv' order by amount_eur"
    ).fetchall()
    assert rows == [(Decimal(a), "departement") for a in ("24192.00", "63000.00", "70000.00", "146400.00")]
    outside = wh.execute(
        """
        select distinct qpv_code, qpv_allocation from analytics.funding_by_qpv_year
        where funding_line_id in (select funding_line_id from analytics.funding_lines where scope <> 'qpv')
        """
    ).fetchall()
    assert outside == [("HORS_QPV", "territory_wide")]


def test_amounts_have_one_meaning_per_column(wh) -> None:
    """A line given "par an" (fiche 3-4-1's facilitateur, 10 000 €/an over 2015-2020): amount_eur as
    written, annual_amount_eur each year, total_amount_eur over the period, and the fact's shares add
    up to the total."""
    line_id, amount, annual, total = wh.execute(
        """
        select funding_line_id, amount_eur, annual_amount_eur, total_amount_eur from analytics.funding_lines
        where source_line = 565 and amount_eur = 10000
        """
    ).fetchone()
    assert (amount, annual, total) == (Decimal("10000.00"), Decimal("10000.00"), Decimal("60000.00"))
    allocated = wh.execute(
        "select sum(amount_eur) from marts.fct_funding where funding_line_id = ?", [line_id]
    ).fetchone()[0]
    assert allocated == total
    one_off = wh.execute(
        "select amount_eur, annual_amount_eur, total_amount_eur, year_count from analytics.funding_lines "
        "where source_line = 200 and amount_eur = 15000 and funder_code = 'DEP-66'"
    ).fetchone()
    assert one_off[2] == one_off[0] and one_off[1] * one_off[3] == one_off[0]


def test_exact_repeats_of_the_open_data_are_counted_once(wh) -> None:
    """postes-fonjep-2025.json publishes 1 204 records twice, word for word (same post id, holder,
    amount and year): a FONJEP post is one unit a year, so they are duplicates, kept in staging and
    reported, counted once."""
    repeated, repeated_eur = wh.execute(
        "select count(*), sum(amount_eur) from staging.stg_anct__posts where is_repeated_record "
        "and document_file = 'postes-fonjep-2025.json'"
    ).fetchone()
    assert (repeated, repeated_eur) == (1204, Decimal("8646351.00"))
    counted = wh.execute(
        "select count(*) from analytics.funding_lines where source_kind = 'dataset' and document_file = 'postes-fonjep-2025.json'"
    ).fetchone()[0]
    distinct = wh.execute(
        "select count(distinct source_text) from raw.anct_posts where document_file = 'postes-fonjep-2025.json' and amount_eur > 0"
    ).fetchone()[0]
    assert counted == distinct
