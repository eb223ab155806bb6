"""The inputs a warehouse is built from, kept in the warehouse itself (schema ``cdv``).

A build reads every input registered so far plus the paths it is given (``cdv build NEW_PATH`` adds
to them); the first build of a warehouse, given none, registers ``data/``. A document leaves the
warehouse only when its file is gone from a registered input, or when its input is removed
(``cdv remove PATH``), and the build says what left and how much money went with it. ``--mirror``
keeps the former behaviour: the inputs are exactly the paths given, whatever was registered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from ingest.warehouse import scalar

SCHEMA = "cdv"


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"create table if not exists {SCHEMA}.inputs "
        "(path varchar primary key, kind varchar, added_at timestamp, position integer)"
    )
    con.execute(
        f"create table if not exists {SCHEMA}.removals (document_file varchar, document_sha256 varchar, "
        "kind varchar, amount_eur decimal(18, 2), reason varchar, removed_at timestamp)"
    )


def registered(con: duckdb.DuckDBPyConnection) -> list[Path]:
    ensure_registry(con)
    # In the order they were given: which of two identical files is the one loaded depends on it.
    rows = con.execute(f"select path from {SCHEMA}.inputs order by position, added_at, path").fetchall()
    return [Path(path) for (path,) in rows]


def choose(
    con: duckdb.DuckDBPyConnection, given: list[Path] | None, defaults: list[Path], *, mirror: bool
) -> tuple[list[Path], list[Path]]:
    """The inputs of this build, and those registered before it that no longer exist."""
    known = registered(con)
    given_resolved = [p.resolve() for p in (given or [])]
    if mirror:
        chosen = given_resolved or [p.resolve() for p in defaults]
    else:
        chosen = list(known) or ([] if given_resolved else [p.resolve() for p in defaults])
        chosen += [p for p in given_resolved if p not in chosen]
    gone = [p for p in chosen if not p.exists() and p in known]
    return [p for p in chosen if p not in gone], gone


def save(con: duckdb.DuckDBPyConnection, inputs: list[Path]) -> None:
    """Registers exactly ``inputs`` (the build's, after it read them)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    before = {p: added for p, added in con.execute(f"select path, added_at from {SCHEMA}.inputs").fetchall()}
    con.execute(f"delete from {SCHEMA}.inputs")
    for position, path in enumerate(inputs):
        key = str(path)
        con.execute(
            f"insert into {SCHEMA}.inputs values (?, ?, ?, ?)",
            [key, "folder" if path.is_dir() else "file", before.get(key, now), position],
        )


def unregister(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    ensure_registry(con)
    key = str(path.resolve())
    found = scalar(con, f"select count(*) from {SCHEMA}.inputs where path = ?", [key])
    con.execute(f"delete from {SCHEMA}.inputs where path = ?", [key])
    return bool(found)


@dataclass(frozen=True)
class Removed:
    document_file: str
    kind: str
    amount_eur: Decimal


def document_amounts(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, Removed]:
    """What each document brought, before it goes: its kind and its money (planned lines and posts)."""
    if not names:
        return {}
    rows = con.execute(
        """
        with names as (select unnest(?::varchar[]) as document_file),
        money as (
            select document_file, sum(amount_eur) as eur from raw.funding_lines group by 1
            union all
            select document_file, sum(amount_eur) from raw.anct_posts group by 1
        )
        select names.document_file, coalesce(max(documents.kind), 'unknown'), coalesce(sum(money.eur), 0)
        from names
        left join raw.documents as documents on names.document_file = documents.document_file
        left join money on names.document_file = money.document_file
        group by 1
        """,
        [names],
    ).fetchall()
    return {name: Removed(name, kind, Decimal(eur)) for name, kind, eur in rows}


def record_removals(con: duckdb.DuckDBPyConnection, removed: list[Removed], reason: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for item in removed:
        con.execute(
            f"insert into {SCHEMA}.removals values (?, null, ?, ?, ?, ?)",
            [item.document_file, item.kind, item.amount_eur, reason, now],
        )


def describe(removed: list[Removed]) -> str:
    """ "2 documents removed: a.txt (1 200 000 €), b.json (35 000 €)" """
    if not removed:
        return ""
    from ingest.query import format_eur

    items = ", ".join(f"{r.document_file} ({format_eur(r.amount_eur)})" for r in removed)
    total = format_eur(sum((r.amount_eur for r in removed), Decimal(0)))
    noun = "document" if len(removed) == 1 else "documents"
    return f"{len(removed)} {noun} removed ({total} in all): {items}"
