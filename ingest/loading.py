"""Loading parsed documents into the DuckDB ``raw`` schema.

Each document is loaded whole or not at all (all of its rows or none: in a
transaction of its own, ``load_document``, or with other new documents in one,
``load_documents``) and keyed on its content hash: loading it again replaces its
rows, and a new version of a file (same name, other content) replaces the old
version's rows. Rows are
bulk-inserted from Arrow tables built with the column types of ``ingest.schema``;
``prepare_tables`` builds them and can run in a parser's worker process, so that
only the inserts are left to the process that holds the connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingest.records import Issue, ParseResult
from ingest.schema import RAW_TABLES
from ingest.warehouse import open_warehouse

# Identifiers a parser makes unique within its document; the loader makes them global.
LOCAL_IDS = ("table_id", "cell_id", "issue_id", "line_id", "pledge_id", "cost_id", "target_id", "part_id")

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
    "double[]": pa.list_(pa.float64()),
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
    stated_date: dt.date | None = None  # the revision date the document states (ingest.versions)
    file_modified_at: dt.datetime | None = None
    line_pages: list[int] | None = None  # the page of each line, for a converted PDF or Word file
    line_tops: list[float | None] | None = None  # where each line starts on its page (PDF, points)

    @property
    def issues(self) -> list[Issue]:
        return self.extra_issues + self.result.issues


def connect(path: str) -> duckdb.DuckDBPyConnection:
    con = open_warehouse(path)
    ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in RAW_TABLES.items():
        body = ", ".join(f'"{name}" {ctype}' for name, ctype in columns)
        con.execute(f"create table if not exists raw.{table} ({body})")
        # A warehouse of an earlier version lacks the columns added since: added empty (the parser
        # version changed with them, so every document is read again and fills them).
        present = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()
        }
        for name, ctype in columns:
            if name not in present:
                con.execute(f'alter table raw.{table} add column "{name}" {ctype}')


def arrow_table(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (dicts keyed by column; a missing key is NULL) as an Arrow table of the raw table's types."""
    # from_pylist converts row by row in C: several times faster than gathering Python lists per
    # column first, above all for the decimal and list columns (measured in BENCHMARKS.md).
    return pa.Table.from_pylist(rows if isinstance(rows, list) else list(rows), schema=_schema(table))


@cache
def _schema(table: str) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[ctype]) for name, ctype in RAW_TABLES[table]])


def _constant(value: Any, rows: int, type_: pa.DataType) -> pa.Array:
    return pa.array([value] * rows, type=type_)


def prepare_tables(doc: Document) -> dict[str, pa.Table]:
    """The document's rows as Arrow tables, with their provenance but ``loaded_at``.

    Identifiers a parser made unique within the document get the document's hash prefix, and every
    row its document hash and file name; ``loaded_at`` is left NULL here and set by
    ``load_document`` in the load's own statement, so that this can run in a worker process.
    Tables a parser returned empty stay (empty) so that the row counts name them.
    """
    prefix = doc.sha256[:16] + ":"
    tables: dict[str, pa.Table] = {}
    for table, rows in doc.result.tables.items():
        if table not in RAW_TABLES or table in ("documents", "ingest_issues"):
            continue
        arrow = arrow_table(table, rows)
        count = arrow.num_rows
        names = arrow.schema.names
        for key in LOCAL_IDS:
            if key in names:
                index = names.index(key)
                arrow = arrow.set_column(
                    index, key, pc.binary_join_element_wise(prefix, arrow.column(index), "")
                )
        for key, value in (("document_sha256", doc.sha256), ("document_file", doc.file_name)):
            index = names.index(key)
            arrow = arrow.set_column(index, key, _constant(value, count, pa.string()))
        tables[table] = arrow
    tables["documents"] = arrow_table(
        "documents",
        [
            {
                "document_sha256": doc.sha256,
                "document_file": doc.file_name,
                "kind": doc.kind,
                "contract_code": doc.result.contract_code,
                **_contract_columns(doc.result),
                "stated_date": doc.stated_date,
                "file_modified_at": doc.file_modified_at,
                "line_pages": doc.line_pages,
                "line_tops": doc.line_tops,
                "size_bytes": doc.size_bytes,
                "line_count": doc.line_count,
                "encoding": doc.encoding,
                "parser_version": doc.parser_version,
            }
        ],
    )
    issues = doc.issues
    tables["ingest_issues"] = arrow_table(
        "ingest_issues",
        [
            {
                "document_sha256": doc.sha256,
                "document_file": doc.file_name,
                "issue_id": f"{prefix}{n:06d}",
                "source_line": issue.line,
                "severity": issue.severity,
                "rule": issue.rule,
                "message": issue.message,
                "source_text": issue.source_text,
            }
            for n, issue in enumerate(issues, start=1)
        ],
    )
    return tables


def _contract_columns(result: ParseResult) -> dict[str, Any]:
    """How the document's contract was recognised (``ingest.contracts.ContractMatch``), and its QPVs."""
    match = result.contract
    if match is None:
        return {}
    return {
        "contract_confidence": match.confidence,
        "contract_rule": match.rule,
        "contract_evidence": match.evidence or None,
        "contract_evidence_line": match.line,
        "contract_candidates": list(match.candidates) or None,
        "contract_qpvs": list(result.contract_qpvs) or None,
        "contract_qpv_rule": result.contract_qpv_rule,
    }


def delete_document(con: duckdb.DuckDBPyConnection, sha256: str | None, file_name: str | None) -> None:
    for table in RAW_TABLES:
        con.execute(
            f"delete from raw.{table} where document_sha256 = ? or document_file = ?", [sha256, file_name]
        )


def load_document(
    con: duckdb.DuckDBPyConnection,
    doc: Document,
    tables: dict[str, pa.Table] | None = None,
    *,
    replace: bool = True,
) -> dict[str, int]:
    """Replace the document's rows in one transaction; returns the row count per table.

    ``tables`` are the document's ``prepare_tables`` when a worker process built them already.
    ``replace=False`` skips the deletion of older rows of the same hash or file name: only for a
    caller that knows there are none (each deletion scans every raw table, which grows with the
    warehouse: over a national corpus those scans cost more than the loads themselves).
    """
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if tables is None:
        tables = prepare_tables(doc)
    con.execute("begin transaction")
    try:
        if replace:
            delete_document(con, doc.sha256, doc.file_name)
        for table, arrow in tables.items():
            if not arrow.num_rows:
                continue
            _insert(con, table, arrow, loaded_at)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return {table: arrow.num_rows for table, arrow in tables.items()}


def _insert(con: duckdb.DuckDBPyConnection, table: str, arrow: pa.Table, loaded_at: dt.datetime) -> None:
    """Bulk-insert an Arrow table into raw.<table>, stamping every row with the load time.

    The table is made of one chunk first: DuckDB scans an Arrow table chunk by chunk, and a batch of
    documents holds one small chunk per document (measured: ten times slower to insert than the
    same rows in one chunk)."""
    con.register("incoming", arrow.combine_chunks())
    try:
        con.execute(
            f"insert into raw.{table} by name select * replace (?::timestamp as loaded_at) from incoming",
            [loaded_at],
        )
    finally:
        con.unregister("incoming")


def load_documents(
    con: duckdb.DuckDBPyConnection, batch: list[tuple[Document, dict[str, pa.Table]]]
) -> list[dict[str, int]]:
    """Insert several new documents in one transaction: every document of the batch or none.

    DuckDB spends a few milliseconds per statement and per commit whatever the rows, which over a
    thousand small documents costs more than the rows themselves: one insert per table for the
    whole batch is 10 to 40 times faster (BENCHMARKS.md). Only for documents that have no rows yet
    (nothing to delete first; see ``load_document``) and distinct hashes and file names. When the
    batch fails, nothing of it is written and the caller loads its documents one by one, so that a
    bad document fails alone, as it would have without batching.
    """
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    names: list[str] = []
    for _, tables in batch:
        names += [name for name in tables if name not in names]
    con.execute("begin transaction")
    try:
        for name in names:
            parts = [tables[name] for _, tables in batch if name in tables and tables[name].num_rows]
            if not parts:
                continue
            _insert(con, name, pa.concat_tables(parts), loaded_at)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return [{table: arrow.num_rows for table, arrow in tables.items()} for _, tables in batch]


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
