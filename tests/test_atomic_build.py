"""Atomic publish: a build killed at any step leaves the previous warehouse whole and queryable.

A build runs ``cdv build`` in a subprocess with the test hook ``CDV_TEST_PAUSE_AT=<step>``
(ingest/build.py: the build stops there and sleeps) and is killed with SIGKILL while it sleeps:

- ``ingest``: the copy ``<db>.building`` has its first document loaded, the rest not yet;
- ``expectations``: ingest done and checkpointed, Great Expectations about to read the copy;
- ``dbt``: dbt has started running nodes against the copy (its first progress line was read);
- ``publish``: everything passed, the rename onto ``<db>`` not yet done (this one runs the build
  function with ``dbt debug`` instead of ``dbt build``: the step killed is the publication, and a
  real dbt build would only add 25 s).

The four builds run at the same time, each on its own copy of the session's warehouse. Then, for
each: the previous warehouse has the same bytes, answers ``cdv query``, and its lock is free. The
full next build after a kill is in tests/test_concurrency.py (the build that waited for a killed
holder); here the next build runs after the two kills that leave the most behind (dbt's and
publish's), with ``dbt debug``.

How the tests were checked to fail without the safeguards (on a copy of the tree, each safeguard
removed in turn, the tests run): with the copy published before the checks
(``shutil.copy2(building, db)`` ahead of the expectations), the bytes and the counts differ after the
``expectations``, ``dbt`` and ``publish`` kills; with dbt started without the launcher that ties it
to the build (``PR_SET_PDEATHSIG``), the dbt process outlives the killed build
(``test_dbt_dies_with_a_killed_build``); without the CLI's SIGTERM handler the build dies with
status -15 and leaves its copy (``test_sigterm_unwinds``). The killed builds take one document more
than the published warehouse, first in their inputs: a build that changed nothing could be
published early without a byte changing.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest.cli import main

from .conftest import DOCUMENTS, LEZIGNAN, ROOT

CDV = [sys.executable, "-m", "ingest.cli"]
# The build function with `dbt debug`: every step of a build but the 25 s of dbt's models and tests.
BUILD_WITH_DBT_DEBUG = (
    "import sys\n"
    "from pathlib import Path\n"
    "from ingest.build import build\n"
    "build(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]] or None, dbt_args=['debug'],\n"
    "      progress=lambda m: print(m, file=sys.stderr, flush=True))\n"
)
KILL_STEPS = ("ingest", "expectations", "dbt", "publish")
PROBE = (
    "select (select count(*) from raw.documents) as documents, (select count(*) from raw.fiches) as fiches, "
    "(select count(*) from analytics.funding_lines) as lines, "
    "(select sum(amount_eur) from analytics.funding_lines) as eur"
)


class Running:
    """A subprocess whose stderr lines are collected as they come, to wait for one of them."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        atexit.register(lambda: self.proc.poll() is None and self.proc.kill())
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)
        self._new.put(None)

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self._out.extend(self.proc.stdout)

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    def wait_for(self, pattern: str, timeout: float = 120) -> str:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        for line in list(self.lines):
            if regex.search(line):
                return line
        while time.monotonic() < deadline:
            try:
                line = self._new.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            if regex.search(line):
                return line
        raise AssertionError(
            f"no line matching {pattern!r} within {timeout} s:\n" + "\n".join(self.lines[-30:])
        )

    def finish(self, timeout: float = 240) -> int:
        self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        return self.proc.returncode

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_copy(warehouse: Path, folder: Path) -> Path:
    """A copy of the session's warehouse, under the same file name in another folder."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / warehouse.name
    shutil.copy2(warehouse, db)
    return db


def siblings(db: Path) -> dict[str, Path]:
    return {
        "lock": db.with_name(db.name + ".lock"),
        "building": db.with_name(db.name + ".building"),
        "building_wal": db.with_name(db.name + ".building.wal"),
        "wal": db.with_name(db.name + ".wal"),
    }


def lock_is_free(db: Path) -> bool:
    lock = siblings(db)["lock"]
    if not lock.exists():
        return True
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, the last ")" ends it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a reaper (PID 1 of a container may never reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def probe(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    """What `cdv query` answers about the warehouse (in-process: the same code as the command)."""
    capsys.readouterr()
    assert main(["query", PROBE, "--db", str(db), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)[0]


@dataclass
class Killed:
    db: Path
    sha_before: str
    building_when_killed: bool
    children: list[int] = field(default_factory=list)
    children_alive_after: list[int] = field(default_factory=list)
    stderr: str = ""


def changed_inputs(folder: Path) -> list[Path]:
    """A new document, then the bundled inputs: a build of these writes from its first document on,
    so a copy published too early, or a write into the published file, shows in the bytes and in
    the counts."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = LEZIGNAN.read_text(encoding="utf-8").split("\n")
    lines[2] += " (version 2)"
    (folder / "lezignan-v2.txt").write_text("\n".join(lines), encoding="utf-8")
    return [folder, DOCUMENTS, ROOT / "data" / "anct"]


@pytest.fixture(scope="module")
def killed(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Killed]:
    """The four builds, started together, each killed (SIGKILL) at its pause."""
    runs: dict[str, tuple[Path, str, Running]] = {}
    inputs = [str(p) for p in changed_inputs(tmp_path_factory.mktemp("extra"))]
    for step in KILL_STEPS:
        db = published_copy(warehouse, tmp_path_factory.mktemp(f"kill-{step}"))
        command = (
            [sys.executable, "-c", BUILD_WITH_DBT_DEBUG, str(db), *inputs]
            if step == "publish"
            else [*CDV, "build", "--db", str(db), *inputs]
        )
        env = {"CDV_TEST_PAUSE_AT": step, "CDV_TEST_PAUSE_SECONDS": "300"}
        runs[step] = (db, file_sha(db), Running(command, env))
    out: dict[str, Killed] = {}
    try:
        for step, (db, sha, run) in runs.items():
            run.wait_for(rf"cdv: test pause at {step} \(pid {run.pid}\)", timeout=150)
            result = Killed(db, sha, siblings(db)["building"].exists(), children_of(run.pid))
            wrote = siblings(db)["building_wal"].exists() or file_sha(siblings(db)["building"]) != sha
            assert wrote, f"{step}: the build had written nothing yet"
            run.kill()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(alive(p) for p in result.children):
                time.sleep(0.1)
            result.children_alive_after = [p for p in result.children if alive(p)]
            result.stderr = run.stderr
            out[step] = result
    finally:
        for _, _, run in runs.values():
            if run.proc.poll() is None:
                run.kill()
        # A dbt left running would go on writing for half a minute: never leave one behind.
        for result in out.values():
            for pid in result.children_alive_after:
                os.kill(pid, signal.SIGKILL)
    return out


@pytest.mark.parametrize("step", KILL_STEPS)
def test_a_killed_build_leaves_the_previous_warehouse_byte_for_byte(
    killed: dict[str, Killed], step: str
) -> None:
    result = killed[step]
    assert result.building_when_killed, f"killed at {step}: no copy was being built"
    assert file_sha(result.db) == result.sha_before
    assert not siblings(result.db)["wal"].exists()


@pytest.mark.parametrize("step", KILL_STEPS)
def test_a_killed_build_leaves_a_queryable_warehouse_and_a_free_lock(
    killed: dict[str, Killed], step: str, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = killed[step]
    assert probe(result.db, capsys) == probe(warehouse, capsys)
    assert lock_is_free(result.db)


def test_dbt_dies_with_a_killed_build(killed: dict[str, Killed]) -> None:
    result = killed["dbt"]
    assert result.children, "no dbt process under the build at its dbt pause"
    assert result.children_alive_after == [], "dbt kept running after its build was killed"


@pytest.fixture(scope="module")
def next_builds(killed: dict[str, Killed]) -> dict[str, tuple[bool, subprocess.CompletedProcess]]:
    """The next build after the kills that leave the most behind: a copy dbt was writing into, and
    a finished copy (the waiting build of tests/test_concurrency.py is the full next build after a
    kill in the middle of the ingest)."""
    runs = {}
    for step in ("dbt", "publish"):
        db = killed[step].db
        left = siblings(db)["building"].exists()  # what the killed build left
        runs[step] = (
            left,
            subprocess.Popen(
                [sys.executable, "-c", BUILD_WITH_DBT_DEBUG, str(db)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    done = {}
    for step, (left, proc) in runs.items():
        out, err = proc.communicate(timeout=300)
        done[step] = (left, subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


@pytest.mark.parametrize("step", ["dbt", "publish"])
def test_the_next_build_after_a_kill_succeeds(
    killed: dict[str, Killed],
    next_builds: dict[str, tuple[bool, subprocess.CompletedProcess]],
    step: str,
    warehouse: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = killed[step].db
    left, done = next_builds[step]
    assert left, "the killed build left no copy behind"
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("building", "building_wal", "wal"):
        assert not siblings(db)[name].exists(), name
    assert lock_is_free(db)
    assert probe(db, capsys) == probe(warehouse, capsys)


def test_sigterm_unwinds(warehouse: Path, tmp_path: Path) -> None:
    """A stop request (systemd's timeout, kill) removes the copy and says so, instead of vanishing."""
    db = published_copy(warehouse, tmp_path / "term")
    sha = file_sha(db)
    run = Running(
        [*CDV, "build", "--db", str(db)], {"CDV_TEST_PAUSE_AT": "ingest", "CDV_TEST_PAUSE_SECONDS": "300"}
    )
    try:
        run.wait_for(r"cdv: test pause at ingest", timeout=120)
        assert siblings(db)["building"].exists()
        os.kill(run.pid, signal.SIGTERM)
        assert run.finish(timeout=60) == 130
    finally:
        if run.proc.poll() is None:
            run.kill()
    assert "cdv: interrupted: nothing was published, the previous warehouse is kept" in run.stderr
    assert not siblings(db)["building"].exists() and not siblings(db)["building_wal"].exists()
    assert file_sha(db) == sha and lock_is_free(db)


def test_a_wal_left_next_to_the_warehouse_is_carried_into_the_build_and_never_replayed_onto_a_new_file(
    tmp_path: Path,
) -> None:
    """The copy step takes the published file's WAL along (committed rows not yet checkpointed, e.g.
    after a killed `cdv ingest`), and publishing removes that WAL before the rename: replayed onto the
    new file it would corrupt it. Checked: without copying the WAL, the copy misses the row (sum 1,
    not 3); without the unlink, DuckDB silently replays the old file's WAL onto the published file,
    which then holds the old file's last insert again (sum 9, not 7).
    """
    import duckdb

    from ingest.build import _copy_published, _publish

    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table t (x integer); insert into t values (1)")
    con = duckdb.connect(str(db))
    con.execute("pragma disable_checkpoint_on_shutdown")
    con.execute("insert into t values (2)")
    con.close()
    assert siblings(db)["wal"].exists()
    building = siblings(db)["building"]
    _copy_published(db, building)
    with duckdb.connect(str(building)) as con:
        assert con.execute("select sum(x) from t").fetchone()[0] == 3
        con.execute("insert into t values (4)")
    _publish(building, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select sum(x) from t").fetchone()[0] == 7  # 9 if the old WAL were replayed
    assert not siblings(db)["wal"].exists() and not building.exists()
