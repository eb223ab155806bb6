"""A throw-away PostgreSQL server for the tests and the benchmark: ``initdb`` into a temporary folder,
``pg_ctl start`` on a Unix socket only (no TCP port opened), stopped and removed at the end.

The binaries are Debian's (``/usr/lib/postgresql/<version>/bin``, package ``postgresql``, which
``make test`` installs when it is missing). The server refuses to run as root: as root (CI), it runs
as Debian's ``postgres`` account (``runuser``), the folder given to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (the newest version installed), or None."""
    found = sorted(
        Path("/").glob(BIN_GLOB.lstrip("/")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(found):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path and shutil.which("pg_ctl") else None


def unavailable() -> str | None:
    """Why no throw-away server can start here, or None when one can."""
    if binaries() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql package (make test does)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres account to run the server as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start the server as postgres"
    return None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def throwaway_server(port: int = 54329) -> Iterator[str]:
    """Start a server; yields its DSN (superuser ``postgres``, database ``postgres``, C.UTF-8)."""
    why = unavailable()
    if why:
        raise RuntimeError(why)
    folder_bin = binaries()
    assert folder_bin is not None
    folder = Path(tempfile.mkdtemp(prefix="cdv-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    log = folder / "server.log"
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(folder_bin / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--encoding",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        started = subprocess.run(
            _as_server_user(
                [str(folder_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]
            ),
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(
                f"the throw-away PostgreSQL server did not start: {started.stderr}{started.stdout}\n{text}"
            )
        yield f"host={folder} port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run(
            _as_server_user([str(folder_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
