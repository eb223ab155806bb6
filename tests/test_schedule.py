"""The schedule definitions in deploy/: the systemd unit and timer parse (systemd-analyze verify where
it is installed, a structural check always), and the cron line runs `cdv build` on the warehouse,
in cron's bare environment, failing with the reason and keeping the last good warehouse when it
cannot build."""

from __future__ import annotations

import fcntl
import hashlib
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALL_DIR = "/opt/cdv"  # where the definitions expect the repository (README, "Scheduled builds")


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = sections.setdefault(header.group(1), {})
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z]+", key.strip()), f"{path.name}: not key=value: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_service_and_timer_are_well_formed() -> None:
    service = parse_unit(DEPLOY / "cdv-build.service")
    timer = parse_unit(DEPLOY / "cdv-build.timer")
    assert set(service) == {"Unit", "Service"}
    assert service["Service"]["Type"] == ["oneshot"]
    assert service["Service"]["WorkingDirectory"] == [INSTALL_DIR]
    command = shlex.split(service["Service"]["ExecStart"][0])
    assert command[:2] == [f"{INSTALL_DIR}/.venv/bin/cdv", "build"]
    assert command[command.index("--db") + 1] == f"{INSTALL_DIR}/warehouse.duckdb"
    assert f"CDV_DB={INSTALL_DIR}/warehouse.duckdb" in service["Service"]["Environment"]

    assert set(timer) == {"Unit", "Timer", "Install"}
    assert timer["Timer"]["Unit"] == ["cdv-build.service"]
    assert (DEPLOY / timer["Timer"]["Unit"][0]).is_file()
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == ["true"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    # Installed paths point at this checkout, so verify can check that ExecStart exists.
    for name in ("cdv-build.service", "cdv-build.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8").replace(INSTALL_DIR, str(ROOT))
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "cdv-build.service", "cdv-build.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if "cdv-build" in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr
    calendar = parse_unit(DEPLOY / "cdv-build.timer")["Timer"]["OnCalendar"][0]
    assert subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True).returncode == 0


def cron_entries() -> tuple[dict[str, str], list[tuple[list[str], str, str]]]:
    """The cron.d file: its variables, and its jobs as (time fields, user, command)."""
    variables: dict[str, str] = {}
    jobs = []
    for raw in (DEPLOY / "cdv-build.cron").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assignment = re.fullmatch(r"([A-Z_]+)=(.*)", line)
        if assignment:
            variables[assignment.group(1)] = assignment.group(2)
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7, f"not a cron.d job line (5 time fields, user, command): {line!r}"
        jobs.append((fields[:5], fields[5], fields[6]))
    return variables, jobs


def test_cron_line_is_a_nightly_cdv_build() -> None:
    variables, jobs = cron_entries()
    assert len(jobs) == 1
    times, user, command = jobs[0]
    ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
    for value, (low, high) in zip(times, ranges, strict=True):
        assert value == "*" or low <= int(value) <= high, times
    assert user == "root"
    assert variables["CDV_DB"] == f"{INSTALL_DIR}/warehouse.duckdb"
    assert "/usr/bin" in variables["PATH"].split(":")
    parts = shlex.split(command)
    assert parts[:3] == ["cd", INSTALL_DIR, "&&"]
    assert parts[3:7] == [".venv/bin/cdv", "build", "--db", "$CDV_DB"]
    assert parts[7:] == [">>", "/var/log/cdv-build.log", "2>&1"]


def test_cron_command_runs_cdv_build_and_fails_safely(tmp_path: Path) -> None:
    """The cron line as cron runs it (sh, bare environment), while another build holds the lock:
    it must exit non-zero, log the reason and leave the published warehouse untouched."""
    variables, jobs = cron_entries()
    command = (
        jobs[0][2]
        .replace(INSTALL_DIR, str(ROOT))
        .replace("/var/log/cdv-build.log", str(tmp_path / "build.log"))
    )
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table last_good as select 1 as x")
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    env = {k: v.replace(INSTALL_DIR, str(ROOT)) for k, v in variables.items()}
    env.update(CDV_DB=str(db), HOME=str(tmp_path), LOGNAME="root")
    with (tmp_path / "warehouse.duckdb.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run([env.get("SHELL", "/bin/sh"), "-c", command], env=env, timeout=120)
    log = (tmp_path / "build.log").read_text(encoding="utf-8")
    assert result.returncode != 0, log
    assert "another build" in log and str(db) in log, log  # the reason, naming the warehouse
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
