"""The ``CDV_*`` environment variables, in one place: what each one does, its unit and its default.

``settings()`` reads the environment at each call (nothing is kept from import time: tests change
the environment with monkeypatch, and a build passes ``CDV_DB`` to the dbt it starts), and checks
every value: one that cannot be used raises ``SettingsError``, whose message names the variable and
the value, instead of being replaced by the default without a word. An empty variable is an unset one.

Read elsewhere, not here: ``dbt_project/profiles.yml`` reads ``CDV_DB`` itself (dbt's ``env_var``),
the project's ``generate_schema_name`` and sources read ``CDV_SCHEMA_SUFFIX`` (set by a PostgreSQL
build for the dbt it starts: the build's own schemas, ``marts__next``...),
and the notebooks read ``CDV_FILTERS`` (the headline question's filters, as JSON) in their first
cells (they find the warehouse through ``ingest.readers.resolve``, hence these settings).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar, get_args

REPO_ROOT = Path(__file__).resolve().parent.parent

DB_ENV = "CDV_DB"
MAX_INPUT_ENV = "CDV_MAX_INPUT_MB"
WORKERS_ENV = "CDV_INGEST_WORKERS"
BATCH_ENV = "CDV_INGEST_BATCH"
PAUSE_AT_ENV = "CDV_TEST_PAUSE_AT"
PAUSE_SECONDS_ENV = "CDV_TEST_PAUSE_SECONDS"
TARGET_ENV = "CDV_TARGET"
PG_DSN_ENV = "CDV_PG_DSN"
PG_READER_ENV = "CDV_PG_READER"

# Where the warehouse is published (cdv build --target, readers' --target).
TargetKind = Literal["duckdb", "postgres"]
TARGETS: tuple[TargetKind, ...] = get_args(TargetKind)

# The steps of a build where the test hook can stop it, in the order a build reaches them.
PauseStep = Literal["ingest", "expectations", "dbt", "publish"]
_PAUSE_STEPS: tuple[PauseStep, ...] = get_args(PauseStep)


class SettingsError(ValueError):
    """A ``CDV_*`` variable whose value cannot be used."""


@dataclass(frozen=True)
class Settings:
    """The values of the ``CDV_*`` variables (``settings()`` reads them); the defaults are here."""

    db: Path = REPO_ROOT / "warehouse.duckdb"
    """``CDV_DB``: the warehouse file of ``cdv`` commands given no ``--db``, of the dashboard and of
    the notebooks. Default: ``warehouse.duckdb`` at the repository root; a relative path is taken
    from the current folder."""

    max_input_mb: float = 32
    """``CDV_MAX_INPUT_MB``: the size, in MB (1,000,000 bytes), above which an input file is hashed
    in chunks but neither read into memory nor parsed (one ``file_too_large`` issue). Default 32,
    about 30 times the largest bundled file; must be above 0."""

    ingest_workers: int | None = None
    """``CDV_INGEST_WORKERS``: worker processes that parse the documents of an ingest; 0 parses in
    the ingesting process. Default (unset): one per core the process may use when there is more than
    ``pipeline.PARALLEL_MIN_BYTES`` to parse, else 0."""

    ingest_batch: int = 64
    """``CDV_INGEST_BATCH``: new documents written per load transaction; 1 gives one transaction per
    document. Default 64; at least 1."""

    test_pause_at: PauseStep | None = None
    """``CDV_TEST_PAUSE_AT``: test hook: a build stops at this step (ingest, expectations, dbt or
    publish) and sleeps, so that a test can kill it there. Default (unset): no pause."""

    test_pause_seconds: float = 600
    """``CDV_TEST_PAUSE_SECONDS``: how long that pause lasts, in seconds. Default 600."""

    target: TargetKind = "duckdb"
    """``CDV_TARGET``: where ``cdv`` commands given no ``--target``, the dashboard and the notebooks
    find the warehouse: ``duckdb`` (the file of ``CDV_DB``) or ``postgres`` (the server of
    ``CDV_PG_DSN``, else of libpq's ``PGHOST``, ``PGPORT``, ``PGDATABASE``...). Default duckdb."""

    pg_dsn: str = ""
    """``CDV_PG_DSN``: the PostgreSQL server as a libpq connection string (``host=... dbname=...``),
    when no ``--dsn`` is given. Default (unset): libpq's own variables and defaults."""

    pg_reader: str = "cdv_reader"
    """``CDV_PG_READER``: the role readers connect as on the server (unless the DSN names a user),
    and that a build grants reading the published schemas. Default cdv_reader."""

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * 1_000_000)


_T = TypeVar("_T")


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default: this process's environment), read now.

    Raises ``SettingsError`` for a value that cannot be used.
    """
    env = os.environ if environ is None else environ
    default = Settings()

    def read(name: str, parse: Callable[[str], _T], fallback: _T) -> _T:
        raw = env.get(name, "").strip()
        return parse(raw) if raw else fallback

    return Settings(
        db=read(DB_ENV, Path, default.db),
        max_input_mb=read(
            MAX_INPUT_ENV, _number(MAX_INPUT_ENV, "a size in MB above 0", above=0), default.max_input_mb
        ),
        ingest_workers=read(
            WORKERS_ENV,
            _whole(WORKERS_ENV, "a number of worker processes, 0 or more", 0),
            default.ingest_workers,
        ),
        ingest_batch=read(
            BATCH_ENV, _whole(BATCH_ENV, "a number of documents, 1 or more", 1), default.ingest_batch
        ),
        test_pause_at=read(PAUSE_AT_ENV, _pause_step, default.test_pause_at),
        test_pause_seconds=read(
            PAUSE_SECONDS_ENV,
            _number(PAUSE_SECONDS_ENV, "a number of seconds, 0 or more", at_least=0),
            default.test_pause_seconds,
        ),
        target=read(TARGET_ENV, _target, default.target),
        pg_dsn=read(PG_DSN_ENV, str, default.pg_dsn),
        pg_reader=read(PG_READER_ENV, _role, default.pg_reader),
    )


def _bad(name: str, raw: str, wanted: str) -> SettingsError:
    return SettingsError(f"{name}={raw!r} cannot be used: it must be {wanted}")


def _whole(name: str, wanted: str, minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _bad(name, raw, wanted) from None
        if value < minimum:
            raise _bad(name, raw, wanted)
        return value

    return parse


def _number(
    name: str, wanted: str, *, above: float | None = None, at_least: float | None = None
) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise _bad(name, raw, wanted) from None
        if (
            not math.isfinite(value)
            or (above is not None and value <= above)
            or (at_least is not None and value < at_least)
        ):
            raise _bad(name, raw, wanted)
        return value

    return parse


def _target(raw: str) -> TargetKind:
    for target in TARGETS:
        if raw.lower() == target:
            return target
    raise _bad(TARGET_ENV, raw, "one of " + ", ".join(TARGETS))


def _role(raw: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_$]{0,62}", raw):
        raise _bad(PG_READER_ENV, raw, "a PostgreSQL role name (lower-case letters, digits, _)")
    return raw


def _pause_step(raw: str) -> PauseStep:
    for step in _PAUSE_STEPS:
        if raw == step:
            return step
    raise _bad(PAUSE_AT_ENV, raw, "one of " + ", ".join(_PAUSE_STEPS))
