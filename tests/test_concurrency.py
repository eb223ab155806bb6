"""One build at a time: a second build is refused naming the holder, ``--wait`` waits, a killed
holder's lock never blocks, and readers keep reading the published warehouse meanwhile.

The scenario (``run_chain``) runs once per session on a copy of the warehouse built by
tests/test_bad_input.py (the real inputs and every bad file), with the same inputs:

1. a holder build is paused by the test hook in the middle of its ingest (``CDV_TEST_PAUSE_AT``);
2. a second ``cdv build`` and a ``cdv ingest`` of the same warehouse are refused at once;
3. ``cdv query`` still answers, from the published warehouse;
4. a ``cdv build --wait`` says it waits for the holder, and does;
5. the holder is killed with SIGKILL (its lock file stays behind, with its pid in it);
6. the waiting build takes the lock, removes the holder's half-built copy, builds and publishes;
7. a third build (``--force``) runs: with the first one, three consecutive builds of the same
   inputs, compared in tests/test_idempotence.py.

How the tests were checked to fail without their safeguard (on a copy of the tree, each removed in
turn): with the lock taken after the leftover copy is removed, a refused build deletes the running
build's copy (``test_a_build_is_refused_before_it_touches_anything``); with ``cmd_ingest`` not taking
the lock, the ingest runs (its rows would be lost when the build publishes its older copy); with the
lock made a pid file (any content in ``<db>.lock`` means "held"), the lock file of a killed holder
blocks for ever (``test_a_stale_lock_file_of_a_killed_process_does_not_block``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import DOCUMENTS, ROOT
from .test_atomic_build import CDV, PROBE, Running, file_sha, lock_is_free, probe, published_copy, siblings
from .test_bad_input import build_inputs, finished_bad_build

# One worker runs the build chain these modules share (tests/test_concurrency.py), under `pytest -n`.
pytestmark = pytest.mark.xdist_group("chain")


@dataclass
class Chain:
    db: Path
    snapshots: list[Path]  # the warehouse after builds 1 (test_bad_input.py), 2 (the waiter), 3 (--force)
    holder_pid: int
    building_when_held: bool
    lock_text_when_held: str
    refused: subprocess.CompletedProcess
    refused_ingest: subprocess.CompletedProcess
    query_during: subprocess.CompletedProcess
    waiting_line: str
    waiter_still_waiting: bool
    sha_before: str
    sha_after_kill: str
    waiter_rc: int
    waiter_stdout: str
    waiter_stderr: str
    third: subprocess.CompletedProcess
    seconds: dict[str, float]


_CHAIN: dict[str, Any] = {}


def _cdv(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CDV, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _snapshot(db: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    return published_copy(db, folder)


def start_chain(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run the scenario in a background thread, once: tests/test_bad_input.py starts it as soon as its
    build is done, so that it runs while the other tests do; ``run_chain`` waits for it."""
    if "thread" in _CHAIN:
        return
    root = tmp_path_factory.mktemp("chain")

    def work() -> None:
        try:
            _CHAIN["chain"] = _run_chain(tmp_path_factory, root)
        except BaseException as exc:  # noqa: BLE001 - raised again in the test that waits for it
            _CHAIN["error"] = exc

    _CHAIN["thread"] = threading.Thread(target=work, name="chain", daemon=True)
    _CHAIN["thread"].start()


def run_chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """The scenario of the module docstring, once per session (tests/test_idempotence.py uses it)."""
    start_chain(tmp_path_factory)
    _CHAIN["thread"].join(timeout=900)
    if "error" in _CHAIN:
        raise _CHAIN["error"]
    return _CHAIN["chain"]


def _run_chain(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Chain:
    """It starts from the warehouse of tests/test_bad_input.py's build (the real inputs and every bad
    file) and builds the same inputs again: a build with duplicates, unreadable and oversized files
    must be as repeatable as a clean one.
    """
    first, _ = finished_bad_build(tmp_path_factory)
    inputs = [str(p) for p in build_inputs(tmp_path_factory)]
    db = published_copy(first, root / "db")
    snapshots = [_snapshot(db, root / "after-1")]
    sha_before = file_sha(db)
    seconds: dict[str, float] = {}
    holder = Running(
        [*CDV, "build", *inputs, "--db", str(db)],
        {"CDV_TEST_PAUSE_AT": "ingest", "CDV_TEST_PAUSE_SECONDS": "300"},
    )
    waiter: Running | None = None
    try:
        holder.wait_for(rf"cdv: test pause at ingest \(pid {holder.pid}\)", timeout=120)
        building_when_held = siblings(db)["building"].exists()
        lock_text = siblings(db)["lock"].read_text()
        started = time.perf_counter()
        refused = _cdv("build", *inputs, "--db", str(db), timeout=60)
        seconds["refusal"] = time.perf_counter() - started
        refused_ingest = _cdv("ingest", str(DOCUMENTS), "--db", str(db), timeout=60)
        query_during = _cdv("query", PROBE, "--db", str(db), "--format", "json", timeout=60)
        waiter = Running([*CDV, "build", *inputs, "--wait", "--db", str(db)])
        waiting_line = waiter.wait_for(r"waiting for the lock of .*, held by pid \d+", timeout=60)
        time.sleep(1)
        still_waiting = waiter.proc.poll() is None
        os.kill(holder.pid, signal.SIGKILL)
        holder.proc.wait(timeout=30)
        sha_after_kill = file_sha(db)
        started = time.perf_counter()
        waiter_rc = waiter.finish(timeout=400)
        seconds["waiting build"] = time.perf_counter() - started
    finally:
        for run in (holder, waiter):
            if run is not None and run.proc.poll() is None:
                run.kill()
    snapshots.append(_snapshot(db, root / "after-2"))
    started = time.perf_counter()
    third = _cdv("build", *inputs, "--force", "--db", str(db), timeout=400)
    seconds["third build"] = time.perf_counter() - started
    snapshots.append(_snapshot(db, root / "after-3"))
    return Chain(
        db,
        snapshots,
        holder.pid,
        building_when_held,
        lock_text,
        refused,
        refused_ingest,
        query_during,
        waiting_line,
        still_waiting,
        sha_before,
        sha_after_kill,
        waiter_rc,
        waiter.stdout,
        waiter.stderr,
        third,
        seconds,
    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    return run_chain(tmp_path_factory)


def test_a_second_build_is_refused_at_once_naming_the_holder(chain: Chain) -> None:
    assert (
        chain.building_when_held and f"pid {chain.holder_pid}, cdv build since" in chain.lock_text_when_held
    )
    assert chain.refused.returncode == 1
    assert chain.refused.stderr.strip().splitlines()[-1] == (
        f"cdv: not started, the warehouse is unchanged: another build of {chain.db} is running "
        f"({chain.lock_text_when_held}; lock {siblings(chain.db)['lock']}); retry later or pass --wait"
    )
    assert "Traceback" not in chain.refused.stderr
    assert chain.seconds["refusal"] < 15  # refused at once, not after a copy or an ingest


def test_an_ingest_into_a_warehouse_being_built_is_refused(chain: Chain) -> None:
    # Without the lock, this ingest would write into the published file, and the build, publishing
    # the copy it made before, would silently drop what it wrote.
    assert chain.refused_ingest.returncode == 1
    assert f"another build of {chain.db} is running (pid {chain.holder_pid}" in chain.refused_ingest.stderr
    assert chain.sha_after_kill == chain.sha_before


def test_readers_see_the_published_warehouse_during_a_build(
    chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    assert chain.query_during.returncode == 0, chain.query_during.stderr
    during = json.loads(chain.query_during.stdout)[0]
    assert during == probe(chain.snapshots[0], capsys)


def test_wait_waits_for_the_holder_then_builds(chain: Chain) -> None:
    assert f"held by pid {chain.holder_pid}" in chain.waiting_line
    assert chain.waiter_still_waiting, "the --wait build did not wait for the holder"
    assert chain.waiter_rc == 0, chain.waiter_stderr[-3000:]
    assert f"warehouse built: {chain.db}" in chain.waiter_stdout


def test_a_killed_holder_leaves_nothing_that_blocks_or_lingers(chain: Chain) -> None:
    # The holder was SIGKILLed in the middle of its ingest: its lock file and its copy stayed
    # behind; the waiting build got the lock anyway, removed the copy, built and published.
    for name in ("building", "building_wal", "wal"):
        assert not siblings(chain.db)[name].exists(), name
    assert siblings(chain.db)["lock"].exists()
    assert lock_is_free(chain.db)
    assert chain.third.returncode == 0, chain.third.stderr[-3000:]


def test_a_stale_lock_file_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    """The lock file outlives its holder (with the holder's pid in it); the lock itself does not."""
    db = tmp_path / "warehouse.duckdb"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from ingest.build import build_lock\n"
        "with build_lock(Path(sys.argv[1])):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(300)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not lock_is_free(db)
        holder.kill()
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    lock = siblings(db)["lock"]
    assert f"pid {holder.pid}" in lock.read_text()  # stale: the dead holder's words
    assert lock_is_free(db)
    from ingest.build import build_lock

    started = time.perf_counter()
    with build_lock(db):
        assert f"pid {os.getpid()}" in lock.read_text()
    assert time.perf_counter() - started < 1


def test_a_build_is_refused_before_it_touches_anything(tmp_path: Path) -> None:
    """The lock comes first: a refused build neither removes nor copies anything."""
    from ingest.build import BuildLocked, build, build_lock

    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(b"the published warehouse")
    leftover = siblings(db)["building"]
    leftover.write_bytes(b"the running build's copy")
    with build_lock(db), pytest.raises(BuildLocked, match="another build of .* is running"):
        build(db, [DOCUMENTS], progress=lambda _: None)
    assert leftover.read_bytes() == b"the running build's copy"
    assert db.read_bytes() == b"the published warehouse"


def test_cdv_ingest_takes_the_same_lock(tmp_path: Path) -> None:
    """`cdv ingest --wait` waits for a build of the same warehouse; without --wait it is refused."""
    db = tmp_path / "warehouse.duckdb"
    from ingest.build import build_lock
    from ingest.cli import main

    with build_lock(db):
        assert (
            main(["ingest", str(DOCUMENTS / "lezignan-corbieres_annexe7_objectifs-bop.txt"), "--db", str(db)])
            == 1
        )
    assert not db.exists() or db.stat().st_size == 0 or _documents(db) == 0
    assert main(["ingest", str(DOCUMENTS), "--db", str(db)]) == 0
    assert _documents(db) == 2


def _documents(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        try:
            return con.execute("select count(*) from raw.documents").fetchone()[0]
        except duckdb.Error:
            return 0
