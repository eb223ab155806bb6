"""The Great Expectations suites of expectations/: the real data passes, each broken contract is caught."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

import ingest.build
from ingest.build import BuildError, build
from ingest.expectations import (
    SUITES_DIR,
    SuiteError,
    ValidationReport,
    known_kinds,
    load_suites,
    read_raw_tables,
    validate_warehouse,
)
from ingest.schema import RAW_TABLES

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "data" / "documents"
PERPIGNAN = DOCUMENTS / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
GHOST_FILE = "ghost_programme-actions.txt"


def quiet(_: str) -> None:
    pass


def corrupted(warehouse: Path, tmp_path: Path, *statements: str) -> Path:
    """A copy of the built warehouse with the statements applied to it."""
    db = tmp_path / "corrupted.duckdb"
    shutil.copy(warehouse, db)
    with duckdb.connect(str(db)) as con:
        for statement in statements:
            con.execute(statement)
    return db


def failed_keys(report: ValidationReport, severity: str) -> set[tuple[str, str, str | None]]:
    outcomes = report.critical_failures if severity == "critical" else report.warnings
    return {(o.suite, o.expectation, o.column) for o in outcomes}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The suite files, without data


def test_every_suite_file_loads_with_explicit_severity_and_reason():
    suites = load_suites()
    assert {s.path.name for s in suites} == {p.name for p in SUITES_DIR.glob("*.json")}
    for suite in suites:
        for expectation in suite.expectations:
            assert expectation["severity"] in ("critical", "warning")
            assert expectation.get("meta", {}).get("why"), (suite.name, expectation["type"])


def test_raw_table_suites_name_existing_tables_and_columns():
    for suite in load_suites():
        if suite.table is None:
            continue
        assert suite.table in RAW_TABLES, suite.name
        columns = {name for name, _ in RAW_TABLES[suite.table]}
        assert set(suite.columns()) <= columns, (suite.name, set(suite.columns()) - columns)


def test_row_count_conditions_name_known_kinds():
    (suite,) = [s for s in load_suites() if s.derived == "document_row_counts"]
    kinds = {e["kwargs"]["row_condition"]["parameter"] for e in suite.expectations}
    assert kinds and kinds <= set(known_kinds())


def test_kinds_come_from_the_kind_registry():
    from ingest.kinds import KINDS

    assert known_kinds() == [k.name for k in KINDS] + ["unknown"]


# The real data


@pytest.fixture(scope="module")
def real_report(warehouse: Path) -> tuple[ValidationReport, list[str]]:
    lines: list[str] = []
    return validate_warehouse(warehouse, lines.append), lines


def test_real_warehouse_passes_every_critical_expectation(real_report):
    report, lines = real_report
    assert report.critical_failures == [], "\n".join(lines)
    assert lines[0].startswith("expectations: ") and "0 critical failed" in lines[0]
    checked = {o.suite for o in report.outcomes}
    assert {"raw.documents", "raw.fiches", "raw.funding_lines", "derived.document_row_counts"} <= checked
    # The row-count expectations looked at the real documents, not at an empty selection.
    counts = [o for o in report.outcomes if o.suite == "derived.document_row_counts"]
    assert counts and all(o.element_count for o in counts)


def test_no_gx_project_is_written(real_report):
    assert not (ROOT / "gx").exists()
    assert not (ROOT / "great_expectations").exists()


# Broken contracts, on copies of the real warehouse


def test_each_broken_contract_is_a_named_critical_failure(warehouse, tmp_path):
    db = corrupted(
        warehouse,
        tmp_path,
        "update raw.funding_lines set amount_eur = -5"
        " where line_id = (select min(line_id) from raw.funding_lines)",
        "update raw.fiches set fiche_code = 'FICHE 1'"
        " where fiche_code = (select min(fiche_code) from raw.fiches)",
        "update raw.funding_cells set source_line = null"
        " where cell_id = (select min(cell_id) from raw.funding_cells)",
        f"""insert into raw.documents (document_sha256, document_file, kind, loaded_at)
            values (repeat('ab', 32), '{GHOST_FILE}', 'programme_actions', now())""",
    )
    report = validate_warehouse(db, quiet)
    # Structural contracts stop the build; row-level ones (an amount, a document read as nothing) are
    # warnings here and quarantine their rows or document in dbt (tests/test_quarantine.py).
    assert failed_keys(report, "critical") == {
        ("raw.fiches", "expect_column_values_to_match_regex", "fiche_code"),
        ("raw.funding_cells", "expect_column_values_to_not_be_null", "source_line"),
    }
    assert {
        ("raw.funding_lines", "expect_column_values_to_be_between", "amount_eur"),
        ("derived.document_row_counts", "expect_column_values_to_be_between", "fiche_count"),
        ("derived.document_row_counts", "expect_column_values_to_be_between", "funding_table_count"),
    } <= failed_keys(report, "warning")
    (amount,) = report.failed("raw.funding_lines", "expect_column_values_to_be_between", "amount_eur")
    assert amount.unexpected_count == 1 and amount.examples[0]["amount_eur"] == -5
    assert amount.examples[0]["document_file"] == PERPIGNAN.name
    (code,) = report.failed("raw.fiches", "expect_column_values_to_match_regex", "fiche_code")
    assert code.examples[0]["fiche_code"] == "FICHE 1"
    for outcome in report.failed("derived.document_row_counts", "expect_column_values_to_be_between"):
        assert [e["document_file"] for e in outcome.examples] == [GHOST_FILE]
        assert GHOST_FILE in outcome.describe()


def test_row_counts_are_checked_even_when_the_counted_table_is_empty(warehouse, tmp_path):
    report = validate_warehouse(corrupted(warehouse, tmp_path, "delete from raw.fiches"), quiet)
    assert "skipped raw.fiches: no rows" in report.notes
    (outcome,) = report.failed(
        "derived.document_row_counts", "expect_column_values_to_be_between", "fiche_count"
    )
    assert outcome.severity == "warning"  # the document is quarantined whole, the others publish
    assert [e["document_file"] for e in outcome.examples] == [PERPIGNAN.name]


def test_an_unidentified_funder_is_a_warning_only(warehouse, tmp_path):
    db = corrupted(
        warehouse,
        tmp_path,
        "update raw.funding_lines set funder_rule = 'none', funder_code = 'NON_IDENTIFIE'"
        " where line_id = (select min(line_id) from raw.funding_lines)",
    )
    lines: list[str] = []
    report = validate_warehouse(db, lines.append)
    assert report.critical_failures == []
    assert ("raw.funding_lines", "expect_column_values_to_not_be_in_set", "funder_rule") in failed_keys(
        report, "warning"
    )
    assert any(line.startswith("  WARNING  raw.funding_lines funder_rule") for line in lines)


def test_absent_tables_are_skipped_and_bad_suites_refused(warehouse, tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    absent = {
        "name": "raw.not_loaded_yet",
        "meta": {"table": "raw.not_loaded_yet"},
        "expectations": [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "x"},
                "severity": "critical",
                "meta": {"why": "test"},
            }
        ],
    }
    (suites / "absent.json").write_text(json.dumps(absent))
    report = validate_warehouse(warehouse, quiet, suites_dir=suites)
    assert report.notes == ["skipped raw.not_loaded_yet: table absent"] and report.outcomes == []

    # GX's ExpectationSuite would log a misspelt expectation and drop it; here the suite is refused.
    typo = {**absent, "name": "raw.fiches", "meta": {"table": "raw.fiches"}}
    typo["expectations"] = [
        {
            **absent["expectations"][0],
            "type": "expect_column_values_to_be_not_null",
            "kwargs": {"column": "fiche_code"},
        }
    ]
    (suites / "absent.json").write_text(json.dumps(typo))
    with pytest.raises(SuiteError, match="expect_column_values_to_be_not_null"):
        validate_warehouse(warehouse, quiet, suites_dir=suites)


# The build


def test_build_stops_on_a_critical_failure_and_keeps_the_previous_warehouse(warehouse, tmp_path, monkeypatch):
    # A stricter copy of the funding_lines suite: the real Perpignan amounts break it, so the real
    # input goes through the real ingest and GX run, and the build must stop, and dbt with it.
    suites = tmp_path / "suites"
    suites.mkdir()
    strict = json.loads((SUITES_DIR / "funding_lines.json").read_text())
    for expectation in strict["expectations"]:
        if expectation["kwargs"].get("column") == "amount_eur" and "max_value" in expectation["kwargs"]:
            expectation["kwargs"]["max_value"] = 1000
            expectation["severity"] = "critical"  # a row-level check made structural, for the test
    (suites / "funding_lines.json").write_text(json.dumps(strict))

    def strict_tables(db: Path, only_tables=None):
        return read_raw_tables(db, suites_dir=suites, only_tables=only_tables)

    # GX validates while dbt runs: a dbt that would run forever must be stopped by the failure.
    stopped = []

    def endless_dbt(*_args, cancel, **_kwargs):
        assert cancel.wait(60), "dbt was not stopped by the critical failure"
        stopped.append(True)
        raise ingest.build.BuildError("dbt build failed: killed")

    monkeypatch.setattr(ingest.build, "read_raw_tables", strict_tables)
    monkeypatch.setattr(ingest.build, "run_dbt", endless_dbt)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(PERPIGNAN, inputs / PERPIGNAN.name)
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, db)
    before = sha256_of(db)

    named = r"raw\.funding_lines amount_eur: expect_column_values_to_be_between"
    with pytest.raises(BuildError, match=named):
        build(db, [inputs], progress=quiet)

    assert stopped == [True]
    assert sha256_of(db) == before
    assert not db.with_name(db.name + ".building").exists()
