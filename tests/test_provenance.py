"""Every raw row carries its source line, and its source text is found at that line of the file."""

from __future__ import annotations

import random
from pathlib import Path

from ingest.reading import read_file
from ingest.schema import RAW_TABLES

from .conftest import DOCUMENTS

PROVENANCED = [t for t, cols in RAW_TABLES.items() if "source_line" in dict(cols) and t != "ingest_issues"]


def test_random_rows_are_found_at_their_line(wh) -> None:
    lines = {path.name: read_file(path).lines for path in Path(DOCUMENTS).glob("*.txt")}
    rng = random.Random(20261122)
    checked = 0
    for table in PROVENANCED:
        rows = wh.execute(f"select document_file, source_line, source_text from raw.{table}").fetchall()
        assert all(line is not None for _, line, _ in rows), f"{table} has rows without a source line"
        rows = [row for row in rows if row[0] in lines]  # the text documents; JSON records are tested below
        for document_file, line, text in rng.sample(rows, min(len(rows), 12)):
            first = text.split("\n")[0]
            assert lines[document_file][line - 1] == first, (table, document_file, line)
            checked += 1
    assert checked >= 50


def test_joined_cells_keep_every_source_line(wh) -> None:
    rows = wh.execute("select document_file, source_lines, source_text from raw.funding_cells").fetchall()
    lines = {path.name: read_file(path).lines for path in Path(DOCUMENTS).glob("*.txt")}
    for document_file, source_lines, text in rows:
        assert text == "\n".join(lines[document_file][n - 1] for n in source_lines)


def test_issue_lines_point_at_their_text(wh) -> None:
    lines = {path.name: read_file(path).lines for path in Path(DOCUMENTS).glob("*.txt")}
    rows = wh.execute(
        "select document_file, source_line, source_text from raw.ingest_issues where source_line is not null"
    ).fetchall()
    rows = [row for row in rows if row[0] in lines]
    assert rows
    for document_file, line, text in rows:
        assert lines[document_file][line - 1] == text.split("\n")[0]


def test_random_posts_are_their_record_in_the_json_file(wh) -> None:
    import json

    anct = Path(DOCUMENTS).parent / "anct"
    rows = wh.execute("select document_file, source_line, source_text from raw.anct_posts").fetchall()
    assert rows
    files: dict[str, list] = {}
    for document_file, line, text in random.Random(7).sample(rows, 40):
        records = files.setdefault(
            document_file, json.loads((anct / document_file).read_text(encoding="utf-8"))
        )
        assert json.loads(text) == records[line - 1]
