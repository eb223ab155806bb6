"""A read-only connection on the published warehouse, whichever the target: a DuckDB file or a
PostgreSQL server. Readers (``cdv query``, ``cdv status``, ``cdv export scdl``, the dashboard, the
notebooks, the target comparison) run the same SQL on either.

The target comes from the caller (``--target``, ``--dsn``) or from ``CDV_TARGET`` (``duckdb``, the
default, or ``postgres``) and, for PostgreSQL, libpq's variables or ``CDV_PG_DSN``; a server is read
as the reader role (``CDV_PG_READER``, default ``cdv_reader``) unless the DSN names a user, in
read-only transactions. Statements take named parameters written ``$name`` (DuckDB's style), turned
into psycopg2's ``%(name)s`` for the server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingest.postgres import READER_SCHEMAS, PostgresError, Server, reader_role
from ingest.settings import TARGETS, TargetKind, settings
from ingest.warehouse import open_warehouse

# A DuckDB reader's settings once the file is attached: no file system access at all (no statement
# can write a file with COPY ... TO or EXPORT DATABASE, attach another database, read a file outside
# the warehouse, or install or load an extension), and the configuration locked so that no statement
# can lift that.
LOCKED_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class ReaderError(Exception):
    """The warehouse cannot be read (missing, not a warehouse, server refused); the message says which."""


@dataclass(frozen=True)
class Target:
    """Where the published warehouse is: a DuckDB file or a PostgreSQL server."""

    kind: TargetKind = "duckdb"
    db: Path | None = None
    dsn: str = ""


def target_kind(value: str | None = None) -> TargetKind:
    """``value`` (an option's), else ``CDV_TARGET``'s (``ingest.settings``), else duckdb."""
    if value is None:
        return settings().target
    if value not in TARGETS:
        raise ReaderError(f"--target={value!r} cannot be used: it must be one of {', '.join(TARGETS)}")
    return value  # type: ignore[return-value]


def resolve(kind: str | None = None, db: Path | None = None, dsn: str | None = None) -> Target:
    """The target the options and the environment name (``db`` defaults to ``CDV_DB``'s, ``dsn`` to
    ``CDV_PG_DSN``'s); a DSN given implies PostgreSQL."""
    configured = settings()
    chosen = target_kind(kind if kind else ("postgres" if dsn else None))
    if chosen == "postgres":
        return Target("postgres", None, dsn if dsn is not None else configured.pg_dsn)
    return Target("duckdb", db or configured.db, "")


# PostgreSQL type oids → the dtypes of DuckDB's df() for the same values: (no value missing, some).
_PG_DTYPES: dict[int, tuple[str, str]] = {
    16: ("bool", "boolean"),
    20: ("int64", "Int64"),
    21: ("int16", "Int16"),
    23: ("int32", "Int32"),
    700: ("float64", "float64"),
    701: ("float64", "float64"),
    1700: ("float64", "float64"),  # numeric: DuckDB's df() gives its decimals as doubles too
}
_PG_DATES = frozenset({1082, 1114})  # date, timestamp

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def pyformat(sql: str) -> str:
    """A statement with ``$name`` parameters in psycopg2's style (``%(name)s``, a literal ``%`` doubled);
    comments and string literals are left as they are, but for their ``%``."""
    out: list[str] = []
    for piece in re.split(r"(--[^\n]*|'(?:[^']|'')*')", sql):
        if piece.startswith(("--", "'")):
            out.append(piece.replace("%", "%%"))
        else:
            out.append(_PARAMETER.sub(r"%(\1)s", piece.replace("%", "%%")))
    return "".join(out)


class Reader:
    """A read-only connection: ``execute`` returns a cursor (``description``, ``fetchall``,
    ``fetchone``), ``rows`` the rows, ``frame`` a DataFrame. ``kind`` says the engine, ``describe()``
    the warehouse, ``explain()`` an error of ``Error``. On a server, every statement is a read-only
    transaction of its own."""

    kind: TargetKind
    Error: tuple[type[BaseException], ...]

    def __init__(self, target: Target, *, as_reader: bool = True) -> None:
        """On a server, as the reader role unless the DSN names a user or ``as_reader`` is false
        (the build's own account, which reads ``raw``)."""
        self.target = target
        self.kind = target.kind
        if target.kind == "postgres":
            import psycopg2

            named = "user" in _dsn_keys(target.dsn)  # a DSN naming its user is read as that user
            user = None if named or not as_reader else reader_role()
            self.server = Server(_with_user(target.dsn, user) if user else target.dsn)
            try:
                self._con = self.server.connect(read_only=True)
            except PostgresError as exc:
                # libpq's message on one line ("connection ... failed: ... Is the server running ...?")
                raise ReaderError(" ".join(str(exc).split())) from exc
            self._con.autocommit = False
            self.Error = (psycopg2.Error,)
        else:
            db = target.db
            assert db is not None
            if not db.exists():
                raise ReaderError(f"{db}: no warehouse here; build one with `make run` or `cdv build`")
            if not db.is_file():
                raise ReaderError(f"{db}: not a warehouse file (a folder or a special file)")
            try:
                self._con = open_warehouse(db, read_only=True, lock=LOCKED_CONFIG)
            except duckdb.Error as exc:
                raise ReaderError(f"{db}: cannot be opened as a DuckDB warehouse: {exc}") from exc
            self.Error = (duckdb.Error,)

    def describe(self) -> str:
        """The warehouse as read: the file, or ``PostgreSQL role@host:port/dbname`` (the account
        this reader connected as)."""
        if self.kind == "postgres":
            return "PostgreSQL " + self.server.describe()
        return str(self.target.db)

    def explain(self, exc: BaseException, *, where: bool = True) -> str:
        """An engine's error as the reader says it: DuckDB's whole message (its first line names the
        error, the next ones help mend it: candidate bindings, "Did you mean", a caret under the
        place); the server's on one line, naming it (unless not ``where``), with its hint and what
        the reader may do."""
        if self.kind == "duckdb":
            return str(exc)
        diag = getattr(exc, "diag", None)
        primary = (getattr(diag, "message_primary", None) or str(exc)).strip().splitlines()[0]
        said = [f"{self.describe()}: {primary}" if where else primary]
        hint = getattr(diag, "message_hint", None)
        if hint:
            said.append(f"({hint.strip()})")
        code = getattr(exc, "pgcode", None)
        if code == "42501":  # insufficient privilege
            said.append(f"(readers see only the schemas {', '.join(READER_SCHEMAS)})")
        elif code == "25006":  # read-only transaction
            said.append("(readers' transactions are read-only)")
        return " ".join(said)

    @property
    def connection(self) -> Any:
        return self._con

    def execute(self, sql: str, params: dict[str, Any] | Sequence[Any] | None = None) -> Any:
        if self.kind == "duckdb":
            return self._con.execute(sql, params) if params else self._con.execute(sql)
        cursor = self._con.cursor()
        try:
            if isinstance(params, dict) and params:
                cursor.execute(pyformat(sql), params)
            elif params:
                cursor.execute(sql.replace("?", "%s"), list(params))
            else:  # no parameters: psycopg2 leaves the text as it is, a % included
                cursor.execute(sql)
        finally:
            # Each statement its own read-only transaction, ended as soon as it ran (its rows are
            # already on this side): a reader kept open (a notebook, the dashboard) holds no lock
            # that a build's drop of the old schemas would wait for; a failed statement leaves no
            # aborted transaction behind.
            self._con.rollback()
        return cursor

    def rows(self, sql: str, params: dict[str, Any] | Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.execute(sql, params).fetchall()]

    def scalar(self, sql: str, params: dict[str, Any] | Sequence[Any] | None = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        """The rows as a DataFrame, its columns of the dtypes DuckDB's ``df()`` gives on either
        engine (so that a chart or a table of the dashboard is drawn alike): numbers as float64,
        integers as int64 or int32 (their nullable kind when a value is missing), dates as
        datetime64."""
        import pandas as pd

        cursor = self.execute(sql, params)
        if self.kind == "duckdb":
            return cursor.df()
        description = cursor.description or []
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=[d[0] for d in description])
        for index, column in enumerate(description):
            series = frame.iloc[:, index]
            dtypes = _PG_DTYPES.get(column.type_code)
            if dtypes is not None:
                plain, nullable = dtypes
                frame.isetitem(index, series.astype(nullable if series.isna().any() else plain))
            elif column.type_code in _PG_DATES:
                frame.isetitem(index, pd.to_datetime(series).astype("datetime64[us]"))
        return frame

    def relation_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.scalar(
                "select count(*) from information_schema.tables where table_schema = $schema and table_name = $table",
                {"schema": schema, "table": table},
            )
        )

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_user(dsn: str, user: str) -> str:
    import psycopg2.extensions

    try:
        return str(psycopg2.extensions.make_dsn(dsn, user=user))
    except Exception:  # noqa: BLE001 - a bad DSN is said by connect()
        return dsn


def _dsn_keys(dsn: str) -> set[str]:
    import psycopg2.extensions

    try:
        return set(psycopg2.extensions.parse_dsn(dsn))
    except Exception:  # noqa: BLE001 - a bad DSN is said by connect()
        return set()
