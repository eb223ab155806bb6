"""Shared fixtures: the real documents, and one warehouse built once per test session."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.build import build
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


@pytest.fixture()
def wh(warehouse: Path):
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()
