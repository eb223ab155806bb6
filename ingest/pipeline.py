"""From input paths to loaded raw tables: find files, read, recognise, parse, load."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest import PARSER_VERSION
from ingest.kinds import recognise
from ingest.loading import Document, delete_document, load_document, record_rejection
from ingest.reading import read_file
from ingest.records import Issue, ParseResult
from ingest.reference import detect_contract

Progress = Callable[[str], None]


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def seen(self) -> list[str]:
        return self.loaded + self.unchanged + self.rejected


class InputError(Exception):
    """A path the user named that cannot be used at all."""


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the files inside folders named (recursively, sorted).

    Inside a folder, hidden files and READMEs are skipped, and so is anything whose real
    location is outside that folder (a symlink out of it): a path cannot escape what was named.
    """
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_file():
            files.append(path)
            continue
        root = path.resolve()
        for candidate in sorted(path.rglob("*")):
            if not candidate.is_file() or candidate.name.startswith((".", "README")):
                continue
            if any(part.startswith(".") for part in candidate.relative_to(path).parts):
                continue
            if not candidate.resolve().is_relative_to(root):
                continue
            files.append(candidate)
    return files


def read_document(path: Path) -> Document:
    """Read and parse one file; never raises on bad content."""
    read = read_file(path)
    issues = list(read.issues)
    kind_name = "unknown"
    result = ParseResult(kind=kind_name)
    if read.readable:
        if not read.lines or not read.text.strip():
            issues.append(Issue(None, "error", "empty_file", "the file is empty: nothing loaded", ""))
        else:
            kind = recognise(read.text)
            if kind is None:
                issues.append(
                    Issue(
                        1,
                        "error",
                        "unknown_kind",
                        "the content is of no known document kind: not parsed",
                        read.lines[0][:500],
                    )
                )
            else:
                kind_name = kind.name
                try:
                    result = kind.parse(read.lines)
                except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the other documents
                    result = ParseResult(kind=kind_name)
                    issues.append(
                        Issue(None, "error", "parser_crashed", f"the {kind_name} parser failed: {exc!r}", "")
                    )
                if result.contract_code is None and kind.single_contract:
                    code, alias = detect_contract(read.text)
                    result.contract_code = code
                    if code is None:
                        issues.append(
                            Issue(
                                None,
                                "warning",
                                "unknown_contract",
                                "no contrat de ville named in the document matches ref_contract_aliases",
                                "",
                            )
                        )
    return Document(
        file_name=path.name,
        sha256=read.sha256,
        size_bytes=read.size_bytes,
        line_count=len(read.lines),
        encoding=read.encoding,
        kind=kind_name,
        parser_version=PARSER_VERSION,
        result=result,
        extra_issues=issues,
    )


def _already_loaded(con: duckdb.DuckDBPyConnection, sha: str) -> list[tuple[str, str]]:
    return con.execute(
        "select document_file, parser_version from raw.documents where document_sha256 = ?", [sha]
    ).fetchall()


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[Path],
    *,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> IngestReport:
    report = IngestReport()
    files = input_files(paths)
    for number, path in enumerate(files, start=1):
        prefix = f"[{number}/{len(files)}] {path.name}"
        try:
            doc = read_document(path)
        except OSError as exc:
            report.rejected.append(path.name)
            report.messages.append(f"{path}: cannot be read ({exc.strerror or exc}): skipped")
            progress(f"{prefix}: cannot be read: skipped")
            continue
        previous = _already_loaded(con, doc.sha256)
        same_name = [name for name, version in previous if name == doc.file_name]
        other_name = [name for name, _ in previous if name != doc.file_name]
        if (
            same_name
            and not force
            and all(v == doc.parser_version for n, v in previous if n == doc.file_name)
        ):
            report.unchanged.append(doc.file_name)
            progress(f"{prefix}: unchanged, kept")
            continue
        if other_name and not same_name:
            issue = Issue(
                None,
                "warning",
                "duplicate_document",
                f"same content as {other_name[0]} (sha256 {doc.sha256[:12]}): not loaded twice",
                "",
            )
            # Drop what an older version of this file name loaded, then keep only the issue.
            delete_document(con, None, doc.file_name)
            record_rejection(con, doc.file_name, doc.sha256, issue)
            report.rejected.append(doc.file_name)
            report.messages.append(f"{path}: {issue.message}")
            progress(f"{prefix}: duplicate of {other_name[0]}: not loaded twice")
            continue
        counts = load_document(con, doc)
        report.loaded.append(doc.file_name)
        for table, count in counts.items():
            report.rows[table] = report.rows.get(table, 0) + count
        for issue in doc.issues:
            if issue.severity == "error":
                where = f"{path}:{issue.line}" if issue.line else str(path)
                report.messages.append(f"{where}: {issue.message}")
        errors = sum(1 for i in doc.issues if i.severity == "error")
        progress(f"{prefix}: {doc.kind}, {len(doc.issues)} issues ({errors} errors)")
    return report


def prune_missing(con: duckdb.DuckDBPyConnection, keep: Iterable[str]) -> list[str]:
    """Remove documents whose file is no longer among the inputs (a build mirrors its inputs)."""
    keep_set = set(keep)
    loaded = {
        name
        for (name,) in con.execute(
            "select document_file from raw.documents union select document_file from raw.ingest_issues"
        ).fetchall()
    }
    gone = sorted(loaded - keep_set)
    for name in gone:
        con.execute("begin transaction")
        delete_document(con, None, name)
        con.execute("commit")
    return gone
