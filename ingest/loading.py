"""Loading parsed documents into the DuckDB ``raw`` schema.

Each document is loaded in one transaction (all of its rows or none) and keyed
on its content hash: loading it again replaces its rows, and a new version of a
file (same name, other content) replaces the old version's rows. Rows are
bulk-inserted from Arrow tables built with the column types of ``ingest.schema``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ingest.records import Issue, ParseResult
from ingest.schema import RAW_TABLES

# Identifiers a parser makes unique within its document; the loader makes them global.
LOCAL_IDS = ("table_id", "cell_id", "issue_id", "line_id", "pledge_id", "cost_id", "target_id")

_ARROW_TYPES: dict[str, pa.DataType] = {
    "varchar": pa.string(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "decimal(18,2)": pa.decimal128(18, 2),
    "varchar[]": pa.list_(pa.string()),
    "integer[]": pa.list_(pa.int32()),
    "decimal(18,2)[]": pa.list_(pa.decimal128(18, 2)),
}


@dataclass
class Document:
    """Everything known about one input file, ready to be written."""

    file_name: str
    sha256: str
    size_bytes: int
    line_count: int
    encoding: str | None
    kind: str
    parser_version: str
    result: ParseResult
    extra_issues: list[Issue]

    @property
    def issues(self) -> list[Issue]:
        return self.extra_issues + self.result.issues


def connect(path: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in RAW_TABLES.items():
        body = ", ".join(f'"{name}" {ctype}' for name, ctype in columns)
        con.execute(f"create table if not exists raw.{table} ({body})")


def arrow_table(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    columns = RAW_TABLES[table]
    rows = list(rows)
    schema = pa.schema([(name, _ARROW_TYPES[ctype]) for name, ctype in columns])
    data = {name: [row.get(name) for row in rows] for name, _ in columns}
    return pa.Table.from_pydict(data, schema=schema)


def _rows_with_provenance(doc: Document, loaded_at: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    prefix = doc.sha256[:16]
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, rows in doc.result.tables.items():
        if table not in RAW_TABLES or table in ("documents", "ingest_issues"):
            continue
        out = []
        for row in rows:
            row = dict(row)
            for key in LOCAL_IDS:
                if row.get(key) is not None:
                    row[key] = f"{prefix}:{row[key]}"
            row["document_sha256"] = doc.sha256
            row["document_file"] = doc.file_name
            row["loaded_at"] = loaded_at
            out.append(row)
        tables[table] = out
    tables["documents"] = [
        {
            "document_sha256": doc.sha256,
            "document_file": doc.file_name,
            "kind": doc.kind,
            "contract_code": doc.result.contract_code,
            "size_bytes": doc.size_bytes,
            "line_count": doc.line_count,
            "encoding": doc.encoding,
            "parser_version": doc.parser_version,
            "loaded_at": loaded_at,
        }
    ]
    tables["ingest_issues"] = [
        {
            "document_sha256": doc.sha256,
            "document_file": doc.file_name,
            "issue_id": f"{prefix}:{n:06d}",
            "source_line": issue.line,
            "severity": issue.severity,
            "rule": issue.rule,
            "message": issue.message,
            "source_text": issue.source_text,
            "loaded_at": loaded_at,
        }
        for n, issue in enumerate(doc.issues, start=1)
    ]
    return tables


def delete_document(con: duckdb.DuckDBPyConnection, sha256: str | None, file_name: str | None) -> None:
    for table in RAW_TABLES:
        con.execute(
            f"delete from raw.{table} where document_sha256 = ? or document_file = ?", [sha256, file_name]
        )


def load_document(con: duckdb.DuckDBPyConnection, doc: Document) -> dict[str, int]:
    """Replace the document's rows in one transaction; returns the row count per table."""
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    tables = _rows_with_provenance(doc, loaded_at)
    con.execute("begin transaction")
    try:
        delete_document(con, doc.sha256, doc.file_name)
        for table, rows in tables.items():
            if not rows:
                continue
            arrow = arrow_table(table, rows)
            con.register("incoming", arrow)
            try:
                con.execute(f"insert into raw.{table} by name select * from incoming")
            finally:
                con.unregister("incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return {table: len(rows) for table, rows in tables.items()}


def record_rejection(con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, issue: Issue) -> None:
    """An input that was not loaded (duplicate, unreadable...) still leaves its issue row."""
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = {
        "document_sha256": sha256,
        "document_file": file_name,
        "issue_id": f"{sha256[:16]}:rejected:{file_name}",
        "source_line": issue.line,
        "severity": issue.severity,
        "rule": issue.rule,
        "message": issue.message,
        "source_text": issue.source_text,
        "loaded_at": loaded_at,
    }
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from raw.ingest_issues where document_file = ? and issue_id = ?",
            [file_name, row["issue_id"]],
        )
        con.register("incoming", arrow_table("ingest_issues", [row]))
        con.execute("insert into raw.ingest_issues by name select * from incoming")
        con.unregister("incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
