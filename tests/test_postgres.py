"""The PostgreSQL target (issue 16): the same dbt project published on a throw-away server gives the
same tables as the DuckDB file; readers get a role that reads the published schemas and nothing
else; one build at a time; a failed or killed build leaves the published warehouse as it was.

The server is started by the session fixture ``pg_server`` (tests/conftest.py; skipped, with the
reason, where no PostgreSQL binaries exist).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from ingest import postgres as pg
from ingest.build import BuildError, build
from ingest.compare import canonical, compare, table_figures
from ingest.postgres import Server
from ingest.readers import Reader, Target
from tests.conftest import OTHER_DOCUMENTS, create_database

# One worker holds the throw-away server and the published warehouse these tests share, under `pytest -n`.
pytestmark = pytest.mark.xdist_group("postgres")

ROOT = Path(__file__).resolve().parent.parent


def _reader(dsn: str) -> Reader:
    return Reader(Target("postgres", None, dsn.replace(" user=postgres", "")))


def test_both_targets_publish_identical_marts_and_analytics(warehouse: Path, pg_warehouse: str) -> None:
    duck = Reader(Target("duckdb", warehouse))
    server = _reader(pg_warehouse)  # the reader role: its grants cover every published table
    try:
        assert compare(duck, server) == {}
        # Not an empty comparison: the tables hold the bundled documents' and open data's rows.
        figures = table_figures(server, "analytics", "funding_lines", ["funding_line_id", "amount_eur"])
        assert figures.rows > 1000
        assert figures.amounts["amount_eur"] > 0
        tables = server.rows(
            "select count(*) from information_schema.tables where table_schema in ('marts', 'analytics')"
        )[0][0]
        assert tables >= 25
    finally:
        duck.close()
        server.close()


def test_other_contracts_publish_identical_tables(
    other_warehouse: Path, pg_server: str, tmp_path: Path
) -> None:
    """Two other contracts' programmes and a third's annex (tests/documents), not the bundled data."""
    dsn = create_database(pg_server, "cdv_other")
    store = tmp_path / "ingest.duckdb"
    shutil.copy2(other_warehouse, store)
    build(store, progress=lambda _: None, server=Server(dsn))
    duck, server = Reader(Target("duckdb", other_warehouse)), _reader(dsn)
    try:
        assert compare(duck, server) == {}
        lines = server.scalar("select count(*) from analytics.funding_lines where source_kind = 'document'")
        assert lines > 0
    finally:
        duck.close()
        server.close()
    assert (OTHER_DOCUMENTS / "carcassonne-agglo_programme_cohesion-sociale.txt").exists()


def _as_reader(dsn: str):  # a plain session of the reader role, not read-only: the grants alone refuse
    con = psycopg2.connect(dsn.replace("user=postgres", f"user={pg.DEFAULT_READER}"))
    con.autocommit = True
    return con


@pytest.mark.parametrize(
    "statement",
    [
        "insert into analytics.dq_issues (rule) values ('x')",
        "delete from marts.dim_qpv",
        "update reference.ref_funders set funder_code = funder_code",
        "create table marts.mine (x integer)",
        "create table public.mine (x integer)",
        "create schema mine",
        "drop table analytics.funding_lines",
        "select count(*) from raw.documents",
        "select count(*) from intermediate.int_funders",
        "select count(*) from raw.anct_posts",
    ],
)
def test_reader_role_cannot_write_create_or_read_raw(pg_warehouse: str, statement: str) -> None:
    con = _as_reader(pg_warehouse)
    try:
        with con.cursor() as cur, pytest.raises(psycopg2.Error) as refused:
            cur.execute(statement)
        assert refused.value.pgcode in ("42501", "42P01", "42809"), refused.value  # insufficient privilege
    finally:
        con.close()


def test_reader_role_reads_the_published_schemas(pg_warehouse: str) -> None:
    con = _as_reader(pg_warehouse)
    try:
        with con.cursor() as cur:
            for table in ("analytics.funding_lines", "marts.fct_funding", "reference.ref_funders"):
                cur.execute(f"select count(*) from {table}")
                row = cur.fetchone()
                assert row is not None and row[0] > 0, table
    finally:
        con.close()


def test_readers_transactions_are_read_only(pg_warehouse: str) -> None:
    """Even an account that may write reads read-only through a Reader."""
    with Reader(Target("postgres", None, pg_warehouse)) as reader:  # names its user: the superuser
        with pytest.raises(psycopg2.Error, match="read-only transaction"):
            reader.execute("create table public.mine (x integer)")
        assert reader.scalar("select count(*) from analytics.funding_lines") > 0


def test_a_second_build_is_refused_naming_the_holder(pg_warehouse: str, tmp_path: Path) -> None:
    holder = psycopg2.connect(pg_warehouse, application_name="cdv build (pid 4242 on a colleague's laptop)")
    holder.autocommit = True
    try:
        with holder.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", [pg.LOCK_KEY])
        with pytest.raises(pg.PostgresLocked, match="another build of .* is running: cdv build \\(pid 4242"):
            build(tmp_path / "ingest.duckdb", progress=lambda _: None, server=Server(pg_warehouse))
    finally:
        holder.close()
    # Nothing was created for the refused build: its ingest file never started.
    assert not (tmp_path / "ingest.duckdb").exists()


def _published_digest(dsn: str) -> str:
    with _reader(dsn) as reader:
        columns = [
            c
            for (c,) in reader.rows(
                "select column_name from information_schema.columns where table_schema = 'analytics'"
                " and table_name = 'funding_lines' order by ordinal_position"
            )
        ]
        return table_figures(reader, "analytics", "funding_lines", columns).digest


def test_a_killed_build_leaves_the_published_warehouse_untouched(
    warehouse: Path, pg_warehouse: str, tmp_path: Path
) -> None:
    before = _published_digest(pg_warehouse)
    store = _ingest_copy(warehouse, tmp_path)
    env = dict(os.environ, CDV_TEST_PAUSE_AT="dbt", CDV_TEST_PAUSE_SECONDS="120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "build", "--db", str(store), "--dsn", pg_warehouse, "--force"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "test pause at dbt" in line:
                break
        else:
            pytest.fail(f"the build ended before its pause (rc {proc.wait()})")
        # dbt is building into the __next schemas meanwhile: the published ones are as they were.
        assert _next_schemas(pg_warehouse) >= 1
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    time.sleep(0.5)
    assert _published_digest(pg_warehouse) == before
    # The next build clears what the killed one left and publishes.
    con = psycopg2.connect(pg_warehouse)
    try:
        pg.drop_next(con)
    finally:
        con.close()
    assert _next_schemas(pg_warehouse) == 0


def test_publish_swaps_every_schema_in_one_transaction(pg_server: str) -> None:
    """Schemas of a fake build are swapped in; readers of the old tables never see a mix; the old go."""
    dsn = create_database(pg_server, "cdv_swap")
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            for schema in pg.SCHEMAS:
                cur.execute(f"create schema {schema}")
                cur.execute(f"create table {schema}.generation as select 1 as built")
                cur.execute(f"create schema {schema}{pg.NEXT_SUFFIX}")
                cur.execute(f"create table {schema}{pg.NEXT_SUFFIX}.generation as select 2 as built")
        con.commit()
        pg.publish(con, pg.DEFAULT_READER)
        with con.cursor() as cur:
            cur.execute(" union all ".join(f"select built from {s}.generation" for s in pg.SCHEMAS))
            assert {built for (built,) in cur.fetchall()} == {2}
            cur.execute("select nspname from pg_namespace where nspname like '%%\\_\\_%%'")
            assert cur.fetchall() == []
        con.commit()
        # A build whose schemas are missing publishes nothing.
        with pytest.raises(pg.PostgresError, match="missing: nothing published"):
            pg.publish(con, pg.DEFAULT_READER)
        con.rollback()
    finally:
        con.close()


def test_a_database_sorting_by_locale_is_refused(pg_server: str, tmp_path: Path) -> None:
    con = psycopg2.connect(pg_server)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute("create database cdv_latin template template0 encoding 'SQL_ASCII' locale 'C'")
    con.close()
    dsn = pg_server.replace("dbname=postgres", "dbname=cdv_latin")
    with pytest.raises(pg.PostgresError, match="encoding is SQL_ASCII, not UTF8"):
        build(
            tmp_path / "ingest.duckdb", [ROOT / "data" / "anct"], progress=lambda _: None, server=Server(dsn)
        )


def test_raw_tables_copy_lists_and_empty_strings_exactly(pg_warehouse: str, warehouse: Path) -> None:
    """COPY keeps a list as an array, an empty string apart from NULL, and every decimal."""
    with (
        Reader(Target("duckdb", warehouse)) as duck,
        Reader(Target("postgres", None, pg_warehouse)) as server,
    ):
        for table, columns in (
            ("documents", "document_sha256, contract_candidates, contract_qpvs, line_pages"),
            ("funding_lines", "document_sha256, source_line, amount_eur, part_amounts_eur, detail"),
        ):
            mine = sorted(duck.rows(f"select {columns} from raw.{table}"), key=repr)
            theirs = sorted(server.rows(f"select {columns} from raw.{table}"), key=repr)
            assert [tuple(map(canonical, r)) for r in mine] == [tuple(map(canonical, r)) for r in theirs]


def _ingest_copy(warehouse: Path, folder: Path) -> Path:
    """A build's ingest file starting from the DuckDB warehouse (same raw rows, nothing to parse)."""
    store = folder / "ingest.duckdb"
    shutil.copy2(warehouse, store)
    return store


def _next_schemas(dsn: str) -> int:
    """How many of a build's own schemas (``<schema>__next``) the server holds."""
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            cur.execute(
                "select count(*) from pg_namespace where right(nspname, %s) = %s",
                [len(pg.NEXT_SUFFIX), pg.NEXT_SUFFIX],
            )
            row = cur.fetchone()
            return int(row[0]) if row else 0
    finally:
        con.close()


def test_a_failed_dbt_build_keeps_the_published_warehouse(
    warehouse: Path, pg_warehouse: str, tmp_path: Path
) -> None:
    before = _published_digest(pg_warehouse)
    store = _ingest_copy(warehouse, tmp_path)
    with pytest.raises(BuildError, match="cdv_no_such_macro"):
        build(
            store,
            progress=lambda _: None,
            server=Server(pg_warehouse),
            dbt_args=["run-operation", "cdv_no_such_macro"],
        )
    assert _published_digest(pg_warehouse) == before
    assert _next_schemas(pg_warehouse) == 0  # the failed build's own schemas are gone


def test_dbt_docs_generate_on_the_server(pg_warehouse: str, tmp_path: Path) -> None:
    """dbt's documentation (manifest and catalog) is generated from the published server's schemas."""
    env = dict(os.environ, **Server(pg_warehouse).dbt_env(), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.pop("CDV_SCHEMA_SUFFIX", None)
    project = ROOT / "dbt_project"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "docs",
            "generate",
            "--target",
            "postgres",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    import json

    catalog = json.loads((tmp_path / "catalog.json").read_text())
    documented = {key.rsplit(".", 1)[-1] for key in catalog["nodes"]}
    assert {"funding_lines", "fct_funding", "dim_qpv", "ref_funders"} <= documented
    # The columns' types are the server's (an amount is numeric there).
    lines = next(v for k, v in catalog["nodes"].items() if k.endswith(".funding_lines"))
    assert lines["columns"]["amount_eur"]["type"].startswith("numeric")


def test_copy_keeps_empty_strings_nulls_quotes_newlines_and_lists(pg_server: str, tmp_path: Path) -> None:
    """The CSV written for COPY round-trips what a document's text may hold."""
    import duckdb

    duck = duckdb.connect()
    duck.execute(
        "create table t as select '' as a, null::varchar as b, 'x\"y,z' || chr(10) || 'w\\' as c,"
        " ['', null, 'a\"b\\c', 'NULL', '{}'] as d, [1.5, null, 0.1]::double[] as e,"
        " [12.30, null]::decimal(18,2)[] as f"
    )
    kinds = {
        "a": "varchar",
        "b": "varchar",
        "c": "varchar",
        "d": "varchar[]",
        "e": "double[]",
        "f": "decimal(18,2)[]",
    }
    select = ", ".join(pg._csv_expression(name, kind) for name, kind in kinds.items())
    path = tmp_path / "copy-test.csv"
    duck.execute(f"copy (select {select} from t) to '{path}' (format csv, header false)")
    con = psycopg2.connect(pg_server)
    try:
        with con.cursor() as cur:
            body = ", ".join(f"{name} {pg.pg_type(kind)}" for name, kind in kinds.items())
            cur.execute(f"create temp table t ({body})")
            with path.open("rb") as handle:
                cur.copy_expert("copy t from stdin with (format csv, header false)", handle)
            cur.execute("select * from t")
            theirs = cur.fetchall()
    finally:
        con.close()
    assert [tuple(map(canonical, row)) for row in theirs] == [
        tuple(map(canonical, row)) for row in duck.execute("select * from t").fetchall()
    ]
    assert theirs[0][3] == ["", None, 'a"b\\c', "NULL", "{}"]
