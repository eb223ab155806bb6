"""Quarantine instead of stop: rows a row-level check fails, and documents not read as their kind
says, are kept in analytics.quarantine and left out of every total; everything else publishes.

The rules one by one (including those the ingest cannot produce from a file, such as a line without
funder) are proved by the dbt unit test of int_quarantine (models/intermediate/quality); here a build
meets them as a user would: a drifted open-data file and a programme whose tables were lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.build import BuildReport, Quarantine
from ingest.pipeline import IngestReport

from .test_atomic_build import published_copy

REPO = Path(__file__).resolve().parent.parent
ANCT = REPO / "data" / "anct"
PERPIGNAN = (
    REPO / "data" / "documents" / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
)
CDV = [sys.executable, "-m", "ingest.cli"]

# (field changed, value, rule expected); one record each, on lines 2 to 7 of the file.
BAD_RECORDS = [
    ("montant", -120, "amount_not_positive"),
    ("montant", 250000, "amount_out_of_range"),
    ("annee", "vingt-vingt", "unparseable_year"),
    ("annee", 2050, "unparseable_year"),
    ("code_cv", "XX000", "unknown_contract_code"),
    ("montant", 0, "amount_not_positive"),
]


def _drifted_posts() -> list[dict]:
    """Posts of a drifted file: a new id shape, fields reordered, a good record first."""
    source = json.loads((ANCT / "postes-fonjep-2024.json").read_text(encoding="utf-8"))[:7]
    records = []
    for index, record in enumerate(source):
        record = {
            "annee": record["annee"],
            "montant": 7164.5,
            "code_cv": "CN01102I",
            "raison_sociale": f"ASSOCIATION DE TEST {index}",
            "id_poste": f"FONJEP-2026-{index:04d}",
            "insee_dep": "11",
            "insee_reg": "76",
        }
        if index:
            field, value, _ = BAD_RECORDS[index - 1]
            record[field] = value
        records.append(record)
    return records


def _programme_without_tables() -> str:
    """The programme with its tables in a layout the table grammar does not read (cells between
    pipes): its 16 fiches are read, none of its tables, so none of its money."""
    return "\n".join(line.replace("\t", " | ") for line in PERPIGNAN.read_text(encoding="utf-8").split("\n"))


@pytest.fixture(scope="module")
def quarantine_build(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("quarantine")
    db = published_copy(warehouse, folder / "db")
    extra = folder / "arrivals"
    extra.mkdir()
    (extra / "postes-derive-2026.json").write_text(
        json.dumps(_drifted_posts(), ensure_ascii=False), encoding="utf-8"
    )
    (extra / "programme-sans-tableaux.txt").write_text(_programme_without_tables(), encoding="utf-8")
    done = subprocess.run(
        [*CDV, "build", "--db", str(db), str(extra)], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return db, warehouse, done.stdout


def _quarantine(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select document_file, source_line, rule, row_kind, message, source_text from analytics.quarantine"
            " order by document_file, source_line nulls first"
        ).fetchall()


def test_each_bad_row_is_quarantined_with_its_place_and_text(
    quarantine_build: tuple[Path, Path, str],
) -> None:
    db, _, _ = quarantine_build
    rows = [row for row in _quarantine(db) if row[0] == "postes-derive-2026.json"]
    assert [(line, rule) for _, line, rule, *_ in rows] == [
        (index + 2, rule) for index, (_, _, rule) in enumerate(BAD_RECORDS)
    ]
    for (_, _, _, kind, message, source_text), (field, value, _) in zip(rows, BAD_RECORDS, strict=True):
        assert kind == "anct_post"
        assert json.dumps(value, ensure_ascii=False) in source_text  # the record as written
        assert str(value) in message, field  # the value, in the words of the message
    # The good record of the drifted file publishes, as State money.
    with duckdb.connect(str(db), read_only=True) as con:
        published = con.execute(
            "select count(*), sum(amount_eur), min(funder_code) from analytics.funding_lines"
            " where document_file = 'postes-derive-2026.json'"
        ).fetchone()
    assert published[0] == 1 and float(published[1]) == 7164.5 and published[2] == "ETAT"


def test_a_document_not_read_as_its_kind_is_quarantined_whole(
    quarantine_build: tuple[Path, Path, str],
) -> None:
    db, _, _ = quarantine_build
    rows = [row for row in _quarantine(db) if row[0] == "programme-sans-tableaux.txt"]
    assert [(rule, kind) for _, _, rule, kind, *_ in rows] == [
        ("programme_without_funding_table", "document")
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        fiches = con.execute(
            "select count(*) from marts.dim_action where document_file = 'programme-sans-tableaux.txt'"
        ).fetchone()[0]
        current = con.execute(
            "select document_file from analytics.document_versions where is_current and contract_code = 'CV235'"
            " and document_kind = 'programme_actions'"
        ).fetchall()
    assert fiches == 0  # its fiches reach no mart
    assert current == [(PERPIGNAN.name,)]  # and it supersedes nothing


def test_everything_else_publishes_unchanged(quarantine_build: tuple[Path, Path, str]) -> None:
    db, clean, output = quarantine_build

    def totals(path: Path) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(
                "select source_kind, count(*), sum(amount_eur) from analytics.funding_lines"
                " where document_file not in ('postes-derive-2026.json')"
                " group by 1 order by 1"
            ).fetchall()

    assert totals(db) == totals(clean)
    before = [row for row in _quarantine(clean)]
    assert len(_quarantine(db)) == len(before) + len(BAD_RECORDS) + 1
    rows = len(before) + len(BAD_RECORDS)
    assert f"published, {rows} rows / 1 documents quarantined" in output


def test_status_lists_the_quarantine(quarantine_build: tuple[Path, Path, str]) -> None:
    db, _, _ = quarantine_build
    done = subprocess.run(
        [*CDV, "status", "--db", str(db)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "quarantine: " in done.stdout
    assert "postes-derive-2026.json:3  amount_out_of_range" in done.stdout
    assert "programme-sans-tableaux.txt  programme_without_funding_table" in done.stdout


def test_a_build_that_publishes_nothing_says_so() -> None:
    everything_out = BuildReport(
        IngestReport(), summary={"funding lines": 0, "ANCT posts": 0}, quarantine=Quarantine(3, 0, [])
    )
    assert everything_out.published_nothing
    some_in = BuildReport(
        IngestReport(), summary={"funding lines": 66, "ANCT posts": 0}, quarantine=Quarantine(3, 0, [])
    )
    assert not some_in.published_nothing
    clean = BuildReport(IngestReport(), summary={"funding lines": 0, "ANCT posts": 0})
    assert not clean.published_nothing
