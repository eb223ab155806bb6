"""A warehouse keeps its inputs: a build of a new folder adds to them, a document leaves only when its
file is gone from a registered input or its input is removed, and every removal is said, with its money
(issue 12, "inputs that are kept, removals that are said")."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.cli import main
from ingest.query import status

from .conftest import LEZIGNAN

CARCASSONNE = (
    Path(__file__).resolve().parent / "documents" / "carcassonne-agglo_programme_cohesion-sociale.txt"
)


def _files(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [
            name for (name,) in con.execute("select document_file from raw.documents order by 1").fetchall()
        ]
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _documents_models_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is tested here is which documents a build keeps, removes and says: the raw tables and
    the inputs registry. dbt builds only the staging of the documents (about 5 s a build instead of
    30); the whole build is tested by every other module."""
    import ingest.build

    monkeypatch.setattr(
        ingest.build,
        "dbt_build_args",
        lambda *_args, **_kwargs: ["run", "--select", "stg_documents__documents"],
    )


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("inputs")
    first, inbox = root / "first", root / "inbox"
    first.mkdir()
    inbox.mkdir()
    (first / LEZIGNAN.name).write_bytes(LEZIGNAN.read_bytes())
    (inbox / CARCASSONNE.name).write_bytes(CARCASSONNE.read_bytes())
    return root / "w.duckdb", first, inbox


def test_a_new_folder_adds_to_the_inputs_and_removals_are_said(
    folders: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, first, inbox = folders
    assert main(["build", str(first), "--db", str(db)]) == 0
    assert _files(db) == [LEZIGNAN.name]
    # A build of another folder keeps every earlier document.
    assert main(["build", str(inbox), "--db", str(db)]) == 0
    assert _files(db) == [CARCASSONNE.name, LEZIGNAN.name]
    capsys.readouterr()
    # A build with no path reads every registered input.
    assert main(["build", "--db", str(db)]) == 0
    assert _files(db) == [CARCASSONNE.name, LEZIGNAN.name]
    # A file gone from a registered folder leaves, and the build says so with its money.
    (inbox / CARCASSONNE.name).unlink()
    capsys.readouterr()
    assert main(["build", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"1 document removed (533\u202f000 € in all): {CARCASSONNE.name} (533\u202f000 €)" in out
    assert _files(db) == [LEZIGNAN.name]
    text = status(db)
    assert str(first) in text and str(inbox) in text
    assert f"{CARCASSONNE.name} (533\u202f000 €): file gone from the inputs" in text


def test_an_input_is_removed_by_the_user_only(folders: tuple[Path, Path, Path], capsys) -> None:
    db, first, inbox = folders
    assert main(["remove", str(tmp := first.parent / "not-an-input"), "--db", str(db)]) != 0
    assert "not an input of this warehouse" in capsys.readouterr().err
    assert not tmp.exists()
    assert main(["remove", str(first), "--db", str(db)]) == 0
    assert "1 document removed" in capsys.readouterr().out
    assert _files(db) == []
    assert str(first) not in status(db).split("documents removed")[0]


def test_mirror_builds_from_exactly_the_paths_given(tmp_path: Path) -> None:
    first, inbox = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    inbox.mkdir()
    (first / LEZIGNAN.name).write_bytes(LEZIGNAN.read_bytes())
    (inbox / CARCASSONNE.name).write_bytes(CARCASSONNE.read_bytes())
    db = tmp_path / "w.duckdb"
    assert main(["build", str(first), "--db", str(db)]) == 0
    assert main(["build", str(inbox), "--mirror", "--db", str(db)]) == 0
    assert _files(db) == [CARCASSONNE.name]
