"""Idempotence: the same inputs give the same warehouse, build after build; a changed document
replaces its rows and leaves none of its old version behind.

The three builds are those of tests/test_concurrency.py's scenario, all of the real inputs plus every
bad file of tests/test_bad_input.py (duplicates, unreadable and oversized files included): a fresh
build, then the build that waited for a killed holder (documents unchanged, kept), then a
``--force`` build (every document parsed and loaded again). Each table of ``raw``, ``reference``,
``marts`` and ``analytics`` is fingerprinted: its row count, the sum of each numeric column, and an
order-independent hash of its rows (load timestamps aside).

How the tests were checked to fail without their safeguards (on a copy of the tree): with
``delete_document`` (loading.py) deleting by content hash only, not by file name, the old version's
rows stay next to the new ones (orphans in every raw table); with the loader's delete skipped on
reload (``replace`` ignored), a forced re-ingest doubles the raw rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.loading import connect
from ingest.pipeline import ingest_paths
from ingest.reading import read_file
from ingest.schema import RAW_TABLES

from .conftest import DOCUMENTS, LEZIGNAN, PERPIGNAN, ROOT
from .test_concurrency import run_chain

# One worker runs the build chain these modules share (tests/test_concurrency.py), under `pytest -n`.
pytestmark = pytest.mark.xdist_group("chain")

SCHEMAS = ("raw", "reference", "marts", "analytics")
# Columns allowed to change from build to build (none since dim_beneficiary breaks name ties
# alphabetically instead of with mode()); test_the_columns_known_to_move_do_not_move keeps it so.
UNSTABLE: dict[tuple[str, str], tuple[str, ...]] = {}
# Columns that once moved (mode() ties), watched on their own so a regression names them.
WATCHED = {("marts", "dim_beneficiary"): ("beneficiary_name",)}
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
_FLOAT = ("DOUBLE", "FLOAT", "REAL")
# Columns that say when a row was loaded, not what it holds.
_WHEN = ("TIMESTAMP", "DATE", "TIME")


def _table_fingerprint(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, only: tuple[str, ...] | None = None
) -> tuple:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    skip = UNSTABLE.get((schema, table), ())
    columns = [(n, t) for n, t in columns if (n in only if only is not None else n not in skip)]
    sums, hashed = [], []
    for name, ctype in columns:
        quoted = f'"{name}"'
        if ctype.startswith(_WHEN):
            continue
        if ctype in _FLOAT:
            sums.append(f"round(sum({quoted}), 6)")
            hashed.append(f"round({quoted}, 6)")
        elif ctype in _NUMERIC or (ctype.startswith("DECIMAL") and not ctype.endswith("]")):
            sums.append(f"sum({quoted})")
            hashed.append(quoted)
        else:
            hashed.append(quoted)
    row_hash = f"bit_xor(hash({', '.join(hashed)}))" if hashed else "0"
    select = ", ".join(["count(*)", *sums, row_hash])
    return tuple(con.execute(f'select {select} from "{schema}"."{table}"').fetchone())


def fingerprint(db: Path, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in schemas)}) order by 1, 2",
            list(schemas),
        ).fetchall()
        return {f"{schema}.{table}": _table_fingerprint(con, schema, table) for schema, table in tables}


def unstable_fingerprint(db: Path) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {f"{s}.{t}": _table_fingerprint(con, s, t, only) for (s, t), only in WATCHED.items()}


def _differences(first: dict[str, tuple], other: dict[str, tuple]) -> list[str]:
    return [
        f"{table}: {first.get(table)} != {other.get(table)}"
        for table in sorted(set(first) | set(other))
        if first.get(table) != other.get(table)
    ]


def test_three_consecutive_builds_give_identical_counts_and_sums(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    chain = run_chain(tmp_path_factory)
    assert chain.waiter_rc == 0 and chain.third.returncode == 0
    first, second, third = (fingerprint(db) for db in chain.snapshots)
    assert {t.split(".")[0] for t in first} == set(SCHEMAS)
    assert first["raw.documents"][0] > 16 and first["analytics.funding_lines"][0] > 0
    assert _differences(first, second) == []
    assert _differences(first, third) == []


def test_the_columns_known_to_move_do_not_move(tmp_path_factory: pytest.TempPathFactory) -> None:
    chain = run_chain(tmp_path_factory)
    first, second, third = (unstable_fingerprint(db) for db in chain.snapshots)
    assert first and first == second == third


def test_a_rebuild_after_a_changed_document_equals_a_build_from_scratch(
    warehouse: Path, tmp_path: Path
) -> None:
    """The rebuild runs dbt on what the changed raw tables reach only (the ANCT models stay as the
    published build left them), and the warehouse it publishes is the one a full build of the same
    inputs gives, table for table (row counts, sums and row hashes of every schema)."""
    from ingest.build import build, dbt_state

    documents = tmp_path / "documents"
    shutil.copytree(DOCUMENTS, documents)
    (documents / PERPIGNAN.name).write_bytes(EDITS["edited"]())
    inputs = [documents, ROOT / "data" / "anct"]

    rebuilt = tmp_path / "rebuilt" / "warehouse.duckdb"
    rebuilt.parent.mkdir()
    shutil.copy(warehouse, rebuilt)  # the session's published build of the bundled inputs...
    shutil.copytree(dbt_state(warehouse), dbt_state(rebuilt))  # ...with the manifest it published
    said: list[str] = []
    build(rebuilt, inputs, progress=said.append)
    selective = [line for line in said if line.startswith("dbt build")]
    assert selective and "only what changed" in selective[0], said
    assert "raw.fiches" in selective[0] and "raw.anct_posts" not in selective[0], selective
    assert "the project as it was" in selective[0]  # so no unit tests: they test code, not data
    # Great Expectations validates the suites of the changed raw tables, and keeps the others.
    kept = [line for line in said if "kept, unchanged since the build that validated them" in line]
    assert len(kept) == 1 and "raw.anct_posts" in kept[0] and "raw.fiches" not in kept[0], said

    scratch = tmp_path / "scratch" / "warehouse.duckdb"
    scratch.parent.mkdir()
    build(scratch, inputs, progress=lambda _: None)
    assert _differences(fingerprint(rebuilt), fingerprint(scratch)) == []
    assert fingerprint(rebuilt)["raw.fiches"] != fingerprint(warehouse)["raw.fiches"]


# --- ingest level: a changed document, no dbt ----------------------------------------------------


def _rows_by_sha(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, set[str]]:
    """For each raw table, the content hashes its rows of file ``name`` carry."""
    return {
        table: {
            sha
            for (sha,) in con.execute(
                f"select distinct document_sha256 from raw.{table} where document_file = ?", [name]
            ).fetchall()
        }
        for table in RAW_TABLES
    }


def _edited(lines: list[str]) -> str:
    """Perpignan with its last fiche (3-4-1, from line 547) cut and an amount of fiche 1-1-1 changed."""
    text = "\n".join(lines[:546])
    assert "ACSE : 10 000 €" in text
    return text.replace("ACSE : 10 000 €", "ACSE : 12 000 €", 1)


EDITS = {
    "edited": lambda: _edited(PERPIGNAN.read_text(encoding="utf-8").split("\n")).encode(),
    "emptied": lambda: b"",
    "binary": lambda: bytes(range(256)) * 16,
    "duplicate of another file": lambda: LEZIGNAN.read_bytes(),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_changed_document_replaces_its_rows_and_leaves_no_orphans(edit: str, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(LEZIGNAN, inputs / LEZIGNAN.name)
    doc = inputs / "programme.txt"
    shutil.copy(PERPIGNAN, doc)
    con = connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_paths(con, [inputs])
        old_sha = read_file(doc).sha256
        lezignan_before = {t: _count(con, t, LEZIGNAN.name) for t in RAW_TABLES}
        assert _count(con, "fiches", doc.name) == 16

        doc.write_bytes(EDITS[edit]())
        new_sha = read_file(doc).sha256
        ingest_paths(con, [inputs])

        # Every row of the file, in every raw table, is of its new version; the old one is gone.
        for table, shas in _rows_by_sha(con, doc.name).items():
            assert shas <= {new_sha}, f"raw.{table} keeps rows of the old version"
        for table in RAW_TABLES:
            left = con.execute(
                f"select count(*) from raw.{table} where document_sha256 = ?", [old_sha]
            ).fetchone()[0]
            assert left == 0, f"raw.{table}: {left} orphan rows of the old version"
        # The new version's rows are exactly those of a fresh ingest of it.
        fresh = connect(str(tmp_path / "fresh.duckdb"))
        try:
            alone = tmp_path / "alone"
            alone.mkdir()
            shutil.copy(doc, alone / doc.name)
            if edit == "duplicate of another file":
                shutil.copy(LEZIGNAN, alone / LEZIGNAN.name)
                ingest_paths(fresh, [alone / LEZIGNAN.name, alone / doc.name])
            else:
                ingest_paths(fresh, [alone])
            for table in RAW_TABLES:
                assert _count(con, table, doc.name) == _count(fresh, table, doc.name), table
        finally:
            fresh.close()
        # The other document of the run is untouched.
        assert {t: _count(con, t, LEZIGNAN.name) for t in RAW_TABLES} == lezignan_before
    finally:
        con.close()
    if edit == "edited":
        assert _count_file(tmp_path / "w.duckdb", "fiches", doc.name) == 15


def _count(con: duckdb.DuckDBPyConnection, table: str, name: str) -> int:
    return con.execute(f"select count(*) from raw.{table} where document_file = ?", [name]).fetchone()[0]


def _count_file(db: Path, table: str, name: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return _count(con, table, name)


def test_three_ingests_of_the_same_inputs_give_the_same_raw_tables(tmp_path: Path) -> None:
    """Ingest level (no dbt): again, and again with --force, the raw tables do not move."""
    anct = ROOT / "data" / "anct"
    inputs = [PERPIGNAN, LEZIGNAN, anct / "postes-fonjep-2024.json", anct / "geom_cv_ctr.json"]
    db = tmp_path / "w.duckdb"
    prints = []
    for force in (False, False, True):
        con = connect(str(db))
        try:
            report = ingest_paths(con, inputs, force=force)
        finally:
            con.close()
        prints.append(fingerprint(db, ("raw",)))
        if len(prints) == 2:
            assert sorted(report.unchanged) == sorted(p.name for p in inputs)
    assert prints[0]["raw.documents"][0] == 4
    assert _differences(prints[0], prints[1]) == [] and _differences(prints[0], prints[2]) == []


def test_an_unchanged_document_in_another_encoding_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.pipeline as pipeline

    doc = tmp_path / "windows.txt"
    doc.write_bytes(LEZIGNAN.read_text(encoding="utf-8").replace("\n", "\r\n").encode("cp1252"))
    con = connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_paths(con, [doc], workers=0)
        parsed: list[Path] = []
        real = pipeline.read_document
        monkeypatch.setattr(pipeline, "read_document", lambda path: parsed.append(path) or real(path))
        report = ingest_paths(con, [doc], workers=0)
        assert report.unchanged == [doc.name]
        assert parsed == []
    finally:
        con.close()
