"""A whole build: ingest, checks and ``dbt build`` into a new file, published only when all passed.

Readers (dashboards, ``cdv query``) open the published warehouse file; a build works on a
copy next to it (``<db>.building``) and swaps it in with an atomic rename at the end.
A failed or killed build leaves the previous warehouse as it was. One build at a time:
an exclusive ``flock`` on ``<db>.lock``, released by the kernel if the process dies, so a
killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingest import inputs as registered_inputs
from ingest import postgres as pg
from ingest.expectations import PendingValidation, ValidationReport, read_raw_tables, suites_fingerprint
from ingest.loading import connect
from ingest.pipeline import IngestReport, InputError, Progress, ingest_paths, prune_missing
from ingest.postgres import Server
from ingest.readers import Reader, Target
from ingest.reference import USER_QPV_DIR
from ingest.schema import RAW_TABLES, dbt_source
from ingest.settings import PauseStep, settings
from ingest.warehouse import open_warehouse, scalar

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = REPO_ROOT / "dbt_project"
DEFAULT_INPUTS = [REPO_ROOT / "data" / "documents", REPO_ROOT / "data" / "anct"]
# The ingest's own DuckDB file when the warehouse is published on a PostgreSQL server (--db overrides).
POSTGRES_INGEST_DB = REPO_ROOT / "warehouse.postgres-ingest.duckdb"


class BuildError(Exception):
    """A build step failed; the previous warehouse is kept."""


class BuildLocked(BuildError):
    """Another build holds the lock."""


@dataclass
class BuildReport:
    ingest: IngestReport
    steps: list[tuple[str, float]] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    # (document, message) for each programme or annex a newer version of itself superseded
    superseded: list[tuple[str, str]] = field(default_factory=list)
    quarantine: Quarantine = field(default_factory=lambda: Quarantine(0, 0, []))

    @property
    def published_nothing(self) -> bool:
        """Every incoming row was quarantined: the warehouse holds no funding line at all."""
        lines = self.summary.get("funding lines", 0) + self.summary.get("ANCT posts", 0)
        return lines == 0 and (self.quarantine.rows > 0 or self.quarantine.documents > 0)


@dataclass(frozen=True)
class Quarantine:
    """What the published warehouse keeps out of its totals (analytics.quarantine)."""

    rows: int
    documents: int
    # (rule, rows, euros as read) per rule, most rows first
    rules: list[tuple[str, int, float]]

    def headline(self) -> str:
        return f"published, {self.rows} rows / {self.documents} documents quarantined"


# Test hook: ``CDV_TEST_PAUSE_AT=<step>`` makes a build stop at that step (ingest, expectations, dbt,
# publish) and sleep ``CDV_TEST_PAUSE_SECONDS``, so that tests can kill it there.
def _test_pause(step: PauseStep) -> None:
    configured = settings()
    if configured.test_pause_at != step:
        return
    print(f"cdv: test pause at {step} (pid {os.getpid()})", file=sys.stderr, flush=True)
    time.sleep(configured.test_pause_seconds)


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


# Names DuckDB must not take a file's catalog for: the schemas of the warehouse and its own catalogs.
# dbt opens the copy being built by its file name, and names its catalog after it.
RESERVED_CATALOG_NAMES = frozenset(
    {
        "raw",
        "staging",
        "intermediate",
        "marts",
        "analytics",
        "reference",
        "main",
        "memory",
        "system",
        "temp",
    }
)


def building_path(db: Path) -> Path:
    """The copy a build works on, next to the warehouse: ``<db>.building``, or ``cdv-<db>.building``
    when the file's name would give its catalog the name of a schema (``raw.duckdb``)."""
    name = db.name + ".building"
    if db.name.split(".", 1)[0].lower() in RESERVED_CATALOG_NAMES:
        name = "cdv-" + name
    return db.with_name(name)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextmanager
def build_lock(
    db: Path, *, wait: bool = False, what: str = "cdv build", say: Progress | None = None
) -> Iterator[int]:
    """Hold the exclusive lock of ``db`` (``<db>.lock``); yields the lock's file descriptor.

    The lock is an ``flock``: the kernel drops it when its holder dies, however it dies, so the
    lock file left behind by a killed run never blocks the next one.
    """
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if not wait:
                raise BuildLocked(
                    f"another build of {db} is running ({holder}; lock {path}); retry later or pass --wait"
                ) from exc
            if say is not None:
                say(f"waiting for the lock of {db}, held by {holder}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, {what} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        try:
            yield handle.fileno()
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def dbt_executable() -> list[str]:
    candidate = Path(sys.executable).parent / "dbt"
    return [str(candidate)] if candidate.exists() else ["dbt"]


# Runs dbt so that it dies with the build: on Linux the kernel sends it SIGKILL when the build
# process dies (PR_SET_PDEATHSIG), so a killed build never leaves a dbt writing into a file the next
# build has already replaced. Elsewhere dbt outlives a killed build, but it holds the build lock
# (inherited descriptor) until it ends, so no other build starts meanwhile.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit("cdv: the build that started dbt is gone")
os.execvp(sys.argv[2], sys.argv[2:])
"""


def dbt_target(db: Path) -> Path:
    """dbt's target folder for one warehouse: its own manifest and partial-parse cache, so builds of
    different warehouse files (tests, CI, copies) never mix their artifacts."""
    key = hashlib.sha256(str(db.resolve()).encode()).hexdigest()[:16]
    return DBT_PROJECT / "target" / "warehouses" / key


def dbt_state(db: Path) -> Path:
    """The manifest of the last *published* build of ``db``: what ``state:modified+`` compares with."""
    return dbt_target(db) / "state"


def _has_marts(db: Path) -> bool:
    try:
        with open_warehouse(db, read_only=True) as con:
            return bool(
                scalar(
                    con,
                    "select count(*) from information_schema.tables where table_schema in ('marts', 'analytics')",
                )
            )
    except duckdb.Error:
        return False


def raw_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
    """Per raw table: its row count, latest ``loaded_at`` and a hash of every row's document and load
    time. A load stamps its rows with its own time and a removal drops rows: either changes it."""
    fingerprints: dict[str, tuple[Any, ...]] = {}
    for table in RAW_TABLES:
        # A document's place among its versions (its cdv.toml) changes without a load.
        rank = ", version_rank" if table == "documents" else ""
        try:
            row = con.execute(
                f"select count(*), max(loaded_at), bit_xor(hash(document_sha256, document_file, loaded_at{rank})) "
                f"from raw.{table}"
            ).fetchone()
            fingerprints[table] = tuple(row) if row is not None else (0, None, None)
        except duckdb.Error:  # a table a newer schema added: absent before this ingest created it
            fingerprints[table] = (-1, None, None)
    return fingerprints


def dbt_build_args(
    db: Path, changed_tables: Iterable[str], *, force: bool, project: str | None = None
) -> list[str]:
    """Build what changed since the last published build: models downstream of a raw table the
    ingest changed (``source:cdv.<system>.<table>+``, see ``schema.dbt_source``) and, when the project
    changed, of a changed project file (``state:modified+``).

    ``state:modified+`` sees changes to models, seeds, macros, tests and configs, not to the data; the
    raw tables a load or a removal touched say which models the data change reaches (a changed
    programme document leaves the ANCT models and their tests as the published build left them).
    With the project as it was, the unit tests are not run again: they test the models' code on
    fixed inputs, not the data. Everything is built with --force, or without a published build of
    this warehouse to start from.
    """
    state = dbt_state(db)
    if force or not (state / "manifest.json").is_file() or not _has_marts(db):
        return ["build"]
    data = [f"source:cdv.{'.'.join(dbt_source(table))}+" for table in sorted(changed_tables)]
    if _published_with(db, "project") != (project or project_fingerprint()):
        return ["build", "--select", "state:modified+", *data, "--state", str(state)]
    if not data:
        return ["build", "--select", "state:modified+", "--state", str(state)]  # selects nothing
    return ["build", "--select", *data, "--exclude-resource-type", "unit_test"]


# What the dbt project is made of, for project_fingerprint (dbt's own target/ and logs/ left out).
PROJECT_PARTS = ("models", "seeds", "dbt_project/macros", "dbt_project/tests")
PROJECT_FILES = ("dbt_project/dbt_project.yml", "dbt_project/profiles.yml")


def project_fingerprint() -> str:
    """A hash of every file of the dbt project (models, seeds, macros, tests, configuration)."""
    digest = hashlib.sha256()
    paths = [REPO_ROOT / name for name in PROJECT_FILES]
    for part in PROJECT_PARTS:
        paths += sorted(p for p in (REPO_ROOT / part).rglob("*") if p.is_file())
    for path in paths:
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
        with suppress(OSError):
            digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _describe_dbt(args: list[str], changed: list[str]) -> str:
    if "--select" not in args:
        return "dbt build"
    data = f"data changed in raw.{', raw.'.join(changed)}" if changed else "no data changed"
    project = ", and state:modified+" if "--state" in args else ", the project as it was"
    return f"dbt build (only what changed since the last build: {data}{project})"


def _keep_state(db: Path, suites: str, project: str) -> None:
    """After a publish: this build's manifest becomes the state the next build compares with, and the
    fingerprints of the expectation suites that validated it and of the project that built it are
    kept beside it."""
    state = dbt_state(db)
    state.mkdir(parents=True, exist_ok=True)
    manifest = dbt_target(db) / "manifest.json"
    if manifest.is_file():
        tmp = state / "manifest.json.tmp"
        shutil.copy2(manifest, tmp)
        os.replace(tmp, state / "manifest.json")
    for name, value in (("expectations", suites), ("project", project)):
        tmp = state / f"{name}.sha256.tmp"
        tmp.write_text(value)
        os.replace(tmp, state / f"{name}.sha256")


def _published_with(db: Path, what: str) -> str | None:
    """The fingerprint of the suites ("expectations") that validated the published warehouse, or of
    the project that built it ("project"), when it is known."""
    try:
        return (dbt_state(db) / f"{what}.sha256").read_text().strip()
    except OSError:
        return None


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_dbt(
    db: Path,
    args: list[str],
    progress: Progress,
    *,
    keep_fds: tuple[int, ...] = (),
    cancel: threading.Event | None = None,
    extra_env: dict[str, str] | None = None,
) -> None:
    """Run dbt on ``db``, its progress condensed into ``progress``; ``cancel`` set kills it;
    ``extra_env``: more variables for dbt (a PostgreSQL target's connection and schema suffix)."""
    # Colours only for a person at a terminal: a log file or a pipe gets no escape codes.
    colours = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    env = dict(
        os.environ,
        CDV_DB=str(db.resolve()),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_USE_COLORS=str(colours).lower(),
        **(extra_env or {}),
    )
    command = (
        dbt_executable() + args + ["--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]
    )
    launcher = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid())]
    proc = subprocess.Popen(
        launcher + command,
        cwd=DBT_PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        pass_fds=keep_fds,
    )
    if cancel is not None:
        threading.Thread(target=_kill_when_set, args=(proc, cancel), daemon=True).start()
    tail: list[str] = []
    assert proc.stdout is not None
    started_nodes = False
    finished = 0
    for line in proc.stdout:
        line = line.rstrip() if colours else _ANSI.sub("", line).rstrip()
        tail = (tail + [line])[-40:]
        if not started_nodes and " of " in line:
            started_nodes = True
            _test_pause("dbt")
        # A running count, so a long dbt build shows it is moving ("dbt 200 of 532 done").
        step = re.search(r"\b(\d+) of (\d+) (?!START)", line)
        if step and "START" not in line:
            finished += 1
            if finished % 100 == 0:
                progress(f"  dbt {finished} of {step.group(2)} done")
        # Show what did not pass, and dbt's closing tally; the passing steps only as a count.
        if (
            " of " in line
            and "START" not in line
            and any(w in line for w in ("ERROR", "FAIL", "WARN"))
            or line.split(" ", 1)[-1].strip().startswith(("Done.", "Finished running"))
        ):
            progress(f"  dbt {line.split(' ', 1)[-1].strip()}")
    if proc.wait() != 0:
        raise BuildError("dbt " + " ".join(args) + " failed:\n" + "\n".join(tail))


def _kill_when_set(proc: subprocess.Popen[str], cancel: threading.Event) -> None:
    cancel.wait()
    if proc.poll() is None:
        proc.kill()


class _Checks:
    """Great Expectations on the raw tables read before dbt, validated in a thread meanwhile.

    A critical failure sets ``stop_dbt`` as soon as it is known; ``result`` waits for the validation
    and raises the ``BuildError`` that names the failed expectations (or what the validation raised).
    """

    def __init__(self, pending: PendingValidation, progress: Progress) -> None:
        self.stop_dbt = threading.Event()
        self._progress = progress
        self._lines: list[str] = []
        self._report: ValidationReport | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(pending,), daemon=True)
        self._thread.start()

    def _run(self, pending: PendingValidation) -> None:
        try:
            self._report = pending.validate(self._lines.append)
        except BaseException as exc:  # noqa: BLE001 - handed to the build's thread by result()
            self._error = exc
        if self._error is not None or (self._report is not None and self._report.critical_failures):
            self.stop_dbt.set()

    def result(self) -> ValidationReport:
        """The validation's report, its summary said once (from the caller's thread)."""
        self._thread.join()
        lines, self._lines = self._lines, []
        for line in lines:
            self._progress(line)
        if self._error is not None:
            raise self._error
        assert self._report is not None
        if self._report.critical_failures:
            raise BuildError(
                "critical expectations failed on the raw tables (suites in expectations/):\n"
                + "\n".join(f"  {o.describe()}" for o in self._report.critical_failures)
            )
        return self._report


def summarise(reader: Reader) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label, sql in (
        ("documents", "select count(*) from raw.documents"),
        ("fiches", "select count(*) from raw.fiches"),
        ("funding tables", "select count(*) from raw.funding_tables"),
        ("funding cells", "select count(*) from raw.funding_cells"),
        ("annex objectives", "select count(*) from raw.annex_objectives"),
        ("funding lines", "select count(*) from analytics.funding_lines where source_kind = 'document'"),
        ("ANCT posts", "select count(*) from analytics.funding_lines where source_kind = 'dataset'"),
        # Those of the ingest, the annex anomalies dbt finds and the superseded versions: the
        # count `cdv status` and the dashboard show (analytics.dq_issues).
        ("issues", "select count(*) from analytics.dq_issues"),
    ):
        try:
            counts[label] = int(reader.scalar(sql))
        except reader.Error:
            continue
    return counts


def build(
    db: Path,
    inputs: list[Path] | None = None,
    *,
    force: bool = False,
    wait: bool = False,
    progress: Progress = print,
    dbt_args: list[str] | None = None,
    contract: str | None = None,
    mirror: bool = False,
    remove: list[Path] | None = None,
    server: Server | None = None,
) -> BuildReport:
    """Build the warehouse ``db`` from its registered inputs and ``inputs`` (``ingest.inputs``); with
    ``mirror``, from exactly ``inputs``. ``remove``: inputs to unregister first.

    With ``server``, the warehouse is published on that PostgreSQL server and ``db`` is the local
    DuckDB file the ingest keeps its raw tables and inputs in (what it reads again only when a
    document changed): the raw tables are copied to the server, dbt builds there into schemas of
    its own, swapped in with the published ones in one transaction (``ingest.postgres``). One build
    at a time on the server (an advisory lock) as on the file.
    """
    db = db.resolve()
    if db.exists() and not db.is_file():
        raise BuildError(f"{db} is not a warehouse file (a folder or a special file): nothing built")
    if not db.parent.is_dir():
        raise BuildError(f"{db}: the folder {db.parent} does not exist: create it first (nothing built)")
    building = building_path(db)
    with build_lock(db, wait=wait, say=progress) as lock_fd, _server_lock(server, wait, progress):
        for leftover in (building, _wal(building)):
            leftover.unlink(missing_ok=True)
        steps: list[tuple[str, float]] = []
        try:
            _copy_published(db, building)
            started = time.perf_counter()
            con = connect(str(building))
            try:
                for path in remove or []:
                    if not registered_inputs.unregister(con, path):
                        raise InputError(f"{path}: not an input of this warehouse (see cdv status)")
                chosen, gone = registered_inputs.choose(con, inputs, DEFAULT_INPUTS, mirror=mirror)
                for path in gone:
                    progress(f"input {path} no longer exists: its documents leave the warehouse")
                # The users' QPV lists are read with every build (the parsers read them too).
                reading = list(chosen)
                if any(USER_QPV_DIR.glob("*.csv")) and USER_QPV_DIR.resolve() not in reading:
                    reading.append(USER_QPV_DIR.resolve())
                progress(f"ingest: {', '.join(str(p) for p in reading)}")
                before = raw_fingerprints(con)
                say = _pausing(progress)
                report = ingest_paths(con, reading, force=force, progress=say, contract=contract)
                say(_INGEST_DONE)
                leaving = _loaded_files(con) - set(report.seen)
                removed = list(registered_inputs.document_amounts(con, sorted(leaving)).values())
                prune_missing(con, report.seen)
                registered_inputs.record_removals(con, removed, "file gone from the inputs")
                registered_inputs.save(con, chosen)
                report.removed = removed
                con.execute("checkpoint")
                after = raw_fingerprints(con)
            finally:
                con.close()
            changed = [table for table in RAW_TABLES if before[table] != after[table]]
            steps.append(("ingest", time.perf_counter() - started))
            _test_pause("expectations")
            # The raw tables are read for Great Expectations, then GX validates them in a thread while
            # dbt builds in its own process: a critical failure stops dbt, and the build, either way.
            suites = suites_fingerprint()
            only = None if force or _published_with(db, "expectations") != suites else set(changed)
            checks = _Checks(read_raw_tables(building, only_tables=only), progress)
            project = project_fingerprint()  # before dbt reads the project: what this build is built with
            if server is not None:
                _build_on_server(server, building, progress, checks, dbt_args, steps)
                steps.append(("expectations", checks.result().seconds))
                _test_pause("publish")
                steps.append(("publish", pg.publish_swap(server, progress)))
                _publish(building, db)
                _keep_state(db, suites, project)
                # Read as the build's own account: the summary counts raw's rows too.
                return _report(report, steps, Reader(Target("postgres", None, server.dsn), as_reader=False))
            args = dbt_args or dbt_build_args(db, changed, force=force, project=project)
            progress(_describe_dbt(args, changed))
            if not dbt_args:  # the project's own build keeps its artifacts per warehouse
                args = args + ["--target-path", str(dbt_target(db))]
            dbt_started = time.perf_counter()
            try:
                run_dbt(building, args, progress, keep_fds=(lock_fd,), cancel=checks.stop_dbt)
            except BuildError:
                checks.result()  # a critical expectation failure explains a stopped dbt: said first
                raise
            finally:
                checks.stop_dbt.set()  # nothing left to stop; lets a waiting check thread go
            dbt_seconds = time.perf_counter() - dbt_started
            validation = checks.result()
            steps.append(("expectations", validation.seconds))
            steps.append(("dbt build", dbt_seconds))
            _test_pause("publish")
            _publish(building, db)
            _keep_state(db, suites, project)
        except BaseException as exc:
            building.unlink(missing_ok=True)
            _wal(building).unlink(missing_ok=True)
            # Input errors keep their type (the CLI says them as such); any other failure is a failed
            # build, said in one line, with the previous warehouse kept.
            if isinstance(exc, Exception) and not isinstance(exc, (BuildError, InputError, pg.PostgresError)):
                raise BuildError(f"{type(exc).__name__}: {exc}") from exc
            raise
    return _report(report, steps, Reader(Target("duckdb", db)))


def _report(report: IngestReport, steps: list[tuple[str, float]], reader: Reader) -> BuildReport:
    """What a build says once published, read from the published warehouse (closes ``reader``)."""
    with reader:
        return BuildReport(
            report, steps, summarise(reader), superseded_documents(reader), quarantined(reader)
        )


@contextmanager
def _server_lock(server: Server | None, wait: bool, progress: Progress) -> Iterator[None]:
    """The server's build lock when the build publishes on a server (nothing otherwise)."""
    if server is None:
        yield
        return
    with pg.build_lock(server, wait=wait, say=progress) as con:
        pg.check_database(con, server)  # before any work: a database that would give other figures
        yield


def _build_on_server(
    server: Server,
    building: Path,
    progress: Progress,
    checks: _Checks,
    dbt_args: list[str] | None,
    steps: list[tuple[str, float]],
) -> None:
    """Copy the raw tables of the ingest's file to the server and run dbt there, every layer into
    the build's own schemas (``<schema>__next``); the two steps' times go to ``steps``."""
    started = time.perf_counter()
    con = server.connect()
    try:
        pg.drop_next(con)
        with open_warehouse(building, read_only=True) as duck:
            counts = pg.load_raw(duck, con, "raw" + pg.NEXT_SUFFIX)
        con.commit()
    except BaseException:
        with suppress(Exception):
            con.rollback()
        raise
    finally:
        con.close()
    progress(f"raw tables copied to {server.describe()}: {sum(counts.values())} rows")
    steps.append(("copy to server", time.perf_counter() - started))
    args = list(dbt_args or ["build"]) + [
        "--target",
        "postgres",
        "--target-path",
        str(dbt_target_server(server)),
    ]
    progress(f"dbt build on {server.describe()}")
    env = dict(server.dbt_env(), CDV_SCHEMA_SUFFIX=pg.NEXT_SUFFIX)
    dbt_started = time.perf_counter()
    try:
        run_dbt(building, args, progress, cancel=checks.stop_dbt, extra_env=env)
    except BaseException as exc:
        _drop_next_quietly(server)
        if isinstance(exc, BuildError):
            checks.result()  # a critical expectation failure explains a stopped dbt: said first
        raise
    finally:
        checks.stop_dbt.set()
    steps.append(("dbt build", time.perf_counter() - dbt_started))


def _drop_next_quietly(server: Server) -> None:
    """After a failed build: the build's own schemas go (the published ones were never touched)."""
    with suppress(Exception):
        con = server.connect()
        try:
            pg.drop_next(con)
        finally:
            con.close()


def dbt_target_server(server: Server) -> Path:
    """dbt's target folder for one server's warehouse (its own manifest and partial-parse cache)."""
    key = hashlib.sha256(server.describe().encode()).hexdigest()[:16]
    return DBT_PROJECT / "target" / "servers" / key


def quarantined(reader: Reader) -> Quarantine:
    """Rows and whole documents the published warehouse keeps in analytics.quarantine."""
    try:
        rules = reader.rows(
            "select rule, count(*), coalesce(sum(amount_eur), 0) from analytics.quarantine"
            " group by rule order by 2 desc, 1"
        )
        documents = reader.scalar("select count(*) from analytics.quarantine where row_kind = 'document'")
    except reader.Error:
        return Quarantine(0, 0, [])
    rows = sum(count for _, count, _ in rules) - documents
    return Quarantine(rows, documents, [(rule, count, float(amount)) for rule, count, amount in rules])


def superseded_documents(reader: Reader) -> list[tuple[str, str]]:
    """The documents the published warehouse reads no more (a newer version supersedes them), each
    with what changed (analytics.dq_issues, rule document_superseded)."""
    try:
        return [
            (file, message)
            for file, message in reader.rows(
                "select document_file, message from analytics.dq_issues"
                " where rule = 'document_superseded' order by document_file"
            )
        ]
    except reader.Error:
        return []


def _loaded_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select document_file from raw.documents union select document_file from raw.ingest_issues"
        ).fetchall()
    }


def _pausing(progress: Progress) -> Progress:
    """The ingest's progress, pausing (test hook) once the first document is in the copy."""
    if settings().test_pause_at != "ingest":
        return lambda message: None if message == _INGEST_DONE else progress(message)

    state = {"paused": False}

    def say(message: str) -> None:
        if message != _INGEST_DONE:
            progress(message)
        # Once a document is loaded; or, when every document is unchanged, at the end of the ingest.
        loaded = message.startswith("[") and " issues (" in message
        if not state["paused"] and (loaded or message == _INGEST_DONE):
            state["paused"] = True
            _test_pause("ingest")

    return say


_INGEST_DONE = "ingest done"


def _copy_published(db: Path, building: Path) -> None:
    """Start the build from the published warehouse, with its write-ahead log if one was left.

    A WAL next to the published file holds committed changes not yet in the file (a ``cdv ingest``
    killed before its checkpoint): copied along, they are replayed into the copy, not lost.
    """
    if not db.exists():
        return
    shutil.copy2(db, building)
    if _wal(db).exists():
        shutil.copy2(_wal(db), _wal(building))


def _publish(building: Path, db: Path) -> None:
    """Swap the finished copy in: self-contained (checkpointed, no WAL of its own), in one rename.

    A WAL left next to the published file belongs to the old file: replayed onto the new one it
    would corrupt it, so it goes first (a reader opening in between sees the old file, whole).
    """

    with open_warehouse(building) as con:
        con.execute("checkpoint")
    if _wal(building).exists():
        raise BuildError(f"{building} still has a write-ahead log after its checkpoint: not published")
    _wal(db).unlink(missing_ok=True)
    os.replace(building, db)
    # The rename is atomic at once; syncing the folder makes it durable across a power cut too.
    folder = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
