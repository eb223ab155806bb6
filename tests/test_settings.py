"""The CDV_* environment variables (ingest/settings.py): defaults, each one read, bad values refused
with a message naming the variable, and the modules that follow them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest import pipeline
from ingest.cli import main
from ingest.loading import connect
from ingest.pipeline import ingest_workers
from ingest.reading import read_file
from ingest.settings import REPO_ROOT, Settings, SettingsError, settings

VARIABLES = (
    "CDV_DB",
    "CDV_MAX_INPUT_MB",
    "CDV_INGEST_WORKERS",
    "CDV_INGEST_BATCH",
    "CDV_TEST_PAUSE_AT",
    "CDV_TEST_PAUSE_SECONDS",
    "CDV_TARGET",
    "CDV_PG_DSN",
    "CDV_PG_READER",
)


@pytest.fixture(autouse=True)
def _no_cdv_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    assert settings() == Settings()
    assert settings() == Settings(
        db=REPO_ROOT / "warehouse.duckdb",
        max_input_mb=32,
        ingest_workers=None,
        ingest_batch=64,
        test_pause_at=None,
        test_pause_seconds=600,
        target="duckdb",
        pg_dsn="",
        pg_reader="cdv_reader",
    )
    assert settings().max_input_bytes == 32_000_000


def test_an_empty_variable_is_an_unset_one() -> None:
    assert settings({name: " " for name in VARIABLES}) == Settings()


@pytest.mark.parametrize(
    ("name", "raw", "attribute", "value"),
    [
        ("CDV_DB", "/tmp/elsewhere.duckdb", "db", Path("/tmp/elsewhere.duckdb")),
        ("CDV_DB", "relative.duckdb", "db", Path("relative.duckdb")),
        ("CDV_MAX_INPUT_MB", "0.5", "max_input_mb", 0.5),
        ("CDV_MAX_INPUT_MB", " 1000 ", "max_input_mb", 1000),
        ("CDV_INGEST_WORKERS", "0", "ingest_workers", 0),
        ("CDV_INGEST_WORKERS", "3", "ingest_workers", 3),
        ("CDV_INGEST_BATCH", "1", "ingest_batch", 1),
        ("CDV_TEST_PAUSE_AT", "expectations", "test_pause_at", "expectations"),
        ("CDV_TEST_PAUSE_SECONDS", "0.25", "test_pause_seconds", 0.25),
        ("CDV_TARGET", "postgres", "target", "postgres"),
        ("CDV_TARGET", "PostgreS", "target", "postgres"),
        ("CDV_PG_DSN", "host=db.example.org dbname=cdv", "pg_dsn", "host=db.example.org dbname=cdv"),
        ("CDV_PG_READER", "observatoire_lecture", "pg_reader", "observatoire_lecture"),
    ],
)
def test_each_variable_is_read(
    name: str, raw: str, attribute: str, value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, raw)
    read = settings()
    assert getattr(read, attribute) == value
    # the others keep their defaults
    assert {k: v for k, v in vars(read).items() if k != attribute} == {
        k: v for k, v in vars(Settings()).items() if k != attribute
    }


def test_the_environment_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDV_INGEST_BATCH", "4")
    assert settings().ingest_batch == 4
    monkeypatch.setenv("CDV_INGEST_BATCH", "8")
    assert settings().ingest_batch == 8


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("CDV_MAX_INPUT_MB", "lots"),
        ("CDV_MAX_INPUT_MB", "-5"),
        ("CDV_MAX_INPUT_MB", "0"),
        ("CDV_MAX_INPUT_MB", "inf"),
        ("CDV_MAX_INPUT_MB", "nan"),
        ("CDV_INGEST_WORKERS", "abc"),
        ("CDV_INGEST_WORKERS", "-1"),
        ("CDV_INGEST_WORKERS", "1.5"),
        ("CDV_INGEST_BATCH", "0"),
        ("CDV_INGEST_BATCH", "many"),
        ("CDV_TEST_PAUSE_AT", "ingestion"),
        ("CDV_TEST_PAUSE_SECONDS", "-1"),
        ("CDV_TEST_PAUSE_SECONDS", "soon"),
        ("CDV_TARGET", "sqlite"),
        ("CDV_PG_READER", "Robert'); drop table"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_value(
    name: str, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingsError) as caught:
        settings()
    assert f"{name}={raw!r}" in str(caught.value)


def test_the_cli_refuses_a_bad_value_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("CDV_INGEST_WORKERS", "abc")
    assert main(["status", "--db", str(db)]) == 2
    assert capsys.readouterr().err.strip() == (
        "cdv: CDV_INGEST_WORKERS='abc' cannot be used: it must be a number of worker processes, 0 or more"
    )
    assert not db.exists()


def test_cdv_db_is_the_cli_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Compte rendu de réunion\n")
    db = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("CDV_DB", str(db))
    assert main(["ingest", str(note)]) == 0
    assert db.exists()


def test_the_ingest_follows_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CDV_INGEST_WORKERS", "0")
    assert ingest_workers([]) == 0
    monkeypatch.setenv("CDV_INGEST_WORKERS", "2")
    assert ingest_workers([]) == 2

    small = tmp_path / "small.txt"
    small.write_text("x" * 2_000)
    monkeypatch.setenv("CDV_MAX_INPUT_MB", "0.001")
    issue = read_file(small).issues[0]
    assert issue.rule == "file_too_large"
    assert "over the 0.001 MB an input may have (CDV_MAX_INPUT_MB)" in issue.message

    sizes: list[int] = []

    class Batch(pipeline._Batch):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            sizes.append(self.size)

    monkeypatch.setattr(pipeline, "_Batch", Batch)
    monkeypatch.setenv("CDV_INGEST_BATCH", "3")
    con = connect(str(tmp_path / "w.duckdb"))
    try:
        pipeline.ingest_paths(con, [small], workers=0)
    finally:
        con.close()
    assert sizes == [3]
