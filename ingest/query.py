"""Read-only access to the published warehouse, on either target: `cdv query` and `cdv status`.

The warehouse is a DuckDB file or a PostgreSQL server (``ingest.readers``); the same statements run
on both. On DuckDB, a statement must be one that only reads, by the type DuckDB's own parser gives
it, and the connection cannot write nor reach the file system. On a server, the reader role (which
may read the published schemas and nothing else) and the read-only transactions are the guard; a
statement is still one statement, so that none can end the read-only transaction and begin another.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingest import labels
from ingest.postgres import published_at
from ingest.readers import LOCKED_CONFIG, Reader, ReaderError, Target
from ingest.warehouse import open_warehouse

# Statements that only read, by the type DuckDB's own parser gives them (comments and string
# literals are its business, not a regex's).
_READ_ONLY_TYPES = frozenset({duckdb.StatementType.SELECT})


class QueryError(Exception):
    """A query that cannot run: not read-only, or wrong SQL, or no warehouse."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def as_target(where: Target | Path) -> Target:
    """A target, or a DuckDB warehouse file's."""
    return where if isinstance(where, Target) else Target("duckdb", Path(where))


def reader_for(where: Target | Path) -> Reader:
    """A reader on the published warehouse; QueryError, saying why, when it cannot be read."""
    try:
        return Reader(as_target(where))
    except ReaderError as exc:
        raise QueryError(str(exc)) from exc


def open_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """The published DuckDB warehouse, opened so that nothing done through the connection can write."""
    if not db.exists():
        raise QueryError(f"{db}: no warehouse here; build one with `make run` or `cdv build`")
    if not db.is_file():
        raise QueryError(f"{db}: not a warehouse file (a folder or a special file)")
    try:
        return open_warehouse(db, read_only=True, lock=LOCKED_CONFIG)
    except duckdb.Error as exc:
        raise QueryError(f"{db}: cannot be opened as a DuckDB warehouse: {exc}") from exc


def read_only_statement(sql: str) -> str:
    """The one statement of ``sql`` if it only reads; QueryError otherwise."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        # DuckDB's whole message: its first line names the error, the next ones help mend it
        # ("Candidate bindings: ...", "Did you mean ...?", the query with a caret under the place).
        raise QueryError(str(exc)) from exc
    if _is_pivot_expansion(statements):
        # PIVOT without an IN list: DuckDB's parser expands it into the enum type it will make of the
        # pivoted values, then the select; one statement as written, run as written.
        statements = statements[-1:]
    if len(statements) != 1:
        raise QueryError("give exactly one SQL statement")
    statement = statements[0]
    if statement.type not in _READ_ONLY_TYPES:
        kind = statement.type.name.lower().replace("_", " ")
        raise QueryError(
            f"only read-only statements (select, with, show, describe...) are allowed, not {kind}: "
            "the warehouse is opened read-only"
        )
    return sql


def one_statement(sql: str) -> str:
    """``sql`` if it holds one statement (a server's SQL: split by PostgreSQL's own lexer, which
    DuckDB's tokenizer is, so that a semicolon in a string, a quoted name, a comment or a
    dollar-quoted text is not a separator); QueryError otherwise."""
    count, after_separator = 0, True
    for start, kind in duckdb.tokenize(sql):
        separator = kind == duckdb.token_type.operator and sql[start] == ";"
        count += not separator and after_separator
        after_separator = separator
    if count != 1:
        raise QueryError("give exactly one SQL statement")
    return sql


def _is_pivot_expansion(statements: list[Any]) -> bool:
    return (
        len(statements) > 1
        and all(not s.query for s in statements)
        and statements[-1].type == duckdb.StatementType.SELECT
        and all(s.type == duckdb.StatementType.CREATE for s in statements[:-1])
    )


_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def parameters(sql: str) -> list[str]:
    """The named parameters (``$name``) a statement uses, in order, comments and strings aside."""
    text = re.sub(r"--[^\n]*|'(?:[^']|'')*'", " ", sql)
    return list(dict.fromkeys(_PARAMETER.findall(text)))


def bind(sql: str, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Values for every named parameter of ``sql``: those given, None (no filter) for the others.
    A parameter given that the statement does not use is an error, not silently ignored."""
    given = dict(given or {})
    used = parameters(sql)
    unknown = sorted(set(given) - set(used))
    if unknown:
        offered = ", ".join(used) if used else "none"
        raise QueryError(f"this query has no parameter {', '.join(unknown)} (its parameters: {offered})")
    return {name: given.get(name) for name in used}


def run_query(where: Target | Path, sql: str, params: dict[str, Any] | None = None) -> QueryResult:
    """Run one read-only statement on the warehouse (a target, or a DuckDB file), with its named
    parameters (``$name``; those not given are None)."""
    target = as_target(where)
    statement = read_only_statement(sql) if target.kind == "duckdb" else one_statement(sql)
    values = bind(statement, params)
    with reader_for(target) as reader:
        try:
            cursor = reader.execute(statement, values)
            columns = [d[0] for d in cursor.description or []]
            rows = [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        except reader.Error as exc:
            raise QueryError(reader.explain(exc)) from exc
    return QueryResult(columns, rows)


def _plain(value: Any) -> Any:
    """A value for CSV and JSON: decimals as exact text (CSV) ..."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _json_value(value: Any) -> Any:
    """... and numbers in JSON: an amount is the number 6537498.0, not the text "6537498.00" (a
    double holds the cents of any amount below 10^13 € exactly enough to print them back)."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return _plain(value)


# CSV formats: the standard one (RFC 4180: commas, decimal points) and the one a French spreadsheet
# opens as columns of numbers (semicolons, decimal commas, a byte-order mark for its UTF-8).
FORMATS = ("table", "csv", "csv-fr", "json")


def render(result: QueryResult, fmt: str, max_width: int = 60) -> str:
    if fmt == "json":
        return json.dumps(
            [{c: _json_value(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows],
            ensure_ascii=False,
            indent=1,
        )
    if fmt in ("csv", "csv-fr"):
        french = fmt == "csv-fr"
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            values = [_plain(v) for v in row]
            if french:
                values = [
                    str(v).replace(".", ",") if isinstance(raw, (Decimal, float)) else v
                    for v, raw in zip(values, row, strict=True)
                ]
            writer.writerow(values)
        return ("\ufeff" if french else "") + out.getvalue()
    cells = [[str(_plain(v)) if v is not None else "" for v in row] for row in result.rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(result.columns)]
    numeric = [
        all(isinstance(row[i], (int, float, Decimal)) or row[i] is None for row in result.rows)
        for i in range(len(result.columns))
    ]

    def line(values: list[str]) -> str:
        return " | ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    parts = [line(result.columns), "-+-".join("-" * w for w in widths)]
    parts += [line(row) for row in cells]
    parts.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(parts)


def format_eur(value: Any) -> str:
    """An amount in euros the French way: 1 234 567 € (whole euros; cents when there are any), as
    ``labels.eur`` writes it, with a plain space before the euro sign for terminals and logs."""
    return labels.eur(value).replace("\u00a0", " ") or "-"


def _unreadable(reader: Reader, what: str, exc: BaseException) -> str:
    """A section the reader cannot read, said with the engine's reason (its first line)."""
    return f"{what}: not readable here: {reader.explain(exc, where=False).splitlines()[0]}"


def _document_lines(reader: Reader) -> list[str]:
    """When the last document was loaded, and every document (raw.documents); where ``raw`` is not
    readable (a server's reader role), the contract documents' versions the analytics publish."""
    try:
        built = reader.scalar("select max(loaded_at) from raw.documents")
        documents = reader.rows(
            "select document_file, kind, document_sha256, contract_code from raw.documents order by 1"
        )
    except reader.Error as exc:
        refused = _unreadable(reader, "raw.documents", exc)
    else:
        out = [f"last document loaded: {built}", "documents:"]
        out.extend(
            f"  {name}  {kind}  {contract or '-'}  sha256 {sha[:12]}"
            for name, kind, sha, contract in documents
        )
        return out
    try:
        built = reader.scalar("select max(loaded_at) from analytics.document_versions")
        documents = reader.rows(
            "select document_file, document_kind, document_sha256, contract_code, is_current"
            " from analytics.document_versions order by 1"
        )
        datasets = reader.rows(
            "select distinct document_file from analytics.funding_lines where source_kind = 'dataset' order by 1"
        )
    except reader.Error as exc:
        return [refused, _unreadable(reader, "analytics.document_versions", exc)]
    out = [
        refused,
        f"published: {published_at(reader) or 'unknown (no publication stamp)'}",
        f"last contract document loaded: {built}",
        "contract documents (analytics.document_versions):",
    ]
    out.extend(
        f"  {name}  {kind}  {contract or '-'}  sha256 {sha[:12]}" + ("" if current else "  (superseded)")
        for name, kind, sha, contract, current in documents
    )
    out.append(f"open data files with funding lines (analytics.funding_lines): {len(datasets)}")
    out.extend(f"  {name}" for (name,) in datasets)
    return out


def _quarantine_lines(reader: Reader, shown: int = 20) -> list[str]:
    """The rows and documents kept out of every total (analytics.quarantine), each with its place."""
    try:
        rows = reader.rows(
            "select row_kind, rule, document_file, source_line, amount_eur, message from analytics.quarantine"
            " order by document_file, source_line nulls first, rule, quarantine_id"
        )
    except reader.Error as exc:
        return [_unreadable(reader, "quarantine", exc)]
    documents = sum(1 for kind, *_ in rows if kind == "document")
    out = [f"quarantine: {len(rows) - documents} rows / {documents} documents (analytics.quarantine)"]
    for _, rule, file, line, amount, message in rows[:shown]:
        where = f"{file}:{line}" if line is not None else file
        money = f" [{format_eur(amount)}]" if amount is not None else ""
        out.append(f"  {where}  {rule}: {message}{money}")
    if len(rows) > shown:
        out.append(f"  ... and {len(rows) - shown} more: cdv query 'select * from analytics.quarantine'")
    return out


def _input_lines(reader: Reader) -> list[str]:
    """The inputs the warehouse is built from, and the documents the last builds removed: the build's
    own DuckDB file keeps them, a server does not."""
    if reader.kind == "postgres":
        return [
            "inputs: kept by the build in its DuckDB file, not on the server (cdv status --db FILE where it runs)"
        ]
    try:
        inputs = reader.rows("select path, kind from cdv.inputs order by position, added_at, path")
        removals = reader.rows(
            "select document_file, amount_eur, reason, removed_at from cdv.removals"
            " order by removed_at desc, document_file limit 20"
        )
    except reader.Error as exc:
        return [_unreadable(reader, "inputs", exc)]
    out = ["inputs (cdv build reads them all; cdv remove PATH to drop one):"]
    out.extend(f"  {kind} {path}" for path, kind in inputs)
    if removals:
        out.append("documents removed (latest first):")
        out.extend(
            f"  {removed_at:%Y-%m-%d %H:%M} {name} ({format_eur(eur)}): {reason}"
            for name, eur, reason, removed_at in removals
        )
    return out


def _recognition_lines(reader: Reader) -> list[str]:
    """Per contract document: the contract recognised, how, how sure, and what its reading gave."""
    try:
        rows = reader.rows(
            """
            select document_file, contract_code, contract_name, contract_rule, contract_confidence,
                contract_evidence, qpv_count, funding_line_count, funding_eur, local_funder_eur,
                unidentified_eur, qpv_eur, hors_qpv_eur
            from analytics.contract_recognition order by contract_code nulls first, document_file
            """
        )
    except reader.Error as exc:
        return [_unreadable(reader, "contracts recognised", exc)]
    out = ["contracts recognised (per document):"]
    for (
        name,
        code,
        contract,
        rule,
        confidence,
        evidence,
        qpvs,
        count,
        eur,
        local,
        unknown,
        in_qpv,
        hors,
    ) in rows:
        if code is None:
            out.append(f"  {name}: NO CONTRACT ({rule}): give it with --contract or a cdv.toml")
            continue
        out.append(
            f"  {name}: {code} {contract} — by {rule}, confidence {confidence:.2f}"
            + (f" («{evidence[:60]}»)" if evidence else "")
        )
        if count:
            allocated = (in_qpv or 0) + (hors or 0)
            share = f"{100 * in_qpv / allocated:.0f} %" if allocated else "-"
            out.append(
                f"    {count} funding lines, {format_eur(eur)}; local funders {format_eur(local)}; "
                f"no funder {format_eur(unknown)}; {qpvs} QPVs, {share} of the money on a QPV"
            )
    return out


RAW_COUNTED = ("fiches", "funding_lines", "funding_pledges", "action_costs", "annex_objectives")
PUBLISHED_COUNTED = ("analytics.funding_lines", "marts.fct_funding")


def _row_lines(reader: Reader) -> list[str]:
    out = ["rows:"]
    for table in RAW_COUNTED:
        try:
            count = reader.scalar(f"select count(*) from raw.{table}")
        except reader.Error as exc:
            if reader.kind == "postgres":  # the reader role: the whole schema refused, said once
                out.append("  " + _unreadable(reader, "raw tables", exc))
                break
            continue  # a raw table older warehouses do not have
        out.append(f"  raw.{table:<17} {count}")
    for table in PUBLISHED_COUNTED:
        try:
            out.append(f"  {table:<21} {reader.scalar(f'select count(*) from {table}')}")
        except reader.Error as exc:
            out.append("  " + _unreadable(reader, table, exc))
    return out


def _issue_lines(reader: Reader) -> list[str]:
    try:
        issues = reader.rows("select severity, count(*) from analytics.dq_issues group by 1 order by 1")
    except reader.Error as exc:
        return [_unreadable(reader, "open data-quality issues", exc)]
    # The same count as the build's summary and the dashboard's (analytics.dq_issues).
    total = sum(n for _, n in issues)
    return [f"open data-quality issues: {total} (" + ", ".join(f"{n} {s}" for s, n in issues) + ")"]


def status(where: Target | Path) -> str:
    """What the warehouse holds, as its reader sees it: on a server, the reader role reads neither
    ``raw`` nor the build's inputs, and says so."""
    with reader_for(where) as reader:
        lines = [f"warehouse: {reader.describe()}"]
        for section in (
            _document_lines,
            _input_lines,
            _recognition_lines,
            _row_lines,
            _quarantine_lines,
            _issue_lines,
        ):
            lines.extend(section(reader))
    return "\n".join(lines)
