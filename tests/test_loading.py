"""Loading is keyed on content and transactional per document: reruns replace, never duplicate."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest import loading
from ingest.loading import connect
from ingest.pipeline import InputError, ingest_paths, input_files

from .conftest import LEZIGNAN, PERPIGNAN


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
        for t in ("documents", "fiches", "funding_cells", "annex_objectives", "ingest_issues")
    }


def test_rerun_replaces_and_never_duplicates(tmp_path: Path) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    ingest_paths(con, [PERPIGNAN, LEZIGNAN])
    first = _counts(con)
    assert first["documents"] == 2 and first["fiches"] == 16 and first["annex_objectives"] == 46
    report = ingest_paths(con, [PERPIGNAN, LEZIGNAN])
    assert sorted(report.unchanged) == sorted([PERPIGNAN.name, LEZIGNAN.name])
    ingest_paths(con, [PERPIGNAN, LEZIGNAN], force=True)
    assert _counts(con) == first


def test_new_version_of_a_file_replaces_the_old_rows(tmp_path: Path) -> None:
    doc = tmp_path / "programme.txt"
    lines = PERPIGNAN.read_text(encoding="utf-8").split("\n")
    doc.write_text("\n".join(lines[:153]), encoding="utf-8")  # up to fiche 1-2-1's total
    con = connect(str(tmp_path / "w.duckdb"))
    ingest_paths(con, [doc])
    assert con.execute("select count(*) from raw.fiches").fetchone()[0] == 2
    doc.write_text("\n".join(lines), encoding="utf-8")
    ingest_paths(con, [doc])
    assert con.execute("select count(*) from raw.documents").fetchone()[0] == 1
    assert con.execute("select count(*) from raw.fiches").fetchone()[0] == 16
    assert con.execute("select count(distinct document_sha256) from raw.funding_cells").fetchone()[0] == 1


def test_same_content_under_another_name_is_not_loaded_twice(tmp_path: Path) -> None:
    copy = tmp_path / "copy-of-perpignan.txt"
    shutil.copy(PERPIGNAN, copy)
    con = connect(str(tmp_path / "w.duckdb"))
    report = ingest_paths(con, [PERPIGNAN, copy])
    assert report.rejected == [copy.name]
    assert con.execute("select count(*) from raw.fiches").fetchone()[0] == 16
    issue = con.execute(
        "select rule, message from raw.ingest_issues where document_file = ?", [copy.name]
    ).fetchone()
    assert issue[0] == "duplicate_document" and PERPIGNAN.name in issue[1]


def test_a_failed_load_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = connect(str(tmp_path / "w.duckdb"))
    ingest_paths(con, [PERPIGNAN])
    before = _counts(con)
    real = loading.arrow_table

    def failing(table: str, rows):
        if table == "funding_cells":
            raise RuntimeError("disk full")
        return real(table, rows)

    monkeypatch.setattr(loading, "arrow_table", failing)
    with pytest.raises(RuntimeError):
        ingest_paths(con, [PERPIGNAN], force=True)
    assert _counts(con) == before


def test_folders_are_walked_and_paths_cannot_escape(tmp_path: Path) -> None:
    inside = tmp_path / "inputs"
    inside.mkdir()
    shutil.copy(LEZIGNAN, inside / LEZIGNAN.name)
    (inside / "README.md").write_text("notes")
    (inside / ".hidden.txt").write_text("x")
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    (inside / "link.txt").symlink_to(outside)
    assert [p.name for p in input_files([inside])] == [LEZIGNAN.name]
    with pytest.raises(InputError):
        input_files([tmp_path / "missing"])
