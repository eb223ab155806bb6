"""From input paths to loaded raw tables: find files, read, recognise, parse, load.

Files are hashed first, and only the documents not loaded yet are parsed. Parsing is pure (a file
in, a ``Document`` out) and runs in worker processes when there is enough of it; loading stays in
the process that holds the DuckDB connection, in input order, each document whole or not at all
(new documents in batches: see ``_Batch``), so that the result does not depend on the workers.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import signal
import stat
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest import PARSER_VERSION
from ingest.contracts import ContractMatch, recognise_contract
from ingest.kinds import recognise
from ingest.loading import (
    Document,
    delete_document,
    load_document,
    load_documents,
    prepare_tables,
    record_rejection,
)
from ingest.manifest import MANIFEST_NAME, contract_hint, version_rank
from ingest.reading import ReadText, document_sha256, read_file
from ingest.records import Issue, ParseResult
from ingest.reference import reference_fingerprint
from ingest.schema import RAW_TABLES
from ingest.settings import settings
from ingest.territories import contract_qpvs
from ingest.versions import stated_date

Progress = Callable[[str], None]


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)  # ingest.inputs.Removed: what left, and its money
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
        if not path.is_dir():
            raise InputError(
                f"{path}: not a regular file or a folder (a FIFO, device or socket): nothing read"
            )
        root = path.resolve()
        for candidate in sorted(path.rglob("*")):
            if (
                not candidate.is_file()
                or candidate.name.startswith((".", "README"))
                or candidate.name == MANIFEST_NAME
            ):
                continue
            if any(part.startswith(".") for part in candidate.relative_to(path).parts):
                continue
            if not candidate.resolve().is_relative_to(root):
                continue
            files.append(candidate)
    return files


def parser_version(hint: str | None = None) -> str:
    """The version a document is parsed by: the parser's own, the reference it reads (seeds and the
    users' QPV lists: a change re-reads the documents) and the contract the user gave, if any."""
    version = f"{PARSER_VERSION}+{reference_fingerprint()}"
    return f"{version}+{hint}" if hint else version


def read_document(path: Path, hint: str | None = None) -> Document:
    """Read and parse one file; never raises on bad content. ``hint``: the contract the user gives."""
    return _parse(read_file(path), hint)


def _parse(read: ReadText, hint: str | None = None) -> Document:
    path = read.path
    issues = list(read.issues)
    kind_name = "unknown"
    result = ParseResult(kind=kind_name)
    if read.readable:
        if not read.lines or not read.text.strip():
            issues.append(Issue(None, "error", "empty_file", "the file is empty: nothing loaded", ""))
        else:
            text = read.text
            kind = recognise(text)
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
                match: ContractMatch | None = None
                if kind.single_contract:
                    match = recognise_contract(text, hint)
                try:
                    result = kind.parse(read.lines, match) if kind.single_contract else kind.parse(read.lines)
                except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the other documents
                    result = ParseResult(kind=kind_name)
                    issues.append(
                        Issue(None, "error", "parser_crashed", f"the {kind_name} parser failed: {exc!r}", "")
                    )
                if match is not None:
                    result.contract = match
                    result.contract_code = match.code
                    if result.contract_qpv_rule is None and match.code:
                        found, rule = contract_qpvs(match.code)
                        result.contract_qpvs, result.contract_qpv_rule = [q.code for q in found], rule
                    issues.extend(_contract_issues(match))
    return Document(
        file_name=path.name,
        sha256=read.sha256,
        size_bytes=read.size_bytes,
        line_count=len(read.lines),
        encoding=read.encoding,
        kind=kind_name,
        parser_version=parser_version(hint),
        result=result,
        extra_issues=issues,
        stated_date=stated_date(read.text) if kind_name in _VERSIONED_KINDS else None,
        file_modified_at=_modified_at(path),
        line_pages=read.pages,
        line_tops=read.tops,
    )


# The kinds whose documents have versions (a revised programme, a new annex).
_VERSIONED_KINDS = frozenset({"programme_actions", "annexe_objectifs_bop"})


def _modified_at(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None, microsecond=0)
    except OSError:
        return None


def _contract_issues(match: ContractMatch) -> list[Issue]:
    """The issue rows a contract recognition leaves: none when a contract was taken without doubt."""
    if match.code is None:
        rule = "ambiguous_contract" if match.rule == "ambiguous" else "unknown_contract"
        return [Issue(match.line, "warning", rule, match.message, match.evidence)]
    if match.rule != "user" and match.confidence < 0.8:
        others = f" (other candidates: {', '.join(match.candidates)})" if match.candidates else ""
        return [
            Issue(
                match.line,
                "info",
                "contract_low_confidence",
                f"contract {match.code} recognised by its {match.rule} with confidence {match.confidence}{others}",
                match.evidence,
            )
        ]
    return []


@dataclass
class Prepared:
    """A parsed document and its Arrow tables, as a worker process hands it back.

    The parser's rows travel as Arrow tables (cheap to pickle, built in the worker's time); the
    ``Document`` comes without them (``result.tables`` emptied) but with everything else.
    """

    doc: Document
    tables: dict[str, pa.Table]


def prepare_document(path: Path, hint: str | None = None) -> Prepared | OSError:
    """Read, parse and convert one file: what a worker process does. An unreadable file is returned,
    not raised, so that its place in the input order keeps its message."""
    try:
        doc = read_document(path, hint)
    except OSError as exc:
        return exc
    tables = prepare_tables(doc)
    doc.result.tables = {}
    return Prepared(doc, tables)


def _file_sha256(path: Path) -> str | OSError | None:
    """The key the loader gives the file (``reading.document_sha256``: the hash of its text, so an
    unchanged file in another encoding or with CRLF endings is not parsed again on every run); None
    for anything but a regular file (a FIFO, a device), left to ``read_file`` to report."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return document_sha256(path)  # never blocks: read_file opens with O_NONBLOCK
    except OSError as exc:
        return exc


@dataclass
class _Planned:
    path: Path
    sha256: str | OSError | None  # None: not a regular file, parsed (and reported) whatever it is
    parse: bool
    hint: str | None = None  # the contract the user gives for it


def _plan(
    con: duckdb.DuckDBPyConnection, files: list[Path], force: bool, hints: dict[Path, str | None]
) -> list[_Planned]:
    """Which files need parsing: not those whose content is loaded already under the same name by
    this parser version (unchanged), nor those whose content is loaded, or comes earlier in this
    run, under another name (duplicates). Decided again, file by file, when loading: this only
    spares the parsing."""
    loaded: dict[str, list[tuple[str, str]]] = {}
    for sha, name, version in con.execute(
        "select document_sha256, document_file, parser_version from raw.documents"
    ).fetchall():
        loaded.setdefault(sha, []).append((name, version))
    planned = []
    earlier: set[str] = set()
    for path in files:
        hint = hints.get(path)
        sha = _file_sha256(path)
        if sha is None or isinstance(sha, OSError):
            planned.append(_Planned(path, sha, True, hint))
            continue
        previous = loaded.get(sha, [])
        same = [version for name, version in previous if name == path.name]
        unchanged = bool(same) and not force and all(v == parser_version(hint) for v in same)
        duplicate = not same and (bool(previous) or sha in earlier)
        planned.append(_Planned(path, sha, not (unchanged or duplicate), hint))
        earlier.add(sha)
    return planned


def ingest_workers(to_parse: list[_Planned]) -> int:
    """Worker processes for the parsing: ``CDV_INGEST_WORKERS`` if set, else one per core when there
    is enough to parse to pay for starting them, else none (parse in this process)."""
    configured = settings()
    if configured.ingest_workers is not None:
        return configured.ingest_workers
    size = 0
    limit = configured.max_input_bytes
    for plan in to_parse:
        with suppress(OSError):
            size += min(plan.path.stat().st_size, limit)  # a file over the limit is not parsed
    if len(to_parse) < 2 or size < PARALLEL_MIN_BYTES or not _can_spawn():
        return 0
    return min(len(to_parse), _cores(), MAX_WORKERS)


def _cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. ``taskset``), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_spawn() -> bool:
    """Whether a spawned worker can start: it re-imports the main script, which must be a file
    (not a program read from standard input)."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or Path(main_file).is_file()


# Below this many bytes to parse, starting worker processes (about half a second) does not pay.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
MAX_WORKERS = 8


def _prepared_in_order(plans: list[_Planned], workers: int) -> Iterator[Prepared | OSError | None]:
    """For each planned file, in input order: its ``Prepared`` (or the ``OSError`` that stopped its
    reading) when it was to be parsed, else None. With workers, the parsing runs ahead of the
    caller in a bounded window of processes; the caller consumes in input order."""
    if workers <= 0:
        for plan in plans:
            yield prepare_document(plan.path, plan.hint) if plan.parse else None
        return
    pending: deque[tuple[int, Future[Prepared | OSError]]] = deque()
    todo = deque(i for i, plan in enumerate(plans) if plan.parse)
    # "spawn": a clean interpreter per worker (the parent holds DuckDB's threads, which fork would
    # copy half-way); started once per ingest, the cost is paid once.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        try:
            for index in range(len(plans)):
                while todo and len(pending) < workers * WINDOW_PER_WORKER:
                    ahead = todo.popleft()
                    pending.append(
                        (ahead, pool.submit(prepare_document, plans[ahead].path, plans[ahead].hint))
                    )
                if pending and pending[0][0] == index:
                    yield pending.popleft()[1].result()
                else:
                    yield None
        finally:
            for _, future in pending:
                future.cancel()


def _die_with_parent(parent: int) -> None:
    """Worker initializer: the worker ends with the process that started it (Linux
    ``PR_SET_PDEATHSIG``), so that a killed ingest leaves no worker parsing for nobody. Elsewhere a
    worker of a killed ingest ends after the documents already handed to it."""
    with suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


_PR_SET_PDEATHSIG = 1


# Documents parsed ahead per worker: enough to keep them busy, few enough to bound the memory.
WINDOW_PER_WORKER = 16


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[Path],
    *,
    force: bool = False,
    progress: Progress = lambda _: None,
    workers: int | None = None,
    contract: str | None = None,
) -> IngestReport:
    """Load the files named (and those inside the folders named), in input order, each document
    whole or not at all.

    Files are hashed first: one whose content is already loaded under its name by this parser
    version is kept without being parsed (``force`` parses and loads it again). The others are
    parsed, in worker processes when there is enough to parse (``workers``, default from
    ``ingest_workers``), and loaded here in input order, so that the result does not depend on the
    number of workers. ``contract`` is the contract the user gives for every file named (else each
    file's ``cdv.toml``, else what the document says: ``ingest.manifest``). New documents are written
    in batches (``CDV_INGEST_BATCH`` documents per transaction, default 64: ``ingest.settings``; 1
    gives one transaction per document); a document that replaces older rows gets a transaction of
    its own.
    """
    report = IngestReport()
    files = input_files(paths)
    hints = {path: contract_hint(path, contract) for path in files}
    ranks = {path.name: version_rank(path) for path in files}
    plans = _plan(con, files, force, hints)
    if workers is None:
        workers = ingest_workers([plan for plan in plans if plan.parse])
    present = _present_documents(con)
    pending = _Batch(con, report, progress, settings().ingest_batch)
    stream = _prepared_in_order(plans, workers)
    # DuckDB checkpoints (compresses and writes the tables) whenever its log passes 16 MB: during a
    # national ingest, every few batches. Once, when the ingest is over, is enough (measured: 2 s of
    # a 20 s ingest); the log keeps every commit durable meanwhile.
    con.execute(f"set checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
    try:
        for number, (plan, ready) in enumerate(zip(plans, stream, strict=True), start=1):
            _ingest_one(con, number, len(files), plan, ready, force, present, pending, report, progress)
        pending.flush()
        _set_version_ranks(con, ranks)
    except Exception:
        # The documents read before the failure are loaded, as they were one by one.
        with suppress(Exception):
            pending.flush()
        raise
    finally:
        with suppress(Exception):
            con.execute("reset checkpoint_threshold")
    return report


INGEST_CHECKPOINT_THRESHOLD = "4GB"


def _set_version_ranks(con: duckdb.DuckDBPyConnection, ranks: dict[str, int | None]) -> None:
    """Each programme or annex of the run takes the place its ``cdv.toml`` gives it among its
    versions (``versions``), or none: set on unchanged documents too, so that editing the manifest
    alone reorders the versions."""
    if not ranks:
        return
    con.execute(
        "update raw.documents set version_rank = r.version_rank"
        " from (select unnest(?::varchar[]) as document_file, unnest(?::integer[]) as version_rank) r"
        " where documents.document_file = r.document_file and documents.kind in (select unnest(?))"
        " and documents.version_rank is distinct from r.version_rank",
        [list(ranks), list(ranks.values()), sorted(_VERSIONED_KINDS)],
    )


def _ingest_one(
    con: duckdb.DuckDBPyConnection,
    number: int,
    total: int,
    plan: _Planned,
    ready: Prepared | OSError | None,
    force: bool,
    present: _Present,
    pending: _Batch,
    report: IngestReport,
    progress: Progress,
) -> None:
    path = plan.path
    prefix = f"[{number}/{total}] {path.name}"
    sha = ready.doc.sha256 if isinstance(ready, Prepared) else plan.sha256
    while True:
        if isinstance(ready, OSError) or isinstance(sha, OSError):
            exc = ready if isinstance(ready, OSError) else sha
            assert isinstance(exc, OSError)
            report.rejected.append(path.name)
            report.messages.append(f"{path}: cannot be read ({exc.strerror or exc}): skipped")
            pending.say(f"{prefix}: cannot be read: skipped")
            return
        if sha is None:  # not a regular file: what it is, its reading says
            ready = ready or prepare_document(path, plan.hint)
            sha = ready.doc.sha256 if isinstance(ready, Prepared) else ready
            continue
        if pending.holds(sha, path.name):
            pending.flush()  # decide on what is written, not on what is still waiting in the batch
        # Only a hash some raw table holds can have a row in raw.documents: no query for the others.
        previous = _already_loaded(con, sha) if sha in present.shas else []
        same_name = [name for name, version in previous if name == path.name]
        other_name = [name for name, _ in previous if name != path.name]
        if (
            same_name
            and not force
            and all(v == parser_version(plan.hint) for n, v in previous if n == path.name)
        ):
            report.unchanged.append(path.name)
            pending.say(f"{prefix}: unchanged, kept")
            return
        if other_name and not same_name:
            issue = Issue(
                None,
                "warning",
                "duplicate_document",
                f"same content as {other_name[0]} (sha256 {sha[:12]}): not loaded twice",
                "",
            )
            # Drop what an older version of this file name loaded, then keep only the issue.
            delete_document(con, None, path.name)
            record_rejection(con, path.name, sha, issue)
            present.add(sha, path.name)
            report.rejected.append(path.name)
            report.messages.append(f"{path}: {issue.message}")
            pending.say(f"{prefix}: duplicate of {other_name[0]}: not loaded twice")
            return
        if ready is None or ready.doc.sha256 != sha:
            # Not parsed ahead (planned as unchanged or a duplicate, which an earlier file of this
            # run changed), or changed on disk since it was hashed: parse it now, and decide again
            # on the content actually read.
            if ready is None:
                ready = prepare_document(path, plan.hint)
            if isinstance(ready, Prepared):
                sha = ready.doc.sha256
            continue
        break
    doc = ready.doc
    if present.holds(doc.sha256, doc.file_name):
        # Older rows of this hash or file name to replace: a transaction of its own.
        pending.flush()
        counts = load_document(con, doc, ready.tables, replace=True)
        present.add(doc.sha256, doc.file_name)
        _report_loaded(report, progress, doc, counts, path, prefix)
        return
    present.add(doc.sha256, doc.file_name)
    pending.add(ready, path, prefix)


def _report_loaded(
    report: IngestReport, progress: Progress, doc: Document, counts: dict[str, int], path: Path, prefix: str
) -> None:
    # A file of no known kind or format (binary, a scan, an encrypted PDF...) loads its issue only.
    refused = doc.kind == "unknown" and any(issue.severity == "error" for issue in doc.issues)
    (report.rejected if refused else report.loaded).append(doc.file_name)
    for table, count in counts.items():
        report.rows[table] = report.rows.get(table, 0) + count
    for issue in doc.issues:
        if issue.severity == "error":
            where = f"{path}:{issue.line}" if issue.line else str(path)
            report.messages.append(f"{where}: {issue.message}")
    errors = sum(1 for i in doc.issues if i.severity == "error")
    progress(f"{prefix}: {doc.kind}, {len(doc.issues)} issues ({errors} errors)")


# The rows that close a batch of new documents early (ANCT files are big).
BATCH_ROWS = 250_000


class _Batch:
    """New documents waiting to be loaded together (see ``loading.load_documents``).

    Every document of a batch is written or none is; a failed batch is loaded again one document
    per transaction, so that a bad document fails alone. Progress lines (of the documents written
    and of the files kept or rejected in between) come out in input order, when the batch is written.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, report: IngestReport, progress: Progress, size: int
    ) -> None:
        self.con, self.report, self.progress, self.size = con, report, progress, size
        self.items: list[tuple[Prepared, Path, str] | str] = []
        self.documents = 0
        self.rows = 0
        self.shas: set[str] = set()
        self.names: set[str] = set()

    def holds(self, sha: str, name: str) -> bool:
        return sha in self.shas or name in self.names

    def say(self, message: str) -> None:
        if self.documents:
            self.items.append(message)
        else:
            self.progress(message)

    def add(self, ready: Prepared, path: Path, prefix: str) -> None:
        self.items.append((ready, path, prefix))
        self.documents += 1
        self.shas.add(ready.doc.sha256)
        self.names.add(ready.doc.file_name)
        self.rows += sum(table.num_rows for table in ready.tables.values())
        if self.documents >= self.size or self.rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        items, self.items = self.items, []
        documents, self.documents, self.rows = self.documents, 0, 0
        self.shas, self.names = set(), set()
        counts: list[dict[str, int]] | None = None
        if documents > 1:
            batch = [(item[0].doc, item[0].tables) for item in items if not isinstance(item, str)]
            with suppress(Exception):
                counts = load_documents(self.con, batch)
        written = 0
        for item in items:
            if isinstance(item, str):
                self.progress(item)
                continue
            ready, path, prefix = item
            if counts is None:
                done = load_document(self.con, ready.doc, ready.tables, replace=False)
            else:
                done = counts[written]
            written += 1
            _report_loaded(self.report, self.progress, ready.doc, done, path, prefix)


class _Present:
    """Document hashes and file names that have rows in some raw table (a superset: never shrunk).

    A load deletes the older rows of its hash or file name first; when neither has any row, that
    deletion (a scan of every raw table) is skipped.
    """

    def __init__(self, shas: set[str], names: set[str]) -> None:
        self.shas, self.names = shas, names

    def holds(self, sha: str, name: str) -> bool:
        return sha in self.shas or name in self.names

    def add(self, sha: str, name: str) -> None:
        self.shas.add(sha)
        self.names.add(name)


def _present_documents(con: duckdb.DuckDBPyConnection) -> _Present:
    union = " union ".join(f"select distinct document_sha256, document_file from raw.{t}" for t in RAW_TABLES)
    rows = con.execute(union).fetchall()
    return _Present({sha for sha, _ in rows if sha}, {name for _, name in rows if name})


def _already_loaded(con: duckdb.DuckDBPyConnection, sha: str) -> list[tuple[str, str]]:
    return con.execute(
        "select document_file, parser_version from raw.documents where document_sha256 = ?", [sha]
    ).fetchall()


def prune_missing(con: duckdb.DuckDBPyConnection, keep: Iterable[str]) -> None:
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
