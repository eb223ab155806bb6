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
    # Amounts are JSON numbers (a tool reading the JSON sums them without parsing text).
    assert json.loads(capsys.readouterr().out) == [{"funder_code": "DEP-66", "eur": 1174092.0}]
    assert main(["query", sql, "--db", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["funder_code,eur", "DEP-66,1174092.00"]
    # The French spreadsheet's CSV: semicolons, a decimal comma, a byte-order mark.
    assert main(["query", sql, "--db", str(warehouse), "--format", "csv-fr"]) == 0
    assert capsys.readouterr().out.splitlines() == ["\ufefffunder_code;eur", "DEP-66;1174092,00"]
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
    # One count of issues: the build's summary, `cdv status` and the dashboard's overview tile.
    import re

    import duckdb

    from dashboard import queries as q
    from ingest.build import summarise
    from ingest.readers import Reader, Target

    shown = int(re.search(r"open data-quality issues: (\d+)", out)[1])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert shown == con.execute("select count(*) from analytics.dq_issues").fetchone()[0]
        tile = q.fetch(con, "overview_totals", q.default_filters(con))["issue_count"].iloc[0]
    with Reader(Target("duckdb", warehouse)) as reader:
        assert shown == summarise(reader)["issues"] == tile


def test_ingest_of_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = cdv("ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "nope: no such file or folder" in result.stderr


def test_duckdb_errors_are_shown_whole(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DuckDB's hints (candidate columns, "Did you mean") are what helps mend a query."""
    assert main(["query", "select amount from analytics.funding_lines", "--db", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert "Binder Error" in err and "amount_eur" in err and "\n" in err.strip()
    assert main(["query", "select * from analytics.funding_line", "--db", str(warehouse)]) == 2
    assert "Did you mean" in capsys.readouterr().err


def test_version_and_examples() -> None:
    version = cdv("--version")
    assert version.returncode == 0 and version.stdout.startswith("cdv ")
    helped = cdv("--help")
    assert "examples:" in helped.stdout and "cdv export xlsx" in helped.stdout


def test_export_xlsx(warehouse: Path, tmp_path: Path) -> None:
    """A funder × QPV × year workbook whose amounts add up to the warehouse's, as numbers."""
    import duckdb

    out = tmp_path / "financements.xlsx"
    done = cdv("export", "xlsx", "--db", str(warehouse), "-o", str(out))
    assert done.returncode == 0, done.stderr
    sheets = _xlsx_sheets(out)
    assert list(sheets) == ["Lisez-moi", "Financeur x QPV x année", "Tableau croisé"]
    flat = sheets["Financeur x QPV x année"]
    header = flat[0]
    assert header[:3] == ["Contrat", "Nom du contrat", "Prévu ou exécuté"] and "Montant (€)" in header
    amount, kind = header.index("Montant (€)"), header.index("Prévu ou exécuté")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        planned, executed = con.execute(
            "select sum(amount_eur) filter (where funding_kind = 'planned'),"
            " sum(amount_eur) filter (where funding_kind = 'executed') from analytics.funding_by_qpv_year"
        ).fetchone()
    assert round(sum(r[amount] for r in flat[1:] if r[kind] == "prévu"), 2) == float(planned)
    assert round(sum(r[amount] for r in flat[1:] if r[kind] == "exécuté"), 2) == float(executed)
    pivot = sheets["Tableau croisé"]
    assert pivot[-1][0] == "Total" and round(pivot[-1][-1], 2) == float(planned)
    assert cdv("export", "xlsx", "--db", str(warehouse)).returncode == 2  # no -o: refused, said why


def _xlsx_sheets(path: Path) -> dict[str, list[list]]:
    """The cells of each sheet of an .xlsx file (strings and numbers), read with the standard library."""
    import re
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as book:
        strings = [
            "".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", ns)
        ]
        names = [
            s.get("name")
            for s in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{{{ns['m']}}}sheet")
        ]
        sheets = {}
        for number, name in enumerate(names, start=1):
            root = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{number}.xml"))
            rows = []
            for row in root.iter(f"{{{ns['m']}}}row"):
                cells = {}
                for cell in row.findall("m:c", ns):
                    column = re.match(r"[A-Z]+", cell.get("r"))[0]
                    index = 0
                    for letter in column:
                        index = index * 26 + ord(letter) - 64
                    value = cell.find("m:v", ns)
                    if value is None:
                        continue
                    cells[index - 1] = strings[int(value.text)] if cell.get("t") == "s" else float(value.text)
                rows.append([cells.get(i) for i in range(max(cells, default=-1) + 1)])
            sheets[name] = rows
    return sheets
