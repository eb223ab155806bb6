"""The notebooks run top to bottom on the session warehouse (nbclient, CDV_DB in the kernel's
environment), draw their figures, print the figures the warehouse gives; and the headline question
gets the same answer from the CLI, the notebook and the dashboard."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from streamlit.testing.v1 import AppTest

from dashboard import queries as q

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "artifacts" / "notebooks"


# The headline question the README gives as its example, as filters.
QUESTION = {"funder_code": "DEP-66", "axis_code": "3", "qpv_code": "QP066008", "funding_year": "2016"}


def execute(name: str, warehouse: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(
        env=dict(
            os.environ,
            CDV_DB=str(warehouse),
            CDV_FILTERS=json.dumps(QUESTION),
            MPLBACKEND="module://matplotlib_inline.backend_inline",
        )
    )
    EXECUTED.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, EXECUTED / f"{name}.ipynb")  # kept for a look, never written back
    return notebook


@pytest.fixture(scope="module")
def funder_notebook(warehouse: Path) -> nbformat.NotebookNode:
    return execute("funding_by_funder", warehouse)


@pytest.fixture(scope="module")
def qpv_notebook(warehouse: Path) -> nbformat.NotebookNode:
    return execute("qpv_funding_over_time", warehouse)


def printed(notebook: nbformat.NotebookNode, tag: str) -> str:
    cells = [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r}"
    return "".join(o.get("text", "") for o in cells[0].get("outputs", []) if o.get("output_type") == "stream")


def printed_value(notebook: nbformat.NotebookNode, tag: str, name: str) -> Decimal:
    found = re.search(rf"^{name} = ([0-9.]+)$", printed(notebook, tag), re.MULTILINE)
    assert found, f"{name} not printed by the cell tagged {tag!r}"
    return Decimal(found.group(1))


def figures(notebook: nbformat.NotebookNode) -> int:
    return sum(
        1
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    )


def test_notebooks_are_committed_without_outputs() -> None:
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), path.name


def test_notebooks_read_only_the_marts_through_the_dashboard_sql() -> None:
    for path in NOTEBOOKS.glob("*.ipynb"):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        # The dashboard's reader, on the target the environment names (CDV_TARGET, CDV_DB, CDV_PG_DSN).
        assert "queries.connect(resolve())" in code and "queries.fetch(" in code, path.name
        assert "import duckdb" not in code and "duckdb.connect" not in code, path.name
        assert not re.search(r"\b(raw|staging|intermediate|reference)\.\w", code), path.name
        for name in re.findall(r'query\("(\w+)"', code):
            assert q.sql_path(name).is_file(), name


def test_funding_by_funder_draws_and_adds_up(funder_notebook, wh) -> None:
    assert figures(funder_notebook) >= 2
    planned = wh.execute(
        "select sum(amount_eur) from marts.fct_funding where source_kind = 'document'"
    ).fetchone()[0]
    assert printed_value(funder_notebook, "total", "total_eur") == planned
    funders = wh.execute(
        "select count(distinct funder_code) from marts.fct_funding where source_kind = 'document'"
    ).fetchone()[0]
    assert printed_value(funder_notebook, "total", "funders") == funders


def test_qpv_over_time_draws_the_qpv_with_the_most_money(qpv_notebook, wh) -> None:
    assert figures(qpv_notebook) >= 1
    total = wh.execute(
        "select sum(amount_eur) from marts.fct_funding where source_kind = 'document' "
        "group by qpv_code order by 1 desc limit 1"
    ).fetchone()[0]
    assert printed_value(qpv_notebook, "total", "total_eur") == total


def test_headline_is_the_same_from_the_cli_the_notebook_and_the_dashboard(
    qpv_notebook, warehouse: Path, wh
) -> None:
    # The command line, as the README tells a newcomer to run it.
    cdv = Path(sys.executable).parent / "cdv"
    command = [str(cdv)] if cdv.exists() else [sys.executable, "-m", "ingest.cli"]
    answer = subprocess.run(
        command
        + ["query", "dashboard/sql/headline.sql", "--db", str(warehouse), "--format", "json"]
        + [arg for name, value in QUESTION.items() for arg in ("--param", f"{name}={value}")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(answer.stdout, parse_float=Decimal)  # amounts are JSON numbers
    assert len(rows) == 1
    from_cli = rows[0]["amount_eur"]

    from_notebook = printed_value(qpv_notebook, "headline", "headline_eur")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDV_DB", str(warehouse))
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.query_params["page"] = "overview"
        for name, value in QUESTION.items():  # the view as shared by its address
            at.query_params[name] = value
        at.run()
    assert not at.exception
    label = next(m.label for m in q.PAGES_BY_KEY["overview"].metrics if m.query == q.HEADLINE_QUERY)
    from_dashboard = next(m.value for m in at.metric if m.label == label)

    # One line of the Département, read by hand (README); its département-wide actions are not
    # Centre Ancien's money.
    assert from_cli == Decimal("6666.66")
    assert from_notebook == from_cli
    assert from_dashboard == q.format_eur(from_cli)
    # And the lines shown under it add up to it.
    lines = q.fetch(wh, "headline_lines", QUESTION)
    assert Decimal(str(round(lines["share_eur"].sum(), 2))) == from_cli and len(lines) == 1
