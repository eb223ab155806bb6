"""The query interface cannot write, and the paths given to the CLI cannot escape what the user named.

``cdv query``: the statement must be a single read-only statement *as DuckDB parses it* (comments
and string literals are the parser's business), and the connection itself is read-only with file
system access off and its configuration locked: no COPY ... TO, EXPORT DATABASE, ATTACH, INSTALL,
LOAD, SET, nor any read of a file outside the warehouse, even if the statement filter were bypassed.

Paths: inside a folder named, a symlink out of it (file or folder) is skipped; a FIFO or device named
is refused at once, never opened for a read that would wait for a writer; the warehouse's lock and
build copy sit next to the warehouse file (``..`` resolved, symlinks followed to the real file, so
that two names of one warehouse share one lock) and nowhere else.

How the tests were checked to fail without their safeguards (on a copy of the tree, each removed in
turn, the tests run):
- without ``LOCKED_CONFIG`` on the read-only connection, ``COPY ... TO`` and ``EXPORT DATABASE``
  write their files and ``read_csv('/etc/passwd')`` reads (``test_the_connection_itself_...``);
- without the statement-type check, ``pragma enable_checkpoint_on_shutdown`` runs (the locked
  connection stops the rest); the regex it replaced refused ``select ';'`` and allowed no pivot;
- without ``_check_inputs`` in the CLI, ``cdv ingest <fifo>`` says "ingested 0 document(s)" and
  exits 0; without the non-blocking open in ``read_file``, reading a FIFO blocks (the test fails on
  its 10 s bound);
- with ``build`` not resolving ``--db``, a symlinked warehouse gets its own lock next to the link and
  the link is replaced by a regular file; without the folder check, ``--db <folder>`` ends in a
  traceback.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from ingest.cli import main
from ingest.loading import connect
from ingest.pipeline import ingest_paths, input_files
from ingest.query import QueryError, open_read_only, read_only_statement
from ingest.reading import read_file

from .conftest import DOCUMENTS, LEZIGNAN, PERPIGNAN, ROOT

CDV = [sys.executable, "-m", "ingest.cli"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with the raw tables of the two text documents (ingest only: no dbt needed here)."""
    db = tmp_path_factory.mktemp("q") / "warehouse.duckdb"
    con = connect(str(db))
    ingest_paths(con, [DOCUMENTS])
    con.close()
    return db


WRITES = [
    "copy raw.fiches to '{out}/fiches.csv'",
    "copy (select * from raw.fiches) to '{out}/fiches.parquet' (format parquet)",
    "export database '{out}/export'",
    "attach '{out}/other.duckdb' as other",
    "install httpfs",
    "load httpfs",
    "set threads = 1",
    "set enable_external_access = true",
    "pragma enable_checkpoint_on_shutdown",
    "call pragma_version()",
    "checkpoint",
    "create temp table t as select 1",
    "-- a comment first\ndelete from raw.fiches",
    "/* select */ copy raw.fiches to '{out}/hidden.csv'",
    "select 1; copy raw.fiches to '{out}/second.csv'",
    "select ';'; delete from raw.fiches",
    "with x as (select 1) delete from raw.fiches",
    "with x as (select 1) insert into raw.fiches select * from raw.fiches",
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('{out}/../warehouse.duckdb')",
    "select count(*) from glob('/*')",
    "from query('copy raw.fiches to ''{out}/q.csv''')",
    "explain analyze copy raw.fiches to '{out}/explained.csv'",
]


@pytest.mark.parametrize("sql", WRITES)
def test_cdv_query_cannot_write_nor_read_outside(
    sql: str, small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _sha(small_db)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["query", sql.format(out=out), "--db", str(small_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cdv: ") and "Traceback" not in err
    assert list(out.iterdir()) == []
    assert not (small_db.parent / "other.duckdb").exists()
    assert _sha(small_db) == before


@pytest.mark.parametrize(
    "sql",
    [
        "copy raw.fiches to '{out}/fiches.csv'",
        "export database '{out}/export'",
        "select * from read_csv('/etc/passwd')",
        "select count(*) from glob('/*')",
        "attach '{out}/other.duckdb' as other",
        "set enable_external_access = true",
        "set threads = 1",
        "load httpfs",
    ],
)
def test_the_connection_itself_cannot_write_or_read_outside(sql: str, small_db: Path, tmp_path: Path) -> None:
    """Even with the statement filter bypassed, the connection refuses."""
    out = tmp_path / "out"
    out.mkdir()
    con = open_read_only(small_db)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(sql.format(out=out))
    finally:
        con.close()
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select ';' as s, '--' as d, '/*' as c", [(";", "--", "/*")]),
        ("-- how many\nselect count(*) from raw.fiches -- fiches\n;", [(16,)]),
        ("  (select count(*) from raw.fiches)", [(16,)]),
        ("from raw.documents select count(*)", [(2,)]),
        ("pivot (select kind from raw.documents) on kind using count(*)", [(1, 1)]),
        ("pragma version", None),
        ("show tables", None),
        ("describe raw.fiches", None),
        ("summarize raw.documents", None),
    ],
)
def test_read_only_statements_still_run(
    sql: str, expected: list[tuple] | None, small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ingest.query import run_query

    result = run_query(small_db, sql)
    if expected is not None:
        assert result.rows == expected
    assert read_only_statement(sql) == sql


def test_query_on_something_that_is_not_a_warehouse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database")
    assert main(["query", "select 1", "--db", str(text)]) == 2
    assert "cannot be opened as a DuckDB warehouse" in capsys.readouterr().err
    assert main(["query", "select 1", "--db", str(tmp_path)]) == 2
    assert "not a warehouse file" in capsys.readouterr().err
    assert main(["status", "--db", str(tmp_path)]) == 2
    with pytest.raises(QueryError):
        open_read_only(tmp_path / "missing.duckdb")
    assert not (tmp_path / "missing.duckdb").exists()


# --- input paths --------------------------------------------------------------------------------


def test_dotdot_in_a_named_folder_cannot_reach_out_through_a_symlink(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    (inputs / "sub").mkdir(parents=True)
    (inputs / LEZIGNAN.name).write_bytes(LEZIGNAN.read_bytes())
    (tmp_path / "secret.txt").write_text("outside")
    (inputs / "sub" / "escape.txt").symlink_to(Path("..") / ".." / "secret.txt")
    (inputs / "sub" / "inside.txt").symlink_to(Path("..") / LEZIGNAN.name)
    named = inputs / "sub" / ".."  # the user named inputs, through ".."
    found = input_files([named])
    assert sorted(p.resolve().name for p in found) == [LEZIGNAN.name, LEZIGNAN.name]
    assert all(p.resolve().is_relative_to(inputs.resolve()) for p in found)


def test_a_symlinked_folder_inside_an_input_folder_is_not_walked(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / LEZIGNAN.name).write_bytes(LEZIGNAN.read_bytes())
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / PERPIGNAN.name).write_bytes(PERPIGNAN.read_bytes())
    (inputs / "more").symlink_to(outside, target_is_directory=True)
    assert [p.name for p in input_files([inputs])] == [LEZIGNAN.name]
    # Named itself, the symlinked folder is what the user asked for.
    assert [p.name for p in input_files([inputs / "more"])] == [PERPIGNAN.name]


def test_a_fifo_is_never_opened_for_a_blocking_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome: list[object] = []
    reader = threading.Thread(target=lambda: outcome.append(read_file(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the stuck reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("read_file blocked on a FIFO")
    read = outcome[0]
    assert not read.readable and [i.rule for i in read.issues] == ["not_a_file"]
    assert "a FIFO, device or socket, not a regular file: not read" in read.issues[0].message


@pytest.mark.parametrize("command", ["ingest", "build"])
def test_a_fifo_or_device_named_on_the_command_line_is_refused(command: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    db = tmp_path / "warehouse.duckdb"
    for named in (fifo, Path("/dev/null")):
        done = subprocess.run(
            [*CDV, command, str(named), "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == (
            f"cdv: {named}: not a regular file or a folder (a FIFO, device or socket): nothing read"
        )
    assert not db.exists()


def test_a_fifo_inside_an_input_folder_is_skipped_and_the_rest_loads(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    os.mkfifo(inputs / "pipe.txt")
    (inputs / LEZIGNAN.name).write_bytes(LEZIGNAN.read_bytes())
    done = subprocess.run(
        [*CDV, "ingest", str(inputs), "--db", str(tmp_path / "warehouse.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ingested 1 document(s)" in done.stdout


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_the_lock_and_the_copy_sit_next_to_the_named_warehouse_and_nowhere_else(tmp_path: Path) -> None:
    """A build paused in its ingest, named through `..` from another working directory."""
    (tmp_path / "work").mkdir()
    (tmp_path / "data").mkdir()
    named = Path("..") / "elsewhere" / ".." / "data" / "warehouse.duckdb"  # relative to work/
    before = _files(tmp_path)
    proc = subprocess.Popen(
        [*CDV, "build", str(DOCUMENTS), "--db", str(named)],
        cwd=tmp_path / "work",
        env={**os.environ, "CDV_TEST_PAUSE_AT": "ingest", "CDV_TEST_PAUSE_SECONDS": "300"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("cdv: test pause at ingest"):
                break
        else:
            pytest.fail("the build did not reach its ingest")
        created = _files(tmp_path) - before
    finally:
        proc.kill()
        proc.wait()
    assert created <= {
        "data/warehouse.duckdb.lock",
        "data/warehouse.duckdb.building",
        "data/warehouse.duckdb.building.wal",
    }
    assert {"data/warehouse.duckdb.lock", "data/warehouse.duckdb.building"} <= created
    assert not (tmp_path / "elsewhere").exists()


def test_a_symlinked_warehouse_keeps_its_link_and_shares_the_lock_of_its_file(tmp_path: Path) -> None:
    from ingest.build import BuildLocked, build, build_lock

    real = tmp_path / "store" / "warehouse.duckdb"
    real.parent.mkdir()
    link_dir = tmp_path / "links"
    link_dir.mkdir()
    link = link_dir / "warehouse.duckdb"
    link.symlink_to(real)
    build(link, [LEZIGNAN], dbt_args=["debug"], progress=lambda _: None)
    assert link.is_symlink() and link.resolve() == real and real.is_file()
    assert sorted(p.name for p in link_dir.iterdir()) == ["warehouse.duckdb"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.lock"]
    with duckdb.connect(str(link), read_only=True) as con:
        assert con.execute("select count(*) from raw.annex_objectives").fetchone()[0] == 46
    # Two names, one warehouse, one lock.
    with build_lock(real), pytest.raises(BuildLocked):
        build(link, [LEZIGNAN], dbt_args=["debug"], progress=lambda _: None)


@pytest.mark.parametrize("command", ["build", "ingest"])
def test_a_db_path_that_is_a_folder_is_refused_clearly(command: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [*CDV, command, str(LEZIGNAN), "--db", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert "not a warehouse file" in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert not tmp_path.with_name(tmp_path.name + ".lock").exists()


def test_input_files_refuses_a_fifo_named_through_the_api(tmp_path: Path) -> None:
    from ingest.pipeline import InputError

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file or a folder"):
        input_files([fifo])


def test_a_warehouse_named_like_a_schema_builds_and_answers(tmp_path: Path) -> None:
    """raw.duckdb: DuckDB would name the file's catalog "raw", like the schema of the raw tables. Every
    connection attaches the file under one fixed name, and the build's copy gets a name of its own."""
    from ingest.build import build, building_path

    db = tmp_path / "raw.duckdb"
    assert building_path(db).name == "cdv-raw.duckdb.building"
    assert building_path(tmp_path / "warehouse2.duckdb").name == "warehouse2.duckdb.building"
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / LEZIGNAN.name).write_bytes(LEZIGNAN.read_bytes())
    build(db, [inputs], progress=lambda _: None)
    con = open_read_only(db)
    try:
        assert con.execute("select count(*) from raw.annex_objectives").fetchone()[0] == 46
        assert con.execute("select count(*) from analytics.objective_bop").fetchone()[0] > 0
    finally:
        con.close()
    assert main(["query", "select count(*) as n from raw.documents", "--db", str(db), "--format", "csv"]) == 0


@pytest.mark.parametrize("command", ["build", "ingest"])
def test_a_db_in_a_folder_that_does_not_exist_is_refused_not_created(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    args = [command, str(LEZIGNAN), "--db", str(missing / "w.duckdb")]
    assert main(args) != 0
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
