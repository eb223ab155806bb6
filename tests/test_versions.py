"""Versions of one document: a revised programme loaded beside the first is counted once, the newer
version's figures and no other, while the superseded lines stay queryable and the build says which
replaced which and what changed.

The variants are written here from a test programme of another contract (Carcassonne Agglo, CV037,
``tests/documents/``): a dated first version, a dated revision (one amount changed, one line gone), an
undated truncated copy, and the next programmation of the same contract (same fiche codes, later
years), which is another programme, not a version.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import read_document
from ingest.versions import stated_date

DOCS = Path(__file__).resolve().parent / "documents"
CARCASSONNE = DOCS / "carcassonne-agglo_programme_cohesion-sociale.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Programme d'actions\nVersion du 15 janvier 2016\n", dt.date(2016, 1, 15)),
        ("Version modifiée du 2 mai 2016", dt.date(2016, 5, 2)),
        ("Document mis à jour le 03/05/2017 par la DDCS", dt.date(2017, 5, 3)),
        ("Avenant n° 2 du 14 décembre 2017", dt.date(2017, 12, 14)),
        ("version consolidée de juin 2018", dt.date(2018, 6, 1)),
        ("Adopté le 1er juillet 2015 ; modifié le 12 mars 2016", dt.date(2016, 3, 12)),
        ("Contrat de ville 2015-2020, signé en 2015", None),  # a year alone dates nothing
        ("Fiche action n° 1.1.1 : 15 000 € en 2016", None),
        ("Version du 31 février 2016", None),  # no such day
    ],
)
def test_the_date_a_document_states(text: str, expected: dt.date | None) -> None:
    assert stated_date(text) == expected


def _variants(folder: Path) -> dict[str, Path]:
    lines = CARCASSONNE.read_text(encoding="utf-8").splitlines()
    first = [lines[0], "Version du 15 janvier 2016", *lines[1:]]
    revised = [lines[0], "Version modifiée du 2 mai 2016", *lines[1:]]
    revised = [
        line.replace("PRE : 120 000 € par an", "PRE : 125 000 € par an").replace(
            "Fondation de France : 10 000 € en 2016", ""
        )
        for line in revised
    ]
    # An undated copy cut off after the second fiche's table.
    cut = next(i for i, line in enumerate(lines) if "Fiche action n° 2.1.1" in line)
    truncated = lines[:cut]
    # The next programmation: the same fiches, three years later (title and summary left as they are).
    shift = {str(year): str(year + 3) for year in range(2015, 2021)}
    later = lines[:10] + [re.sub(r"\b(201[5-9]|2020)\b", lambda m: shift[m[1]], line) for line in lines[10:]]
    files = {
        "v1": folder / "carcassonne_programme_v1.txt",
        "v2": folder / "carcassonne_programme_v2.txt",
        "truncated": folder / "carcassonne_programme_copie.txt",
        "later": folder / "carcassonne_programmation_2018.txt",
    }
    for key, text in (("v1", first), ("v2", revised), ("truncated", truncated), ("later", later)):
        files[key].write_text("\n".join(text) + "\n", encoding="utf-8")
    # The undated copy is the newest file: its date cannot beat the dates the others state.
    now = dt.datetime.now().timestamp()
    for key, age in (("v1", 300), ("v2", 200), ("later", 100), ("truncated", 0)):
        os.utime(files[key], (now - age, now - age))
    return files


def _raw_total(path: Path) -> Decimal:
    doc = read_document(path)
    return sum((row["amount_eur"] for row in doc.result.tables["funding_lines"]), Decimal(0))


@pytest.fixture(scope="module")
def versions_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path], object]:
    from ingest.build import build

    folder = tmp_path_factory.mktemp("versions")
    files = _variants(folder)
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    report = build(db, [folder], progress=lambda _: None)
    return db, files, report


def test_the_revision_changes_what_was_changed_by_hand(versions_warehouse) -> None:
    _, files, _ = versions_warehouse
    # The test programme reads 533 000 € (test_other_contracts); the revision takes out the
    # Fondation de France's 10 000 € and puts 5 000 € more on the PRE.
    assert _raw_total(files["v1"]) == Decimal("533000")
    assert _raw_total(files["v2"]) == Decimal("528000")
    assert _raw_total(files["later"]) == Decimal("533000")


def test_totals_are_those_of_the_current_version(versions_warehouse) -> None:
    db, files, _ = versions_warehouse
    con = duckdb.connect(str(db), read_only=True)
    try:
        by_file = dict(
            con.execute(
                "select document_file, sum(amount_eur) from analytics.funding_lines"
                " where contract_code = 'CV037' and source_kind = 'document' group by 1"
            ).fetchall()
        )
        # The revision and the next programmation; neither the first version nor the truncated copy.
        assert by_file == {files["v2"].name: Decimal("528000"), files["later"].name: Decimal("533000")}
        fct = con.execute(
            "select sum(amount_eur) from marts.fct_funding"
            " where contract_code = 'CV037' and source_kind = 'document'"
        ).fetchone()[0]
        lines_total = con.execute(
            "select sum(total_amount_eur) from analytics.funding_lines"
            " where contract_code = 'CV037' and source_kind = 'document'"
        ).fetchone()[0]
        assert fct == lines_total
        # No total of the contract exceeds what its versions hold, one programmation each.
        actions = {
            row[0]
            for row in con.execute(
                "select document_file from marts.dim_action where document_file is not null"
            ).fetchall()
        }
        assert files["v1"].name not in actions and files["truncated"].name not in actions
    finally:
        con.close()


def test_superseded_versions_are_kept_and_said(versions_warehouse) -> None:
    db, files, report = versions_warehouse
    con = duckdb.connect(str(db), read_only=True)
    try:
        versions = {
            row[0]: row[1:]
            for row in con.execute(
                "select document_file, is_current, superseded_by_file, version_basis,"
                " lines_added, lines_removed, amounts_changed from analytics.document_versions"
            ).fetchall()
        }
        v2 = files["v2"].name
        assert versions[files["v1"].name] == (False, v2, "stated_date", 0, 1, 1)
        assert versions[v2][:3] == (True, None, "stated_date")
        assert versions[files["truncated"].name][:2] == (False, v2)
        assert versions[files["later"].name][:2] == (True, None)
        superseded = con.execute(
            "select document_file, count(*), sum(amount_eur) from analytics.superseded_funding_lines group by 1"
        ).fetchall()
        assert dict((file, total) for file, _, total in superseded)[files["v1"].name] == Decimal("533000")
        message = con.execute(
            "select message from analytics.dq_issues where rule = 'document_superseded' and document_file = ?",
            [files["v1"].name],
        ).fetchone()[0]
        assert message.startswith(
            f"superseded by {v2} (newer by stated date): 0 funding lines added, 1 removed, 1 amounts changed"
        )
    finally:
        con.close()
    said = dict(report.superseded)
    assert set(said) == {files["v1"].name, files["truncated"].name}


def test_a_versions_manifest_beats_the_dates(versions_warehouse, tmp_path: Path) -> None:
    """The user says the May revision was a draft: the January version is current again, with no
    file changed, and the totals follow (the Fondation de France's line back, the PRE at 120 000 €)."""
    from ingest.build import build

    from .test_atomic_build import published_copy

    db, files, _ = versions_warehouse
    copy = published_copy(db, tmp_path / "db")
    folder = files["v1"].parent
    manifest = folder / "cdv.toml"
    manifest.write_text(f'versions = ["{files["v2"].name}", "{files["v1"].name}"]\n', encoding="utf-8")
    try:
        # Only the models read below, without the data tests: the order is what is tested.
        report = build(
            copy,
            [folder],
            progress=lambda _: None,
            dbt_args=["run", "--select", "+document_versions", "+funding_lines"],
        )
    finally:
        manifest.unlink()
    assert report.ingest.loaded == []  # nothing parsed again: only the order changed
    con = duckdb.connect(str(copy), read_only=True)
    try:
        versions = {
            row[0]: row[1:]
            for row in con.execute(
                "select document_file, is_current, superseded_by_file, version_basis"
                " from analytics.document_versions where contract_code = 'CV037'"
            ).fetchall()
        }
        assert versions[files["v1"].name] == (True, None, "manifest")
        assert versions[files["v2"].name] == (False, files["v1"].name, "manifest")
        total = con.execute(
            "select sum(amount_eur) from analytics.funding_lines where document_file = ?", [files["v1"].name]
        ).fetchone()[0]
        assert total == Decimal("533000")
    finally:
        con.close()
