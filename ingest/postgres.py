"""The PostgreSQL target: a connection from libpq's settings, the raw tables copied in by ``COPY``,
the build's schemas swapped in with the published ones in one transaction, one build at a time.

A build on a server never writes into the schemas readers use. It loads ``raw`` and lets dbt build
every layer into schemas of its own (``raw__next``, ``marts__next``, ...: the suffix of
``CDV_SCHEMA_SUFFIX``, read by ``generate_schema_name`` and by the sources), then, in one transaction,
renames the published schemas away and the new ones in (PostgreSQL's DDL is transactional, so a
reader sees the old warehouse or the new one, never a mix, and a build killed before that
transaction leaves the published schemas as they were), and drops the old ones in another. Views keep pointing at the tables
they were built on, since PostgreSQL binds a view to its tables, not to their names.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import psycopg2.extensions

from ingest.schema import RAW_TABLES
from ingest.settings import Settings, settings

# Every schema a build writes; published under these names, built under the name + NEXT_SUFFIX.
SCHEMAS = ("raw", "staging", "intermediate", "marts", "analytics", "reference")
# What the reader role may read: the published results and the reference data, nothing else.
READER_SCHEMAS = ("marts", "analytics", "reference")
NEXT_SUFFIX = "__next"
OLD_SUFFIX = "__old"
DEFAULT_READER = Settings.pg_reader  # the reader role's name when CDV_PG_READER is unset
# The advisory lock one build holds on the server (an arbitrary constant: "cdv" in ASCII, 0x636476).
LOCK_KEY = 6513782
APPLICATION = "cdv build"
# The comment a publication leaves on the analytics schema: "cdv build published <time> by <host>".
PUBLISHED_PREFIX = "cdv build published "


class PostgresError(Exception):
    """The server refused or could not be reached; the message names the server and what failed."""


class PostgresLocked(PostgresError):
    """Another build holds the server's build lock."""


@dataclass(frozen=True)
class Server:
    """Where the warehouse lives on a PostgreSQL server: a libpq connection string (empty: libpq's
    own settings, ``PGHOST``, ``PGPORT``, ``PGDATABASE``, ``PGUSER``, ``PGPASSWORD``...)."""

    dsn: str = ""

    def parameters(self) -> dict[str, str]:
        """The connection's parameters as libpq resolves them (the DSN over the environment)."""
        given = psycopg2.extensions.parse_dsn(self.dsn) if self.dsn else {}
        env = {
            "host": os.environ.get("PGHOST", ""),
            "port": os.environ.get("PGPORT", ""),
            "dbname": os.environ.get("PGDATABASE", ""),
            "user": os.environ.get("PGUSER", ""),
        }
        merged = {key: value for key, value in env.items() if value}
        merged.update({key: str(value) for key, value in given.items()})
        return merged

    def describe(self) -> str:
        """The server as a person names it: ``user@host:port/dbname`` (never the password)."""
        p = self.parameters()
        host = p.get("host") or "localhost"
        return f"{p.get('user') or os.environ.get('USER', '?')}@{host}:{p.get('port') or 5432}/{p.get('dbname') or '?'}"

    def dbt_env(self) -> dict[str, str]:
        """libpq's variables for dbt's profile (target ``postgres`` of dbt_project/profiles.yml)."""
        p = self.parameters()
        env = {
            "PGHOST": p.get("host") or "localhost",
            "PGPORT": p.get("port") or "5432",
            "PGUSER": p.get("user") or os.environ.get("USER", "postgres"),
            "PGDATABASE": p.get("dbname") or p.get("user") or os.environ.get("USER", "postgres"),
        }
        if p.get("password"):
            env["PGPASSWORD"] = p["password"]
        return env

    def connect(self, *, read_only: bool = False) -> Any:
        """A connection (psycopg2); ``read_only``: every transaction of the session is read-only
        (the readers' connections)."""
        try:
            con = psycopg2.connect(self.dsn, application_name="cdv")
        except psycopg2.Error as exc:
            raise PostgresError(
                f"cannot connect to PostgreSQL {self.describe()}: {str(exc).strip()}"
            ) from exc
        if read_only:
            con.set_session(readonly=True)
        return con


def reader_role() -> str:
    """The role readers connect as (``CDV_PG_READER``, default ``cdv_reader``)."""
    return settings().pg_reader


# DuckDB raw types → PostgreSQL's (ingest/schema.py says each column's DuckDB type).
_SCALAR_TYPES = {
    "varchar": "text",
    "double": "double precision",
    "integer": "integer",
    "bigint": "bigint",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


def pg_type(duck_type: str) -> str:
    """PostgreSQL's type for a raw column's DuckDB type (``varchar[]`` → ``text[]``)."""
    if duck_type.endswith("[]"):
        return pg_type(duck_type[:-2]) + "[]"
    if duck_type.startswith("decimal"):
        return duck_type.replace("decimal", "numeric")
    try:
        return _SCALAR_TYPES[duck_type]
    except KeyError:
        raise ValueError(
            f"no PostgreSQL type for the raw column type {duck_type!r} (ingest/schema.py)"
        ) from None


def _csv_expression(name: str, duck_type: str) -> str:
    """The DuckDB expression writing one column as COPY's CSV reads it: a list as an array literal
    (``{"a","b"}``, NULL elements as NULL), anything else as DuckDB writes it."""
    column = f'"{name}"'
    if not duck_type.endswith("[]"):
        return column
    if duck_type.startswith("varchar"):
        element = "'\"' || replace(replace(e, '\\', '\\\\'), '\"', '\\\"') || '\"'"
    else:
        element = "cast(e as varchar)"
    return (
        f"case when {column} is null then null else '{{' || array_to_string("
        f"list_transform({column}, lambda e: coalesce({element}, 'NULL')), ',') || '}}' end as {column}"
    )


def load_raw(duck: duckdb.DuckDBPyConnection, con: Any, schema: str) -> dict[str, int]:
    """Create ``schema`` afresh on the server and copy every raw table of the DuckDB connection
    ``duck`` (schema ``raw``) into it with ``COPY``; returns the rows copied per table."""
    counts: dict[str, int] = {}
    with con.cursor() as cur:
        cur.execute(f'drop schema if exists "{schema}" cascade')
        cur.execute(f'create schema "{schema}"')
        with tempfile.TemporaryDirectory(prefix="cdv-copy-") as folder:
            for table, columns in RAW_TABLES.items():
                body = ", ".join(f'"{name}" {pg_type(ctype)}' for name, ctype in columns)
                cur.execute(f'create table "{schema}"."{table}" ({body})')
                path = Path(folder) / f"{table}.csv"
                select = ", ".join(_csv_expression(name, ctype) for name, ctype in columns)
                escaped = str(path).replace("'", "''")
                # An empty string is written quoted (""), a NULL as nothing: COPY tells them apart.
                duck.execute(
                    f"copy (select {select} from raw.{table}) to '{escaped}' (format csv, header false)"
                )
                names = ", ".join(f'"{name}"' for name, _ in columns)
                with path.open("rb") as handle:
                    cur.copy_expert(
                        f'copy "{schema}"."{table}" ({names}) from stdin with (format csv, header false)',
                        handle,
                    )
                counts[table] = cur.rowcount
    return counts


def _holder(cur: Any) -> str:
    cur.execute(
        "select a.pid, a.application_name, a.usename, a.client_addr, a.backend_start"
        " from pg_locks l join pg_stat_activity a on a.pid = l.pid"
        " where l.locktype = 'advisory' and l.granted and l.objid = %s and l.classid = 0",
        [LOCK_KEY],
    )
    row = cur.fetchone()
    if row is None:
        return "another session"
    pid, application, user, client, started = row
    where = f" from {client}" if client else ""
    return f"{application or 'a session'} (server pid {pid}, user {user}{where}, connected {started:%Y-%m-%d %H:%M:%S})"


@contextlib.contextmanager
def build_lock(server: Server, *, wait: bool = False, say: Any = None) -> Iterator[Any]:
    """Hold the server's build lock (a session-level advisory lock) on a connection of its own,
    yielded; the server releases it when that session ends, however the build ends."""
    con = server.connect()
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(
                "select set_config('application_name', %s, false)",
                [f"{APPLICATION} (pid {os.getpid()} on {socket.gethostname()})"],
            )
            cur.execute("select pg_try_advisory_lock(%s)", [LOCK_KEY])
            row = cur.fetchone()
            if not (row and row[0]):
                holder = _holder(cur)
                if not wait:
                    raise PostgresLocked(
                        f"another build of {server.describe()} is running: {holder}; retry later or pass --wait"
                    )
                if say is not None:
                    say(f"waiting for the build lock of {server.describe()}, held by {holder}")
                cur.execute("select pg_advisory_lock(%s)", [LOCK_KEY])
        yield con
    finally:
        con.close()


def published_at(reader: Any) -> str | None:
    """When and where the server's warehouse was published (the analytics schema's comment)."""
    text = reader.scalar(
        "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'analytics'"
    )
    return (
        text.removeprefix(PUBLISHED_PREFIX)
        if isinstance(text, str) and text.startswith(PUBLISHED_PREFIX)
        else None
    )


def ensure_reader(cur: Any, role: str) -> None:
    """Create the reader role when the builder may (a role that cannot log in until an administrator
    gives it a password or a ``pg_hba`` rule); an existing role is kept as it is."""
    cur.execute("select 1 from pg_roles where rolname = %s", [role])
    if cur.fetchone() is not None:
        return
    try:
        cur.execute("savepoint reader_role")
        cur.execute(f'create role "{role}" login nosuperuser nocreatedb nocreaterole noinherit')
        cur.execute("release savepoint reader_role")
    except psycopg2.Error as exc:
        cur.execute("rollback to savepoint reader_role")
        raise PostgresError(
            f"the reader role {role} does not exist and this account may not create it ({str(exc).strip()}):"
            " an administrator creates it (README, For a team)"
        ) from exc


def _grant_reader(cur: Any, role: str, suffix: str) -> None:
    """The reader may use and read the three published schemas, nothing else (grants move with a
    schema when it is renamed)."""
    for schema in READER_SCHEMAS:
        cur.execute(f'grant usage on schema "{schema}{suffix}" to "{role}"')
        cur.execute(f'grant select on all tables in schema "{schema}{suffix}" to "{role}"')


def drop_next(con: Any) -> None:
    """Drop what a killed or failed build left in the build's own schemas."""
    with con.cursor() as cur:
        for schema in SCHEMAS:
            cur.execute(f'drop schema if exists "{schema}{NEXT_SUFFIX}" cascade')
            cur.execute(f'drop schema if exists "{schema}{OLD_SUFFIX}" cascade')
    con.commit()


# Database settings the models' results depend on: text sorted byte by byte (ties of row_number()
# and min() of text broken as DuckDB breaks them) and UTF-8 (normalize() in cdv_strip_accents).
_BYTEWISE_COLLATIONS = ("C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic")


def check_database(con: Any, server: Server) -> None:
    """Refuse a database whose encoding or collation would give other figures than DuckDB's."""
    with con.cursor() as cur:
        cur.execute(
            "select pg_encoding_to_char(encoding), datcollate from pg_database where datname = current_database()"
        )
        row = cur.fetchone()
    con.rollback()
    if row is None:
        return
    encoding, collation = row
    fix = (
        "create the database with: create database cdv template template0 encoding 'UTF8'"
        " locale 'C.UTF-8' (README, For a team)"
    )
    if encoding != "UTF8":
        raise PostgresError(f"{server.describe()}: the database's encoding is {encoding}, not UTF8: {fix}")
    if collation not in _BYTEWISE_COLLATIONS:
        raise PostgresError(
            f"{server.describe()}: the database sorts text by the locale {collation}, so ties and text"
            f" minima would differ from the DuckDB warehouse's: {fix}"
        )


def publish_swap(server: Server, progress: Any = None) -> float:
    """Swap the built schemas in on a connection of its own; returns the seconds it took."""
    con = server.connect()
    try:
        seconds = publish(con, reader_role())
    except BaseException:
        with contextlib.suppress(Exception):
            con.rollback()
            drop_next(con)
        raise
    finally:
        con.close()
    if progress is not None:
        progress(f"published on {server.describe()}: {', '.join(SCHEMAS)} swapped in one transaction")
    return seconds


def publish(con: Any, role: str) -> float:
    """Swap the built schemas in, in one transaction, then drop the old ones in another; returns the
    seconds the swap took.

    The swap only renames schemas (catalog rows: no table lock), so it neither waits for readers nor
    makes them wait; a reader inside a transaction begun before it keeps reading the old tables,
    which the drop then waits for.
    """
    started = time.perf_counter()
    with con.cursor() as cur:
        cur.execute("select nspname from pg_namespace")
        present = {name for (name,) in cur.fetchall()}
        missing = [s + NEXT_SUFFIX for s in SCHEMAS if s + NEXT_SUFFIX not in present]
        if missing:
            raise PostgresError(f"the build's schemas {', '.join(missing)} are missing: nothing published")
        ensure_reader(cur, role)
        _grant_reader(cur, role, NEXT_SUFFIX)
        # When this warehouse was published, where the reader role can read it (cdv status).
        cur.execute(
            f'comment on schema "analytics{NEXT_SUFFIX}" is %s',
            [f"{PUBLISHED_PREFIX}{time.strftime('%Y-%m-%d %H:%M:%S %Z')} by {socket.gethostname()}"],
        )
        for schema in SCHEMAS:
            if schema + OLD_SUFFIX in present:  # left by a build killed between the swap and the drop
                cur.execute(f'drop schema "{schema}{OLD_SUFFIX}" cascade')
            if schema in present:
                cur.execute(f'alter schema "{schema}" rename to "{schema}{OLD_SUFFIX}"')
            cur.execute(f'alter schema "{schema}{NEXT_SUFFIX}" rename to "{schema}"')
    con.commit()
    seconds = time.perf_counter() - started
    with con.cursor() as cur:
        for schema in SCHEMAS:
            cur.execute(f'drop schema if exists "{schema}{OLD_SUFFIX}" cascade')
    con.commit()
    return seconds
