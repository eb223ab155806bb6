"""Opening a warehouse file, whatever its name.

DuckDB names a file's catalog after the file: a warehouse called ``raw.duckdb`` or
``marts.duckdb`` would have a catalog named like one of its schemas, and ``raw.documents`` would be
ambiguous. Every connection of the project therefore attaches the file under one fixed name,
``warehouse``, and uses it: the file may be called anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

ALIAS = "warehouse"


def open_warehouse(
    path: Path | str, *, read_only: bool = False, lock: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection on the warehouse file ``path``, attached as ``warehouse`` and in use.

    ``lock``: settings applied after the attachment (a read-only reader's: no file access, locked
    configuration), since attaching needs the file system they close.
    """
    con = duckdb.connect(":memory:")
    try:
        escaped = str(path).replace("'", "''")
        con.execute(f"attach '{escaped}' as {ALIAS}" + (" (read_only)" if read_only else ""))
        con.execute(f"use {ALIAS}")
        for name, value in (lock or {}).items():
            if name != "lock_configuration":
                con.execute(f"set {name} = {_literal(value)}")
        if (lock or {}).get("lock_configuration"):
            con.execute("set lock_configuration = true")
    except Exception:
        con.close()
        raise
    return con


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def scalar(con: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None) -> Any:
    """The first value of the first row of a query (None when it returns no row)."""
    row = con.execute(sql, parameters or []).fetchone()
    return None if row is None else row[0]
