"""Parser of QPV lists: the official list of priority neighbourhoods of a région (or of France), as a
CSV file with one row per QPV (the national file's columns: code, name, commune; see
``reference/README.md``).

A user of another région adds its list to ``reference/qpv/``: ``cdv build`` reads that folder with the
documents, the parsers resolve territory texts against it (``ingest.reference.qpv_rows``) and dbt adds
its rows to the QPV dimension. Columns are recognised by their usual headers (``code_qp``, ``nom_qp``,
``commune_qp``, ``insee_com``, ``siren_epci``...); comma or semicolon, UTF-8 or Windows-1252.
"""

from __future__ import annotations

from typing import Any

from ingest.records import ParseResult
from ingest.reference import read_qpv_list

KIND = "qpv_list"
TABLE = "qpv_lists"


def detect(text: str) -> float:
    """1.0 for a CSV whose header names a QPV code and a QPV name column and whose rows hold QPV codes."""
    head = text[:20000]
    rows, problems = read_qpv_list(head.encode("utf-8"))
    if not rows or any(p.startswith("no ") for p in problems):
        return 0.0
    return 1.0


def parse(lines: list[str]) -> ParseResult:
    result = ParseResult(kind=KIND, tables={TABLE: []})
    rows, problems = read_qpv_list("\n".join(lines).encode("utf-8"))
    for problem in problems:
        line = None
        if problem.startswith("line "):
            line = int(problem.split()[1].rstrip(":"))
        result.issue(line, "warning", "qpv_row_skipped", problem, lines[line - 1] if line else "")
    for row in rows:
        number = int(row.pop("_line"))
        record: dict[str, Any] = {**row, "source_line": number}
        record["source_text"] = lines[number - 1] if number - 1 < len(lines) else ""
        result.tables[TABLE].append(record)
    if not rows:
        result.issue(None, "error", "no_qpv_rows", "no QPV row found in the list")
    return result
