"""Readers on either target (issue 16): `cdv query`, `cdv status`, `cdv export scdl`, the dashboard
and the notebooks read the DuckDB file or the PostgreSQL server by configuration, run the same SQL
files and give the same figures; on the server they read as the reader role, in read-only
transactions.

The server is the session's throw-away one with the bundled data published on it (the fixture
``pg_warehouse`` of tests/conftest.py, built from a copy of the DuckDB session warehouse: the same
rows on both). Where no PostgreSQL binaries exist, those tests skip and say why; the checks of the
SQL's portability and of an unreachable server run everywhere.
"""

from __future__ import annotations

import json
import math
import os
import re
from decimal import Decimal
from pathlib import Path

import nbformat
import pandas as pd
import psycopg2
import pytest
from nbclient import NotebookClient
from streamlit.testing.v1 import AppTest

from dashboard import queries as q
from ingest import postgres as pg
from ingest.cli import main
from ingest.compare import canonical
from ingest.export import _LINES_SQL
from ingest.query import QueryError, QueryResult, bind, one_statement, parameters, render, run_query
from ingest.readers import Reader, ReaderError, Target
from tests.conftest import create_database

# One worker holds the throw-away server and the published warehouse these tests share, under `pytest -n`.
pytestmark = pytest.mark.xdist_group("postgres")

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
NOTEBOOKS = ROOT / "notebooks"

# Filters every dashboard query is run with on both targets: none, each kind, one contract, the
# README's headline question, a funder type.
FILTER_SETS: tuple[dict[str, str], ...] = (
    {},
    {"funding_kind": "executed"},
    {"contract_code": "CV235"},
    {"funder_code": "DEP-66", "axis_code": "3", "qpv_code": "QP066008", "funding_year": "2016"},
    {"funder_type": "etat", "funding_year": "2018"},
)
QUESTION = FILTER_SETS[3]


@pytest.fixture(scope="module")
def reader_dsn(pg_warehouse: str) -> str:
    """The server's DSN without its user: readers connect as the reader role."""
    return re.sub(r"\s*\buser=\S+", "", pg_warehouse)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _on_duckdb(warehouse: Path) -> list[str]:
    return ["--db", str(warehouse)]


def _on_server(dsn: str) -> list[str]:
    return ["--target", "postgres", "--dsn", dsn]


# --- the SQL: one text for both engines -----------------------------------------------------------

# DuckDB's own syntax the server does not read (or reads otherwise), as words in the SQL.
_DUCKDB_ONLY = re.compile(
    r"\bgroup\s+by\s+all\b|\border\s+by\s+all\b|\bqualify\b|\bany_value\s*\(|\bstrftime\s*\(|\bcount_if\s*\("
    r"|\blist_\w+\s*\(|\bstruct_\w+\s*\(|\bexclude\s*\(|\bfrom\s+\w+(\.\w+)?\s+select\b",
    re.IGNORECASE,
)
_DESCENDING = re.compile(r"\bdesc\b(?!\s+nulls\s+(first|last))", re.IGNORECASE)


def _readers_sql() -> dict[str, str]:
    texts = {f"dashboard/sql/{name}.sql": q.sql(name) for name in q.query_names()}
    texts["ingest/export.py _LINES_SQL"] = _LINES_SQL
    return texts


def test_the_readers_sql_is_written_for_both_engines() -> None:
    """No DuckDB-only syntax; a descending order says where NULLs go (last on DuckDB, first on the
    server unless said); no code of ingest/codes.py written as a literal."""
    for where, text in _readers_sql().items():
        code = re.sub(r"--[^\n]*", " ", text)
        assert not _DUCKDB_ONLY.search(code), (where, _DUCKDB_ONLY.search(code))
        order = code.lower().rsplit("order by", 1)[-1] if "order by" in code.lower() else ""
        assert not _DESCENDING.search(order), (where, order)
        for literal in re.findall(r"'(?:[^']|'')*'", code):
            assert "HORS_QPV" not in literal and "NON_IDENTIFIE" not in literal, (where, literal)


@pytest.mark.parametrize(
    ("sql", "count"),
    [
        ("select 1", 1),
        ("select 1;", 1),
        ("select ';' as s -- ;\n", 1),
        ('select $$a;b$$, "c;d" from t /* ; */', 1),
        ("select 1; select 2", 2),
        ("commit; begin read write; create table public.mine (x integer)", 3),
        ("  ;  ", 0),
    ],
)
def test_a_server_statement_is_one_statement(sql: str, count: int) -> None:
    if count == 1:
        assert one_statement(sql) == sql
    else:
        with pytest.raises(QueryError, match="exactly one SQL statement"):
            one_statement(sql)


def test_an_unreachable_server_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dsn = f"host={tmp_path} port=1 dbname=cdv"
    for command in (["status"], ["query", "select 1"], ["export", "scdl"]):
        code, out, err = _cli(capsys, *command, *_on_server(dsn))
        assert code == 2 and out == "", command
        assert err.count("\n") == 1 and f"cannot connect to PostgreSQL cdv_reader@{tmp_path}:1/cdv" in err, (
            err
        )
    with pytest.raises(ReaderError, match="cannot connect"):
        Reader(Target("postgres", None, dsn))


# --- the same figures on both targets -------------------------------------------------------------


def _results(reader: Reader, text: str, given: dict[str, str]) -> tuple[list[tuple[object, ...]], str]:
    """The rows as both engines agree on their values (``canonical``), and as `cdv query --format
    csv` prints them (the engine's own decimals: 0.00 is not 0)."""
    values = bind(text, {k: v for k, v in given.items() if k in parameters(text)})
    cursor = reader.execute(text, values)
    result = QueryResult([d[0] for d in cursor.description], [tuple(row) for row in cursor.fetchall()])
    return [tuple(canonical(v) for v in row) for row in result.rows], render(result, "csv")


def test_every_dashboard_query_gives_the_same_rows_in_the_same_order(
    warehouse: Path, reader_dsn: str
) -> None:
    with Reader(Target("duckdb", warehouse)) as duck, Reader(Target("postgres", None, reader_dsn)) as server:
        assert server.scalar("select current_user") == pg.DEFAULT_READER
        compared = 0
        for name in q.query_names():
            text = q.sql(name)
            for given in FILTER_SETS if parameters(text) else FILTER_SETS[:1]:
                rows, printed = _results(duck, text, given)
                assert _results(server, text, given) == (rows, printed), (name, given)
                compared += len(rows)
        assert compared > 1000


def _cells(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    def cell(value: object) -> object:
        missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        return None if missing else canonical(value)

    return [tuple(cell(v) for v in row) for row in frame.astype(object).itertuples(index=False)]


def test_dashboard_frames_are_alike_on_both_targets(warehouse: Path, reader_dsn: str) -> None:
    """The DataFrames the pages draw: the same values, numbers as numbers on both (a server's
    numeric is not left as Decimal objects, a column of NULL amounts is NaN, not None)."""
    duck, server = q.connect(warehouse), q.connect(Target("postgres", None, reader_dsn))
    try:
        for name in q.query_names():
            left, right = q.fetch(duck, name, QUESTION), q.fetch(server, name, QUESTION)
            assert list(left.columns) == list(right.columns), name
            for column in left.columns:
                kinds = [pd.api.types.is_numeric_dtype(frame[column]) for frame in (left, right)]
                assert kinds[0] == kinds[1], (name, column, left[column].dtype, right[column].dtype)
            assert _cells(left) == _cells(right), name
    finally:
        duck.close()
        server.close()


@pytest.mark.parametrize(
    ("sql", "params", "fmt"),
    [
        ("dashboard/sql/headline.sql", QUESTION, "json"),
        ("dashboard/sql/funding_by_funder.sql", {}, "csv"),
        ("dashboard/sql/funding_by_qpv.sql", {"funding_year": "2016"}, "csv-fr"),
        ("dashboard/sql/dq_by_rule.sql", {}, "table"),
        (
            "select funder_code, count(*) as lines, sum(amount_eur) as eur from analytics.funding_lines"
            " where amount_eur::text like '%.5%' and ($kind is null or source_kind = $kind)"
            " group by funder_code order by funder_code",
            {"kind": "document"},
            "table",
        ),
    ],
)
def test_query_prints_the_same_on_both_targets(
    sql: str,
    params: dict[str, str],
    fmt: str,
    warehouse: Path,
    reader_dsn: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    given = [arg for name, value in params.items() for arg in ("--param", f"{name}={value}")]
    args = ["query", sql, "--format", fmt, *given]
    code, on_duckdb, err = _cli(capsys, *args, *_on_duckdb(warehouse))
    assert code == 0, err
    code, on_server, err = _cli(capsys, *args, *_on_server(reader_dsn))
    assert code == 0, err
    assert on_server == on_duckdb
    assert on_server.count("\n") >= 2


def test_query_reads_the_target_the_environment_names(
    reader_dsn: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CDV_TARGET", "postgres")
    monkeypatch.setenv("CDV_PG_DSN", reader_dsn)
    code, out, err = _cli(capsys, "query", "select current_user as reader", "--format", "csv")
    assert code == 0, err
    assert out == f"reader\n{pg.DEFAULT_READER}\n"
    assert run_query(Target("postgres", None, reader_dsn), "select 1 as one").rows == [(1,)]


def test_export_scdl_is_the_same_bytes_on_both_targets(
    warehouse: Path, reader_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "duckdb").mkdir()
    (tmp_path / "postgres").mkdir()
    from_duckdb, from_server = tmp_path / "duckdb" / "scdl.csv", tmp_path / "postgres" / "scdl.csv"
    code, _, notes_duckdb = _cli(capsys, "export", "scdl", "-o", str(from_duckdb), *_on_duckdb(warehouse))
    assert code == 0, notes_duckdb
    code, _, notes_server = _cli(capsys, "export", "scdl", "-o", str(from_server), *_on_server(reader_dsn))
    assert code == 0, notes_server
    assert from_server.read_bytes() == from_duckdb.read_bytes()
    assert from_server.stat().st_size > 100_000
    assert notes_server.replace("postgres/", "duckdb/") == notes_duckdb
    # Standard output too.
    code, out, _ = _cli(capsys, "export", "scdl", *_on_server(reader_dsn))
    assert code == 0 and out.encode() == from_duckdb.read_bytes()


def test_export_xlsx_says_it_reads_the_duckdb_file(
    reader_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, "export", "xlsx", "-o", str(tmp_path / "w.xlsx"), *_on_server(reader_dsn))
    assert code == 2 and "DuckDB file only" in err
    assert not (tmp_path / "w.xlsx").exists()


def _section(text: str, start: str, end: str | None = None) -> str:
    body = text[text.index(start) :]
    return body[: body.index(end)] if end else body


def test_status_on_the_server_says_what_the_reader_role_cannot_read(
    warehouse: Path, reader_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, on_duckdb, err = _cli(capsys, "status", *_on_duckdb(warehouse))
    assert code == 0, err
    code, on_server, err = _cli(capsys, "status", *_on_server(reader_dsn))
    assert code == 0, err
    assert on_server.startswith(f"warehouse: PostgreSQL {pg.DEFAULT_READER}@")
    # What the analytics and marts say: the same words and figures.
    assert (
        _section(on_server, "contracts recognised").split("rows:")[0]
        == _section(on_duckdb, "contracts recognised").split("rows:")[0]
    )
    assert _section(on_server, "  analytics.funding_lines") == _section(
        on_duckdb, "  analytics.funding_lines"
    )
    assert re.search(r"^open data-quality issues: [1-9]\d* \(", on_server, re.MULTILINE)
    # What it cannot read is said, not a crash: raw (the documents, its row counts) and the inputs.
    assert "raw.documents: not readable here: permission denied for schema raw" in on_server
    assert "  raw tables: not readable here: permission denied for schema raw" in on_server
    assert "raw.fiches" not in on_server and "raw.fiches" in on_duckdb
    assert "inputs: kept by the build in its DuckDB file, not on the server" in on_server
    # When the warehouse was published, which the reader role reads from the analytics schema's comment.
    assert re.search(r"^published: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+ by \S+$", on_server, re.MULTILINE), (
        on_server
    )
    # The contract documents come from analytics.document_versions, with the same hashes as raw's.
    with Reader(Target("duckdb", warehouse)) as duck:
        for name, sha in duck.rows(
            "select document_file, document_sha256 from raw.documents where kind not like 'anct%'"
        ):
            assert f"  {name}  " in on_server and f"sha256 {sha[:12]}" in on_server, name
        loaded = duck.scalar("select max(loaded_at) from analytics.document_versions")
    assert f"last contract document loaded: {loaded}" in on_server
    # As an account that reads raw (the DSN names it), the server says what the DuckDB file says.
    code, as_builder, err = _cli(capsys, "status", *_on_server(reader_dsn + " user=postgres"))
    assert code == 0, err
    assert _section(as_builder, "documents:", "inputs") == _section(on_duckdb, "documents:", "inputs")
    assert _section(as_builder, "rows:") == _section(on_duckdb, "rows:")


# --- the reader role and its read-only transactions ----------------------------------------------


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("insert into analytics.dq_issues (rule) values ('x')", "read-only transaction"),
        ("create table analytics.mine (x integer)", "read-only transaction"),
        ("create table public.mine (x integer)", "read-only transaction"),
        ("select count(*) from raw.documents", "permission denied for schema raw"),
        ("select count(*) from staging.stg_documents__action_costs", "permission denied for schema staging"),
    ],
)
def test_the_reader_cannot_write_create_or_read_raw(
    statement: str, said: str, reader_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Reader(Target("postgres", None, reader_dsn)) as reader:
        with pytest.raises(psycopg2.Error, match=said):
            reader.execute(statement)
        # The failed statement's transaction is over: the reader reads on.
        assert reader.scalar("select count(*) from analytics.funding_lines") > 0
    code, out, err = _cli(capsys, "query", statement, *_on_server(reader_dsn))
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(f"cdv: PostgreSQL {pg.DEFAULT_READER}@") and said in err, err


def test_a_reader_kept_open_holds_no_transaction(pg_warehouse: str, reader_dsn: str) -> None:
    """A notebook or a dashboard keeps its reader open: between statements it is idle, holding no
    lock a build's drop of the old schemas would wait for."""
    with Reader(Target("postgres", None, reader_dsn)) as reader:
        pid = reader.scalar("select pg_backend_pid()")
        assert len(reader.rows("select funding_line_id from analytics.funding_lines")) > 1000
        con = psycopg2.connect(pg_warehouse)
        try:
            with con.cursor() as cur:
                cur.execute("select state from pg_stat_activity where pid = %s", [pid])
                assert cur.fetchone() == ("idle",)
                cur.execute("select count(*) from pg_locks where pid = %s and locktype = 'relation'", [pid])
                assert cur.fetchone() == (0,)
        finally:
            con.close()


def test_no_statement_ends_the_read_only_transaction(
    pg_warehouse: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even an account that may write (the DSN names the superuser) cannot write through `cdv query`:
    one statement only, so none can commit the read-only transaction and begin a read-write one."""
    for statement in (
        "commit; begin read write; create table public.mine (x integer); commit",
        "create table public.mine (x integer)",
        "set transaction read write",
    ):
        code, _, err = _cli(capsys, "query", statement, *_on_server(pg_warehouse))
        assert code in (0, 2), err
    con = psycopg2.connect(pg_warehouse)
    try:
        with con.cursor() as cur:
            cur.execute("select count(*) from pg_tables where tablename = 'mine'")
            assert cur.fetchone() == (0,)
    finally:
        con.close()


# --- the dashboard ----------------------------------------------------------------------------------


def test_every_dashboard_page_shows_the_same_figures_from_the_server(
    warehouse: Path, reader_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDV_TARGET", "postgres")
    monkeypatch.setenv("CDV_PG_DSN", reader_dsn)
    duck = q.connect(warehouse)
    try:
        defaults = q.default_filters(duck)
        for page in q.PAGES:
            at = AppTest.from_file(str(APP), default_timeout=60)
            at.query_params["page"] = page.key
            at.run()
            assert not at.exception, (page.key, [e.value for e in at.exception])
            assert not at.error, (page.key, [e.value for e in at.error])
            assert any(f"PostgreSQL {pg.DEFAULT_READER}@" in c.value for c in at.sidebar.caption), page.key
            shown = {m.label: m.value for m in at.metric}
            for metric in page.metrics:
                frame = q.fetch(duck, metric.query, defaults)
                expected = metric.exact(frame) if metric.query == q.HEADLINE_QUERY else metric.text(frame)
                assert shown[metric.label] == expected, (page.key, metric.label)
    finally:
        duck.close()


def test_the_dashboard_cache_key_changes_when_a_build_publishes(pg_server: str) -> None:
    """A build swaps new schemas in: new oids, so the figures kept for the old warehouse are dropped."""
    dsn = create_database(pg_server, "cdv_readers_version")
    target = Target("postgres", None, re.sub(r"\s*\buser=\S+", "", dsn))
    con = psycopg2.connect(dsn)

    def publish() -> None:
        with con.cursor() as cur:
            for schema in pg.SCHEMAS:
                cur.execute(f'create schema "{schema}{pg.NEXT_SUFFIX}"')
        con.commit()
        pg.publish(con, pg.DEFAULT_READER)

    try:
        publish()
        with q.connect(target) as reader:
            first = q.version(target, reader)
            assert first == q.version(target, reader)
        publish()
        with q.connect(target) as reader:
            assert q.version(target, reader) != first
    finally:
        con.close()


# --- the notebooks ----------------------------------------------------------------------------------


def _run_notebook(name: str, env: dict[str, str]) -> str:
    """The notebook run top to bottom in a kernel with ``env``; what its cells printed."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(env=dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline", **env))
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def _printed(text: str, name: str) -> Decimal:
    found = re.search(rf"^{name} = ([0-9.]+)$", text, re.MULTILINE)
    assert found, f"{name} not printed"
    return Decimal(found.group(1))


def test_the_notebooks_give_the_same_figures_from_the_server(warehouse: Path, reader_dsn: str) -> None:
    server = {"CDV_TARGET": "postgres", "CDV_PG_DSN": reader_dsn, "CDV_FILTERS": json.dumps(QUESTION)}
    duckdb = {"CDV_TARGET": "duckdb", "CDV_DB": str(warehouse), "CDV_FILTERS": json.dumps(QUESTION)}
    for name, figures in (
        ("funding_by_funder", ("total_eur", "funders")),
        ("qpv_funding_over_time", ("total_eur", "headline_eur")),
    ):
        on_server, on_duckdb = _run_notebook(name, server), _run_notebook(name, duckdb)
        assert f"warehouse: PostgreSQL {pg.DEFAULT_READER}@" in on_server
        for figure in figures:
            assert _printed(on_server, figure) == _printed(on_duckdb, figure), (name, figure)
        assert _printed(on_server, figures[0]) > 0
    # The README's headline question, answered from the server.
    assert _printed(on_server, "headline_eur") == Decimal("6666.66")
