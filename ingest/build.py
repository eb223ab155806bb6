"""A whole build: ingest, checks and ``dbt build`` into a new file, published only when all passed.

Readers (dashboards, ``cdv query``) open the published warehouse file; a build works on a
copy next to it (``<db>.building``) and swaps it in with an atomic rename at the end.
A failed or killed build leaves the previous warehouse as it was. One build at a time:
an exclusive ``flock`` on ``<db>.lock``, released by the kernel if the process dies, so a
killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ingest.expectations import validate_warehouse
from ingest.loading import connect
from ingest.pipeline import IngestReport, Progress, ingest_paths, prune_missing

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = REPO_ROOT / "dbt_project"
DEFAULT_INPUTS = [REPO_ROOT / "data" / "documents", REPO_ROOT / "data" / "anct"]


class BuildError(Exception):
    """A build step failed; the previous warehouse is kept."""


class BuildLocked(BuildError):
    """Another build holds the lock."""


@dataclass
class BuildReport:
    ingest: IngestReport
    steps: list[tuple[str, float]] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)


def default_db() -> Path:
    return Path(os.environ.get("CDV_DB", REPO_ROOT / "warehouse.duckdb"))


@contextmanager
def build_lock(db: Path, *, wait: bool = False) -> Iterator[None]:
    lock_path = db.with_name(db.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BuildLocked(
                f"another build of {db} is running ({holder}); retry later or pass --wait"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def dbt_executable() -> list[str]:
    candidate = Path(sys.executable).parent / "dbt"
    return [str(candidate)] if candidate.exists() else ["dbt"]


def run_dbt(db: Path, args: list[str], progress: Progress) -> None:
    env = dict(os.environ, CDV_DB=str(db.resolve()), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    command = (
        dbt_executable() + args + ["--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]
    )
    proc = subprocess.Popen(
        command, cwd=DBT_PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-40:]
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


def summarise(db: Path) -> dict[str, int]:
    import duckdb

    counts: dict[str, int] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for label, sql in (
            ("documents", "select count(*) from raw.documents"),
            ("fiches", "select count(*) from raw.fiches"),
            ("funding tables", "select count(*) from raw.funding_tables"),
            ("funding cells", "select count(*) from raw.funding_cells"),
            ("annex objectives", "select count(*) from raw.annex_objectives"),
            ("funding lines", "select count(*) from analytics.funding_lines"),
            ("issues found", "select count(*) from raw.ingest_issues"),
        ):
            try:
                counts[label] = con.execute(sql).fetchone()[0]
            except duckdb.Error:
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
) -> BuildReport:
    inputs = inputs or DEFAULT_INPUTS
    db = db.resolve()
    building = db.with_name(db.name + ".building")
    with build_lock(db, wait=wait):
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if db.exists():
            shutil.copy2(db, building)
        steps: list[tuple[str, float]] = []
        try:
            started = time.perf_counter()
            progress(f"ingest: {', '.join(str(p) for p in inputs)}")
            con = connect(str(building))
            try:
                report = ingest_paths(con, inputs, force=force, progress=progress)
                report.pruned = prune_missing(con, report.seen)
                con.execute("checkpoint")
            finally:
                con.close()
            steps.append(("ingest", time.perf_counter() - started))
            started = time.perf_counter()
            validation = validate_warehouse(building, progress)
            steps.append(("expectations", time.perf_counter() - started))
            if validation.critical_failures:
                raise BuildError(
                    "critical expectations failed on the raw tables (suites in expectations/):\n"
                    + "\n".join(f"  {o.describe()}" for o in validation.critical_failures)
                )
            started = time.perf_counter()
            progress("dbt build")
            run_dbt(building, dbt_args or ["build"], progress)
            steps.append(("dbt build", time.perf_counter() - started))
            os.replace(building, db)
        except BaseException:
            building.unlink(missing_ok=True)
            raise
    result = BuildReport(report, steps, summarise(db))
    return result
