"""Shared fixtures: the real documents, and one warehouse built once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest import pgserver
from ingest.build import build
from ingest.postgres import Server
from ingest.reading import read_file

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "data" / "documents"
PERPIGNAN = DOCUMENTS / "perpignan-mediterranee_programme-actions_pilier-economie-emploi.txt"
LEZIGNAN = DOCUMENTS / "lezignan-corbieres_annexe7_objectifs-bop.txt"


@pytest.fixture(scope="session")
def perpignan_lines() -> list[str]:
    return read_file(PERPIGNAN).lines


@pytest.fixture(scope="session")
def lezignan_lines() -> list[str]:
    return read_file(LEZIGNAN).lines


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built by `cdv build` from the bundled inputs into a throw-away file."""
    db = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    build(db, progress=lambda _: None)
    return db


OTHER_DOCUMENTS = ROOT / "tests" / "documents"


@pytest.fixture(scope="session")
def other_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of two other contracts' programmes and a third's annex, and nothing else."""
    folder = tmp_path_factory.mktemp("inputs")
    for name in (
        "carcassonne-agglo_programme_cohesion-sociale.txt",
        "montpellier-mediterranee-metropole_programme_cadre-de-vie.txt",
        "beziers-mediterranee_annexe_objectifs-bop.txt",
    ):
        (folder / name).write_bytes((OTHER_DOCUMENTS / name).read_bytes())
    db = tmp_path_factory.mktemp("other") / "warehouse.duckdb"
    build(db, [folder], progress=lambda _: None)
    return db


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throw-away PostgreSQL server for the session (ingest.pgserver); its superuser's DSN. Skips,
    saying why, where no server can start (no binaries: `make test` installs Debian's postgresql)."""
    why = pgserver.unavailable()
    if why:
        pytest.skip(why)
    with pgserver.throwaway_server() as dsn:
        yield dsn


def create_database(dsn: str, name: str) -> str:
    """A new database on the server, as the README asks (UTF-8, byte-order collation); its DSN."""
    import psycopg2

    con = psycopg2.connect(dsn)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"create database {name} template template0 encoding 'UTF8' locale 'C.UTF-8'")
    con.close()
    return dsn.replace("dbname=postgres", f"dbname={name}")


@pytest.fixture(scope="session")
def pg_warehouse(warehouse: Path, pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bundled data published on the server (`cdv build --target postgres`); its DSN. The ingest
    starts from a copy of the DuckDB warehouse, so both hold the same raw rows, loaded at the same time."""
    store = tmp_path_factory.mktemp("pg-ingest") / "ingest.duckdb"
    shutil.copy2(warehouse, store)
    build(store, progress=lambda _: None, server=Server(pg_server))
    return pg_server


@pytest.fixture()
def wh(warehouse: Path):
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()
