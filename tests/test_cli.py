"""The `cdv` command line as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.cli import main


def cdv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], capture_output=True, text=True)


def test_query_formats(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = (
        "select funder_code, sum(amount_eur) as eur from analytics.funding_lines "
        "where funder_code = 'DEP-66' group by 1"
    )
    assert main(["query", sql, "--db", str(warehouse), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"funder_code": "DEP-66", "eur": "1174092.00"}]
    assert main(["query", sql, "--db", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["funder_code,eur", "DEP-66,1174092.00"]
    assert main(["query", sql, "--db", str(warehouse)]) == 0
    table = capsys.readouterr().out
    assert "DEP-66" in table and "1174092.00" in table and "(1 row)" in table


def test_query_from_a_sql_file(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "count.sql"
    file.write_text("-- how many fiches\nselect count(*) as n from raw.fiches;\n", encoding="utf-8")
    assert main(["query", str(file), "--db", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "16"]


@pytest.mark.parametrize(
    "sql",
    [
        "delete from raw.documents",
        "drop table analytics.funding_lines",
        "select 1; delete from raw.documents",
        "/* select */ insert into raw.documents values (1)",
        "attach 'x.duckdb' as x",
        "with x as (select 1) delete from raw.fiches",
    ],
)
def test_query_cannot_write(warehouse: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--db", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cdv: ")
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.fiches").fetchone()[0] == 16


def test_query_without_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "select 1", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse here" in capsys.readouterr().err


def test_status(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt" in out
    assert "raw.fiches            16" in out
    assert "open data-quality issues:" in out


def test_ingest_of_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = cdv("ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "nope: no such file or folder" in result.stderr
